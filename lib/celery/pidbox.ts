/**
 * Remote control (pidbox) requests and replies. CELERY-WIRE.md §6; proven by captures/{redis,amqp}/pidbox.jsonl.
 *
 * Request body: {method, arguments, destination, pattern, matcher[, ticket, reply_to]}, headers
 * {clock, expires}. A worker runs it when `destination` names it, or (no destination) when
 * pattern+matcher match its name, or when neither is given; it replies only when `reply_to` is set.
 * Reply body: {"<node>": <result>}, headers {ticket, clock}.
 */
import { decoding, DecodeErrorCode, type Decoded, failure, unwrap } from './decode-result';
import { asObject, optNum, optObject, optStr, optStrArray, str, unknownFields } from './fields';
import type { JsonObject, JsonValue } from './json';
import { type CeleryMessage, decodeJsonBody, jsonMessage } from './message';

export interface ReplyAddress {
  /** Always `reply.celery.pidbox` for Celery clients. */
  readonly exchange: string;
  /** The client's oid; the reply queue is `<oid>.reply.celery.pidbox`. */
  readonly routingKey: string;
}

export interface ControlRequest {
  /** Command name: `ping`, `revoke`, `rate_limit`, `stats`, ... */
  readonly method: string;
  readonly arguments: JsonObject;
  /** Node names, or null for every worker. */
  readonly destination: string[] | null;
  readonly pattern: string | null;
  /** `glob` (fnmatch) or `pcre` (re.search). */
  readonly matcher: string | null;
  /** Set when a reply is wanted, with `replyTo`. */
  readonly ticket: string | null;
  readonly replyTo: ReplyAddress | null;
  readonly clock: number | null;
  /** Unix time after which the request is stale (Celery 5.2 workers do not check it). */
  readonly expires: number | null;
  readonly extra: JsonObject | null;
}

export interface ControlReply {
  readonly node: string;
  /** The command's result: `{"ok": ...}`, `{"error": ...}`, a list or an object (inspect). */
  readonly value: JsonValue;
  readonly ticket: string | null;
  readonly clock: number | null;
}

const REQUEST_FIELDS = new Set(['method', 'arguments', 'destination', 'pattern', 'matcher', 'ticket', 'reply_to']);

export function decodeControlRequest(message: CeleryMessage): Decoded<ControlRequest> {
  return decoding(() => {
    const body = asObject(unwrap(decodeJsonBody(message)), '$.body');
    const p = '$.body';
    const replyTo = optObject(body, 'reply_to', p);
    return {
      method: str(body, 'method', p),
      arguments: optObject(body, 'arguments', p) ?? {},
      destination: optStrArray(body, 'destination', p),
      pattern: optStr(body, 'pattern', p),
      matcher: optStr(body, 'matcher', p),
      ticket: optStr(body, 'ticket', p),
      replyTo: replyTo
        ? { exchange: str(replyTo, 'exchange', `${p}.reply_to`), routingKey: str(replyTo, 'routing_key', `${p}.reply_to`) }
        : null,
      clock: optNum(message.headers, 'clock', '$.headers'),
      expires: optNum(message.headers, 'expires', '$.headers'),
      extra: unknownFields(body, REQUEST_FIELDS),
    };
  });
}

export function encodeControlRequest(request: ControlRequest): CeleryMessage {
  const body: JsonObject = {
    method: request.method,
    arguments: request.arguments,
    destination: request.destination,
    pattern: request.pattern,
    matcher: request.matcher,
    ...request.extra,
  };
  if (request.replyTo) {
    body['ticket'] = request.ticket ?? crypto.randomUUID();
    body['reply_to'] = { exchange: request.replyTo.exchange, routing_key: request.replyTo.routingKey };
  }
  return jsonMessage(body, { clock: request.clock ?? 0, expires: request.expires ?? 0 }, { deliveryMode: 2, priority: 0 });
}

export function decodeControlReply(message: CeleryMessage): Decoded<ControlReply> {
  return decoding(() => {
    const body = asObject(unwrap(decodeJsonBody(message)), '$.body');
    const nodes = Object.keys(body);
    if (nodes.length !== 1) {
      throw failure(DecodeErrorCode.Invalid, `a reply names exactly one node, got ${nodes.length}`, '$.body');
    }
    const node = nodes[0] as string;
    return {
      node,
      value: body[node] as JsonValue,
      ticket: optStr(message.headers, 'ticket', '$.headers'),
      clock: optNum(message.headers, 'clock', '$.headers'),
    };
  });
}

export function encodeControlReply(reply: ControlReply): CeleryMessage {
  const headers: JsonObject = { ticket: reply.ticket, clock: reply.clock ?? 0 };
  return jsonMessage({ [reply.node]: reply.value }, headers, { deliveryMode: 1, priority: 0 });
}

/** Whether a worker named `node` must run this request (kombu's Node.handle_message). */
export function controlRequestIsFor(request: ControlRequest, node: string): boolean {
  if (request.destination && request.destination.length > 0) return request.destination.includes(node);
  if (request.pattern && request.matcher) {
    if (request.matcher === 'glob') return globToRegExp(request.pattern).test(node);
    if (request.matcher === 'pcre') {
      try {
        return new RegExp(request.pattern).test(node);
      } catch {
        return false;
      }
    }
    return false;
  }
  return true;
}

/** Python's fnmatch: `*`, `?`, `[seq]`, `[!seq]`, matched against the whole name. */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else if (ch === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close === -1) source += '\\[';
      else {
        let set = pattern.slice(i + 1, close).replaceAll('\\', '\\\\');
        if (set.startsWith('!')) set = `^${set.slice(1)}`;
        else if (set.startsWith('^')) set = `\\${set}`;
        source += `[${set}]`;
        i = close;
      }
    } else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}
