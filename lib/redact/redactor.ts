/**
 * Masks secrets in what tasks carry (args, kwargs, results, exceptions, tracebacks, custom fields) before
 * Pollen holds, stores, pushes, searches or exports it. What is masked:
 *
 * - the value under a secret key, wherever a key names it: a dict repr or JSON (`'password': 'x'`,
 *   `"api_key": 12`), a keyword argument or a query string (`token=abc`), a header line
 *   (`Authorization: Bearer abc`). A key is secret when it holds a key name as whole words, whatever the
 *   case and separators (`db_password`, `X-Api-Key`, `apiKey`), or run into a word's end (`csrftoken`).
 *   The whole value goes, nested dicts and lists included;
 * - the password of a URL (`redis://user:secret@host`), a bearer or basic credential after its scheme;
 * - card numbers (13 to 19 digits, spaces or dashes between, passing the Luhn check);
 * - whatever matches the operator's own patterns.
 *
 * The text around a masked value is left as it was, so a repr stays a repr (the mask is a quoted string
 * where the value was quoted or structured) and search, display and the repr parser go on working.
 * Most task text holds no secret: one test of each kind of cue decides that before any masking is tried.
 */
import type { JsonObject, JsonValue } from '@/lib/celery';

export const MASK = '[redacted]';

/** Key names masked by default: what Celery tasks are handed that no dashboard should show. */
export const DEFAULT_SECRET_KEYS: readonly string[] = [
  'password', 'passwords', 'passwd', 'pwd', 'passphrase', 'secret', 'secrets', 'token', 'authorization', 'api_key', 'apikey',
  'access_key', 'private_key', 'credential', 'credentials', 'cookie', 'cookies', 'session_id', 'sessionid', 'card_number',
  'cardnumber', 'cvv', 'cvc', 'ssn', 'iban',
];

export interface RedactionSpec {
  /** Key names (matched as whole words of keys, or run into a word's end: Redactor.isSecretKey). */
  readonly keys: readonly string[];
  /** Masked wherever they match. */
  readonly patterns: readonly RegExp[];
}

const QUOTED_KEY = /(['"])([^'"\\\n]{1,64})\1\s*:\s*/g;
const ASSIGNED_KEY = /(?<![\w.-])([A-Za-z_][\w.-]{0,63})[ \t]*=(?!=)[ \t]*/g;
const HEADER_KEY = /(?<![\w-])([A-Za-z][\w-]{0,63}):[ \t]+/g;
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^/\s:@'"]*:)([^@\s/'"]+)@/gi;
const SCHEME_CREDENTIAL = /\b(Bearer|Basic|Token)([ \t]+)([\w.~+/=-]{8,})/g;
const CARD = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g;
/** Cues tested once per text, so that the scans above run only where they may find something. */
const CREDENTIAL_CUE = /\b(?:Bearer|Basic|Token)[ \t]/;
const CARD_CUE = /\d(?:[ -]?\d){12}/;

/** A key as words joined by `_`: `X-Api-Key`, `apiKey` and `api.key` are all `api_key`. */
const normalized = (key: string): string =>
  key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');

/** The index just past the string literal that opens at `start` (its end, when it is cut). */
function stringEnd(text: string, start: number): number {
  const quote = text[start] as string;
  const triple = text.startsWith(quote.repeat(3), start);
  const closing = triple ? quote.repeat(3) : quote;
  for (let j = start + closing.length; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text.startsWith(closing, j)) return j + closing.length;
    else if (!triple && text[j] === '\n') return j;
  }
  return text.length;
}

/**
 * Where the value that starts at `start` ends: at a comma or a closing bracket of the level it is on. A
 * bare value (`token=abc` in free text, perhaps itself inside a quoted string) ends at a space, a quote,
 * `&` or `;` as well.
 */
function valueEnd(text: string, start: number, bare: boolean): number {
  let depth = 0;
  let j = start;
  while (j < text.length) {
    const c = text[j] as string;
    if (bare) {
      if (' \t\n,;&\'")]}'.includes(c)) return j;
    } else if (c === "'" || c === '"') {
      j = stringEnd(text, j);
      continue;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) return j;
      depth--;
    } else if (depth === 0 && (c === ',' || c === '\n')) return j;
    j++;
  }
  return j;
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

interface Cut {
  readonly from: number;
  readonly to: number;
  readonly mask: string;
}

export class Redactor {
  private readonly keys: readonly string[];
  /** The key names with their words run together (`api_key` → `apikey`), for keys like `csrftoken`. */
  private readonly runTogether: readonly string[];
  /** Any secret key name anywhere in the text: the cue for looking at its keys. */
  private readonly keyCue: RegExp | null;
  private readonly patterns: readonly RegExp[];

  constructor(spec: RedactionSpec) {
    this.keys = [...new Set(spec.keys.map(normalized).filter((k) => k !== ''))];
    this.runTogether = this.keys.map((k) => k.replace(/_/g, ''));
    const words = this.keys.map((k) => k.replace(/_/g, '[^A-Za-z0-9]?'));
    this.keyCue = words.length === 0 ? null : new RegExp(words.join('|'), 'i');
    this.patterns = spec.patterns.map((p) => new RegExp(p.source, p.flags.includes('g') ? p.flags : `${p.flags}g`));
  }

  /**
   * Whether a key names a secret: it holds a key name as whole words (`db_password`, `X-Api-Key`), or a
   * word of it ends with one run together (`csrftoken`, `mypassword`). So `max_tokens` and `tokenizer`,
   * which LLM and NLP tasks pass by the thousand, are not.
   */
  isSecretKey(key: string): boolean {
    const k = normalized(key);
    const words = `_${k}_`;
    const parts = k.split('_');
    return this.keys.some((secret, i) => words.includes(`_${secret}_`) || parts.some((part) => part.endsWith(this.runTogether[i] as string)));
  }

  /** The text with its secrets masked: the same string when there were none. */
  text(text: string): string {
    const cuts: Cut[] = [];
    if (this.keyCue !== null && this.keyCue.test(text)) this.keyedValues(text, cuts);
    if (text.includes('://')) for (const m of text.matchAll(URL_PASSWORD)) cuts.push({ from: (m.index as number) + (m[1] as string).length, to: (m.index as number) + (m[1] as string).length + (m[2] as string).length, mask: MASK });
    if (CREDENTIAL_CUE.test(text)) for (const m of text.matchAll(SCHEME_CREDENTIAL)) {
      const from = (m.index as number) + (m[1] as string).length + (m[2] as string).length;
      cuts.push({ from, to: from + (m[3] as string).length, mask: MASK });
    }
    if (CARD_CUE.test(text)) {
      for (const m of text.matchAll(CARD)) {
        const digits = m[0].replace(/[ -]/g, '');
        if (digits.length >= 13 && digits.length <= 19 && luhn(digits)) cuts.push({ from: m.index as number, to: (m.index as number) + m[0].length, mask: MASK });
      }
    }
    for (const pattern of this.patterns) {
      pattern.lastIndex = 0;
      for (const m of text.matchAll(pattern)) if (m[0] !== '') cuts.push({ from: m.index as number, to: (m.index as number) + m[0].length, mask: MASK });
    }
    return cuts.length === 0 ? text : applied(text, cuts);
  }

  private keyedValues(text: string, cuts: Cut[]): void {
    for (const m of text.matchAll(QUOTED_KEY)) {
      if (!this.isSecretKey(m[2] as string)) continue;
      const from = (m.index as number) + m[0].length;
      const to = trimmedEnd(text, from, valueEnd(text, from, false));
      if (to > from) cuts.push({ from, to, mask: text[from] === '"' ? `"${MASK}"` : `'${MASK}'` });
    }
    for (const m of text.matchAll(ASSIGNED_KEY)) {
      if (!this.isSecretKey(m[1] as string)) continue;
      const from = (m.index as number) + m[0].length;
      const quoted = text[from] === "'" || text[from] === '"' || text[from] === '(' || text[from] === '[' || text[from] === '{';
      const to = trimmedEnd(text, from, valueEnd(text, from, !quoted));
      if (to > from) cuts.push({ from, to, mask: quoted ? (text[from] === '"' ? `"${MASK}"` : `'${MASK}'`) : MASK });
    }
    for (const m of text.matchAll(HEADER_KEY)) {
      if (!this.isSecretKey(m[1] as string)) continue;
      const from = (m.index as number) + m[0].length;
      if (text[from] === "'" || text[from] === '"' || text[from] === '{' || text[from] === '[') continue;
      let to = text.indexOf('\n', from);
      if (to < 0) to = text.length;
      to = trimmedEnd(text, from, to);
      if (to > from) cuts.push({ from, to, mask: MASK });
    }
  }

  /**
   * A JSON value with its secrets masked: values under secret keys whole, strings by `text`; the same value
   * when none. Walked with a stack of its own, not by recursion: a producer may nest a result 20 000 deep.
   */
  json(value: JsonValue): JsonValue {
    if (typeof value === 'string') return this.text(value);
    if (value === null || typeof value !== 'object') return value;
    const root = walking(value, null, '');
    const stack: Walking[] = [root];
    while (stack.length > 0) {
      const at = stack[stack.length - 1] as Walking;
      if (at.next < at.keys.length) {
        const key = at.keys[at.next++] as string;
        const item = (at.node as Record<string, JsonValue>)[key] as JsonValue;
        if (!at.array && this.isSecretKey(key)) {
          if (item !== null) changed(at, key, MASK);
        } else if (typeof item === 'string') {
          const masked = this.text(item);
          if (masked !== item) changed(at, key, masked);
        } else if (item !== null && typeof item === 'object') stack.push(walking(item, at, key));
        continue;
      }
      stack.pop();
      if (at.copy !== null && at.parent !== null) changed(at.parent, at.key, at.copy);
    }
    return root.copy ?? value;
  }
}

/** A JSON object or array being walked by Redactor.json: its copy is made at its first change. */
interface Walking {
  readonly node: JsonObject | JsonValue[];
  readonly array: boolean;
  readonly keys: readonly string[];
  next: number;
  copy: Record<string, JsonValue> | JsonValue[] | null;
  readonly parent: Walking | null;
  readonly key: string;
}

function walking(node: JsonObject | JsonValue[], parent: Walking | null, key: string): Walking {
  const array = Array.isArray(node);
  return { node, array, keys: Object.keys(node), next: 0, copy: null, parent, key };
}

function changed(at: Walking, key: string, value: JsonValue): void {
  at.copy ??= at.array ? [...(at.node as JsonValue[])] : { ...(at.node as JsonObject) };
  (at.copy as Record<string, JsonValue>)[key] = value;
}

function trimmedEnd(text: string, from: number, to: number): number {
  let end = to;
  while (end > from && /\s/.test(text[end - 1] as string)) end--;
  return end;
}

/** The text with each cut replaced by its mask; overlapping cuts merge into the first one's mask. */
function applied(text: string, cuts: Cut[]): string {
  cuts.sort((a, b) => a.from - b.from || b.to - a.to);
  let out = '';
  let at = 0;
  for (const cut of cuts) {
    if (cut.from < at) {
      at = Math.max(at, cut.to);
      continue;
    }
    out += text.slice(at, cut.from) + cut.mask;
    at = cut.to;
  }
  return out + text.slice(at);
}
