/**
 * The value kombu keeps in the `unacked` hash for each delivered message, and the change it makes to a
 * message it puts back. CELERY-WIRE.md §3.4; kombu 5.2.4 `QoS.append` and `Channel._do_restore_message`.
 *
 *   unacked[<delivery tag>] = JSON [<envelope>, <exchange>, <routing key>]
 *   restored envelope:        headers.redelivered = true, properties.delivery_info.redelivered = true
 *
 * Entries are written by Python workers and by Pollen alike, and either side restores the other's, so the
 * envelope is kept as the exact text it arrived as: it is sliced out of the entry and edited in place,
 * never parsed and re-serialised (JSON.parse would round integers beyond 2^53 in user headers). Pure.
 */

export interface UnackedEntry {
  /** The message's envelope text, exactly as it was popped. */
  readonly envelope: string;
  readonly exchange: string;
  readonly routingKey: string;
}

/** `json.dumps([envelope, exchange, routing_key])` with the envelope embedded as it came. */
export function encodeUnackedEntry(entry: UnackedEntry): string {
  return `[${entry.envelope}, ${JSON.stringify(entry.exchange)}, ${JSON.stringify(entry.routingKey)}]`;
}

/** Reads an entry written by kombu or by Pollen; null when it is not `[object, string, string]`. */
export function decodeUnackedEntry(text: string): UnackedEntry | null {
  return guarded(() => decodeEntry(text));
}

function decodeEntry(text: string): UnackedEntry | null {
  const items = arrayItems(text, skipSpace(text, 0));
  if (!items || items.items.length !== 3 || skipSpace(text, items.end) !== text.length) return null;
  const [envelope, exchange, routingKey] = items.items as [Span, Span, Span];
  if (text[envelope.start] !== '{') return null;
  const ex = parseString(text.slice(exchange.start, exchange.end));
  const rk = parseString(text.slice(routingKey.start, routingKey.end));
  if (ex === null || rk === null) return null;
  return { envelope: text.slice(envelope.start, envelope.end), exchange: ex, routingKey: rk };
}

/**
 * The envelope marked as kombu marks a restored message: `headers.redelivered` then
 * `properties.delivery_info.redelivered` set to true. As in kombu, a missing `headers` leaves both unset and
 * a missing `delivery_info` leaves only the header set. Null when the text is not a JSON object.
 */
export function markRedelivered(envelope: string): string | null {
  return guarded(() => mark(envelope));
}

function mark(envelope: string): string | null {
  const root = objectMembers(envelope, skipSpace(envelope, 0));
  if (!root) return null;
  const headers = lastMember(root, 'headers');
  const headersObject = headers ? objectMembers(envelope, headers.start) : null;
  if (!headersObject) return envelope;
  const edits = [setTrue(envelope, headersObject, 'redelivered')];
  const properties = lastMember(root, 'properties');
  const propertiesObject = properties ? objectMembers(envelope, properties.start) : null;
  const info = propertiesObject ? lastMember(propertiesObject, 'delivery_info') : null;
  const infoObject = info ? objectMembers(envelope, info.start) : null;
  if (infoObject) edits.push(setTrue(envelope, infoObject, 'redelivered'));
  // Apply from the end so that earlier offsets stay valid (the two objects never overlap).
  edits.sort((a, b) => b.start - a.start);
  let out = envelope;
  for (const edit of edits) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

/** Nesting deep enough to exhaust the stack is not a message kombu could have written. */
function guarded<T>(run: () => T | null): T | null {
  try {
    return run();
  } catch {
    return null;
  }
}

// ---- A minimal JSON scanner: positions of values, no conversion. ----

interface Span {
  readonly start: number;
  readonly end: number;
}

interface Member {
  readonly key: string;
  readonly value: Span;
}

interface ObjectSpan extends Span {
  readonly members: Member[];
}

interface Edit extends Span {
  readonly text: string;
}

function setTrue(text: string, object: ObjectSpan, key: string): Edit {
  const existing = [...object.members].reverse().find((m) => m.key === key);
  if (existing) return { ...existing.value, text: 'true' };
  const last = object.members[object.members.length - 1];
  if (last) return { start: last.value.end, end: last.value.end, text: `, ${JSON.stringify(key)}: true` };
  // An empty object `{ }`: replace its inside.
  return { start: object.start + 1, end: object.end - 1, text: `${JSON.stringify(key)}: true` };
}

/** The value span of the last member named `key` (Python's json keeps the last of duplicate keys). */
function lastMember(object: ObjectSpan, key: string): Span | null {
  for (let i = object.members.length - 1; i >= 0; i--) {
    const member = object.members[i] as Member;
    if (member.key === key) return member.value;
  }
  return null;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  return i;
}

function parseString(literal: string): string | null {
  if (!literal.startsWith('"')) return null;
  try {
    const value: unknown = JSON.parse(literal);
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}

/** End (exclusive) of the string literal starting at `i`, or -1. */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const ch = text[j];
    if (ch === '\\') j++;
    else if (ch === '"') return j + 1;
  }
  return -1;
}

/** The span of the JSON value starting at `i` (no leading space), or null when it is malformed. */
function valueSpan(text: string, i: number): Span | null {
  const ch = text[i];
  if (ch === '"') {
    const end = stringEnd(text, i);
    return end === -1 ? null : { start: i, end };
  }
  if (ch === '{') return objectMembers(text, i);
  if (ch === '[') {
    const array = arrayItems(text, i);
    return array ? { start: i, end: array.end } : null;
  }
  const match = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
  return match ? { start: i, end: i + match[0].length } : null;
}

function objectMembers(text: string, i: number): ObjectSpan | null {
  if (text[i] !== '{') return null;
  const members: Member[] = [];
  let j = skipSpace(text, i + 1);
  if (text[j] === '}') return { start: i, end: j + 1, members };
  for (;;) {
    if (text[j] !== '"') return null;
    const keyEnd = stringEnd(text, j);
    if (keyEnd === -1) return null;
    const key = parseString(text.slice(j, keyEnd));
    if (key === null) return null;
    const colon = skipSpace(text, keyEnd);
    if (text[colon] !== ':') return null;
    const value = valueSpan(text, skipSpace(text, colon + 1));
    if (!value) return null;
    members.push({ key, value });
    j = skipSpace(text, value.end);
    if (text[j] === '}') return { start: i, end: j + 1, members };
    if (text[j] !== ',') return null;
    j = skipSpace(text, j + 1);
  }
}

function arrayItems(text: string, i: number): { items: Span[]; end: number } | null {
  if (text[i] !== '[') return null;
  const items: Span[] = [];
  let j = skipSpace(text, i + 1);
  if (text[j] === ']') return { items, end: j + 1 };
  for (;;) {
    const value = valueSpan(text, j);
    if (!value) return null;
    items.push(value);
    j = skipSpace(text, value.end);
    if (text[j] === ']') return { items, end: j + 1 };
    if (text[j] !== ',') return null;
    j = skipSpace(text, j + 1);
  }
}
