/**
 * Decoding and encoding of Celery events. CELERY-WIRE.md §5.1–5.2: a message body is ONE event object
 * or a LIST of them (workers batch every task event on `task.multi`); both are handled, and one bad item
 * in a batch costs only that item. This is the collector's hot path: plain property reads, no schema
 * library, no allocation for events without unknown fields.
 */
import { DecodeErrorCode, type DecodeError, failure, toDecodeError } from './decode-result';
import type {
  CeleryEvent,
  CustomEvent,
  TaskEvent,
  TaskEventType,
  WorkerEvent,
  WorkerEventType,
} from './event-types';
import { asObject, describe, optBool, optInt, optNum, optStr, unknownFields } from './fields';
import { assignFields, type JsonObject, type JsonValue } from './json';
import { type CeleryMessage, decodeJsonBody, jsonMessage } from './message';

const COMMON = ['hostname', 'utcoffset', 'pid', 'clock', 'timestamp', 'type'] as const;

/** Wire fields of each known type, in the order Celery writes them (between `clock` and `timestamp`). */
export const EVENT_FIELDS: Readonly<Record<TaskEventType | WorkerEventType, readonly string[]>> = {
  'task-sent': ['uuid', 'root_id', 'parent_id', 'name', 'args', 'kwargs', 'retries', 'eta', 'expires', 'queue', 'exchange', 'routing_key'],
  'task-received': ['uuid', 'name', 'args', 'kwargs', 'root_id', 'parent_id', 'retries', 'eta', 'expires'],
  'task-started': ['uuid'],
  'task-succeeded': ['uuid', 'result', 'runtime'],
  'task-failed': ['uuid', 'exception', 'traceback'],
  'task-retried': ['uuid', 'exception', 'traceback'],
  'task-rejected': ['uuid', 'requeue'],
  'task-revoked': ['uuid', 'terminated', 'signum', 'expired'],
  'task-cancelled': ['uuid'],
  'worker-online': ['freq', 'active', 'processed', 'loadavg', 'sw_ident', 'sw_ver', 'sw_sys'],
  'worker-heartbeat': ['freq', 'active', 'processed', 'loadavg', 'sw_ident', 'sw_ver', 'sw_sys'],
  'worker-offline': ['freq', 'active', 'processed', 'loadavg', 'sw_ident', 'sw_ver', 'sw_sys'],
};

const KNOWN_FIELDS = new Map<string, ReadonlySet<string>>(
  Object.entries(EVENT_FIELDS).map(([type, fields]) => [type, new Set([...COMMON, ...fields])]),
);
const CUSTOM_FIELDS: ReadonlySet<string> = new Set(COMMON);

export interface DecodedEvents {
  readonly events: CeleryEvent[];
  /** One per item that could not be decoded; the rest of the batch is still delivered. */
  readonly errors: DecodeError[];
}

/** Decodes an event message: headers give the sender's hostname when an event lacks one. */
export function decodeEventMessage(message: CeleryMessage): DecodedEvents {
  const body = decodeJsonBody(message);
  if (!body.ok) return { events: [], errors: [body.error] };
  const hostname = message.headers['hostname'];
  return decodeEventBody(body.value, typeof hostname === 'string' ? hostname : null);
}

export function decodeEventBody(body: JsonValue, headerHostname: string | null = null): DecodedEvents {
  const events: CeleryEvent[] = [];
  const errors: DecodeError[] = [];
  if (Array.isArray(body)) {
    for (let i = 0; i < body.length; i++) collect(body[i], `$[${i}]`, headerHostname, events, errors);
  } else {
    collect(body, '$', headerHostname, events, errors);
  }
  return { events, errors };
}

function collect(value: JsonValue | undefined, path: string, headerHostname: string | null, events: CeleryEvent[], errors: DecodeError[]): void {
  try {
    events.push(readEvent(value, path, headerHostname));
  } catch (err) {
    errors.push(toDecodeError(err));
  }
}

function readEvent(value: JsonValue | undefined, path: string, headerHostname: string | null): CeleryEvent {
  const e = asObject(value, path);
  const type = e['type'];
  if (typeof type !== 'string') {
    throw failure(type === undefined ? DecodeErrorCode.Missing : DecodeErrorCode.Invalid, `event type: expected a string, got ${describe(type)}`, `${path}.type`);
  }
  const hostname = optStr(e, 'hostname', path) ?? headerHostname;
  if (hostname === null) throw failure(DecodeErrorCode.Missing, 'event has no hostname', `${path}.hostname`);
  const timestamp = e['timestamp'];
  if (typeof timestamp !== 'number') {
    throw failure(timestamp === undefined ? DecodeErrorCode.Missing : DecodeErrorCode.Invalid, `timestamp: expected a number, got ${describe(timestamp)}`, `${path}.timestamp`);
  }
  const known = KNOWN_FIELDS.get(type);
  let absentFields: string[] | null = null;
  // Only known types index EVENT_FIELDS: a custom type named "constructor" must not reach Object.prototype.
  if (known !== undefined) for (const field of EVENT_FIELDS[type as TaskEventType]) if (e[field] === undefined) (absentFields ??= []).push(field);
  // Built by assignment in one fixed order, not by spreading: this runs for every event the collector sees.
  const event: Record<string, unknown> = {
    known: known !== undefined,
    type,
    hostname,
    timestamp,
    utcoffset: optNum(e, 'utcoffset', path) ?? 0,
    pid: optInt(e, 'pid', path),
    clock: optInt(e, 'clock', path) ?? 0,
    extra: unknownFields(e, known ?? CUSTOM_FIELDS),
    absentFields,
  };
  if (known === undefined) {
    event['uuid'] = optStr(e, 'uuid', path);
    return event as unknown as CustomEvent;
  }
  if (type.startsWith('worker-')) return readWorkerFields(e, path, event);
  return readTaskFields(e, path, type as TaskEventType, event);
}

function readTaskFields(e: JsonObject, path: string, type: TaskEventType, event: Record<string, unknown>): TaskEvent {
  const uuid = e['uuid'];
  if (typeof uuid !== 'string') {
    throw failure(uuid === undefined ? DecodeErrorCode.Missing : DecodeErrorCode.Invalid, `task event uuid: expected a string, got ${describe(uuid)}`, `${path}.uuid`);
  }
  event['uuid'] = uuid;
  switch (type) {
    case 'task-sent':
    case 'task-received':
      event['name'] = optStr(e, 'name', path);
      event['args'] = optStr(e, 'args', path);
      event['kwargs'] = optStr(e, 'kwargs', path);
      event['rootId'] = optStr(e, 'root_id', path);
      event['parentId'] = optStr(e, 'parent_id', path);
      event['retries'] = optInt(e, 'retries', path);
      event['eta'] = optStr(e, 'eta', path);
      event['expires'] = optStr(e, 'expires', path);
      if (type === 'task-sent') {
        event['queue'] = optStr(e, 'queue', path);
        event['exchange'] = optStr(e, 'exchange', path);
        event['routingKey'] = optStr(e, 'routing_key', path);
      }
      break;
    case 'task-started':
    case 'task-cancelled':
      break;
    case 'task-succeeded':
      event['result'] = optStr(e, 'result', path);
      event['runtime'] = optNum(e, 'runtime', path);
      break;
    case 'task-failed':
    case 'task-retried':
      event['exception'] = optStr(e, 'exception', path);
      event['traceback'] = optStr(e, 'traceback', path);
      break;
    case 'task-rejected':
      event['requeue'] = optBool(e, 'requeue', path) ?? false;
      break;
    case 'task-revoked':
      event['terminated'] = optBool(e, 'terminated', path) ?? false;
      event['signum'] = optInt(e, 'signum', path);
      event['expired'] = optBool(e, 'expired', path) ?? false;
      break;
    default: {
      const unreachable: never = type;
      throw new Error(`unhandled task event ${String(unreachable)}`);
    }
  }
  return event as unknown as TaskEvent;
}

function readWorkerFields(e: JsonObject, path: string, event: Record<string, unknown>): WorkerEvent {
  const loadavg = e['loadavg'];
  let load: number[] | null = null;
  if (Array.isArray(loadavg)) {
    load = loadavg.map((v, i) => {
      if (typeof v !== 'number') throw failure(DecodeErrorCode.Invalid, `expected a number, got ${describe(v)}`, `${path}.loadavg[${i}]`);
      return v;
    });
  } else if (loadavg !== undefined && loadavg !== null) {
    throw failure(DecodeErrorCode.Invalid, `expected an array of numbers, got ${describe(loadavg)}`, `${path}.loadavg`);
  }
  event['freq'] = optNum(e, 'freq', path);
  event['active'] = optInt(e, 'active', path);
  event['processed'] = optInt(e, 'processed', path);
  event['loadavg'] = load;
  event['swIdent'] = optStr(e, 'sw_ident', path);
  event['swVer'] = optStr(e, 'sw_ver', path);
  event['swSys'] = optStr(e, 'sw_sys', path);
  return event as unknown as WorkerEvent;
}

/** The wire object of an event, fields in Celery's order. */
export function eventToJson(event: CeleryEvent): JsonObject {
  const out: JsonObject = { hostname: event.hostname, utcoffset: event.utcoffset, pid: event.pid, clock: event.clock };
  if (event.known) {
    const source = event as unknown as Record<string, JsonValue>;
    for (const field of EVENT_FIELDS[event.type]) {
      if (event.absentFields?.includes(field)) continue;
      const value = source[camel(field)];
      out[field] = value === undefined ? null : value;
    }
  } else if (event.uuid !== null) {
    out['uuid'] = event.uuid;
  }
  if (event.extra) assignFields(out, event.extra);
  out['timestamp'] = event.timestamp;
  out['type'] = event.type;
  return out;
}

function camel(field: string): string {
  return field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Routing key of an event type (`task-succeeded` -> `task.succeeded`), as Celery's dispatcher makes it. */
export function eventRoutingKey(type: string): string {
  return type.replaceAll('-', '.');
}

/**
 * An event message as a worker sends it: one event on its own routing key, or a batch on
 * `<group>.multi` (`task.multi`) as Celery's buffered dispatcher does.
 */
export function encodeEventMessage(events: CeleryEvent | readonly CeleryEvent[], hostname: string): { message: CeleryMessage; routingKey: string } {
  const list = Array.isArray(events) ? (events as readonly CeleryEvent[]) : null;
  return list ? encodeEventJson(list.map(eventToJson), hostname) : encodeEventJson(eventToJson(events as CeleryEvent), hostname);
}

/** The same, from wire objects a sender built itself (a worker's dispatcher): each must carry its `type`. */
export function encodeEventJson(events: JsonObject | readonly JsonObject[], hostname: string): { message: CeleryMessage; routingKey: string } {
  const list = Array.isArray(events) ? (events as readonly JsonObject[]) : null;
  const first = list ? list[0] : (events as JsonObject);
  const type = typeof first?.['type'] === 'string' ? first['type'] : 'task';
  const routingKey = list ? `${type.split('-')[0]}.multi` : eventRoutingKey(type);
  const body: JsonValue = list ? [...list] : (events as JsonObject);
  return { message: jsonMessage(body, { hostname }, { deliveryMode: 1, priority: 0 }), routingKey };
}
