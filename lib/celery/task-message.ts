/**
 * Celery task messages, protocol v2 (what Celery sends by default) and v1 (legacy, still accepted by
 * workers). CELERY-WIRE.md §2; proven by captures/{redis,amqp}/task-messages.jsonl and
 * test/fixtures/celery/task-v1.jsonl (made by Celery's own `as_task_v1`).
 *
 * v2: headers carry the metadata (`task`, `id`, `eta`, ...), the body is `[args, kwargs, embed]`.
 * v1: no `task` header; the body is an object with `task`, `id`, `args`, `kwargs`, ... Celery reads a
 *     body object with `args` the same way even when headers are present ("hybrid"), and so do we.
 */
import { decoding, DecodeErrorCode, type Decoded, failure, unwrap } from './decode-result';
import { asArray, asObject, optBool, optInt, optNum, optStr, str, unknownFields } from './fields';
import { isJsonObject, type JsonObject, type JsonValue } from './json';
import { type CeleryMessage, decodeJsonBody, jsonMessage, type MessageProperties, NO_PROPERTIES } from './message';
import { saferepr } from './python-saferepr';
import { readSignature, readSignatureList, type Signature, signatureToJson } from './signature';

export interface TimeLimit {
  /** Seconds; null = the worker's default. */
  readonly hard: number | null;
  readonly soft: number | null;
}

export interface TaskMessage {
  readonly protocol: 1 | 2;
  readonly id: string;
  /** Registered task name, e.g. `tasks.add` (the `task` header). */
  readonly name: string;
  readonly args: JsonValue[];
  readonly kwargs: JsonObject;
  /** Python repr of args/kwargs made by the producer (saferepr, at most 1024 characters); null on v1. */
  readonly argsrepr: string | null;
  readonly kwargsrepr: string | null;
  /** ISO-8601 strings as sent; naive ones mean the worker's timezone. */
  readonly eta: string | null;
  readonly expires: string | null;
  readonly group: string | null;
  /** Position in a chord header; null for members of a plain group. */
  readonly groupIndex: number | null;
  readonly retries: number;
  readonly timeLimit: TimeLimit;
  readonly rootId: string | null;
  readonly parentId: string | null;
  readonly shadow: string | null;
  /** Node name of the sender (`gen<pid>@host` for plain clients). */
  readonly origin: string | null;
  readonly lang: string | null;
  readonly ignoreResult: boolean;
  readonly callbacks: Signature[] | null;
  readonly errbacks: Signature[] | null;
  /** Remaining chain steps in wire order: the LAST element runs next (§2.1). */
  readonly chain: Signature[] | null;
  /** The chord body, on every chord header task. */
  readonly chord: Signature | null;
  /** v1 only: whether eta/expires are UTC. */
  readonly utc: boolean | null;
  /** Headers Pollen does not interpret: newer Celery's `stamps`, `stamped_headers`, users' own headers. */
  readonly extraHeaders: JsonObject | null;
  /** Embed (v2) or body (v1) fields Pollen does not interpret. */
  readonly extraBody: JsonObject | null;
  readonly properties: MessageProperties;
}

/** The headers of protocol v2 that Celery sets itself (CELERY-WIRE.md §2.1); a user's headers never override them. */
export const V2_HEADERS: ReadonlySet<string> = new Set([
  'lang', 'task', 'id', 'shadow', 'eta', 'expires', 'group', 'group_index', 'retries', 'timelimit',
  'root_id', 'parent_id', 'argsrepr', 'kwargsrepr', 'origin', 'ignore_result',
]);
const V2_EMBED = new Set(['callbacks', 'errbacks', 'chain', 'chord']);
const V1_BODY = new Set([
  'task', 'id', 'args', 'kwargs', 'group', 'group_index', 'retries', 'eta', 'expires', 'utc', 'callbacks',
  'errbacks', 'timelimit', 'taskset', 'chord', 'lang', 'root_id', 'parent_id', 'shadow', 'argsrepr',
  'kwargsrepr', 'origin', 'chain', 'meth',
]);

export function decodeTaskMessage(message: CeleryMessage): Decoded<TaskMessage> {
  return decoding(() => {
    const body = unwrap(decodeJsonBody(message));
    const headers = message.headers;
    if (typeof headers['task'] === 'string' && Array.isArray(body)) return readV2(headers, body, message.properties);
    if (isJsonObject(body)) return readV1(headers, body, message.properties);
    if (Array.isArray(body)) throw failure(DecodeErrorCode.Missing, 'protocol v2 body without a "task" header', '$.headers.task');
    throw failure(DecodeErrorCode.Invalid, 'body is neither [args, kwargs, embed] nor a protocol v1 object', '$.body');
  });
}

function readV2(headers: JsonObject, body: JsonValue[], properties: MessageProperties): TaskMessage {
  if (body.length !== 3) {
    throw failure(DecodeErrorCode.Invalid, `expected [args, kwargs, embed], got ${body.length} items`, '$.body');
  }
  const embed = body[2] === null ? {} : asObject(body[2], '$.body[2]');
  const h = '$.headers';
  return {
    protocol: 2,
    id: str(headers, 'id', h),
    name: str(headers, 'task', h),
    args: asArray(body[0], '$.body[0]'),
    kwargs: asObject(body[1], '$.body[1]'),
    argsrepr: optStr(headers, 'argsrepr', h),
    kwargsrepr: optStr(headers, 'kwargsrepr', h),
    eta: optStr(headers, 'eta', h),
    expires: optStr(headers, 'expires', h),
    group: optStr(headers, 'group', h),
    groupIndex: optInt(headers, 'group_index', h),
    retries: optInt(headers, 'retries', h) ?? 0,
    timeLimit: readTimeLimit(headers['timelimit'], `${h}.timelimit`),
    rootId: optStr(headers, 'root_id', h),
    parentId: optStr(headers, 'parent_id', h),
    shadow: optStr(headers, 'shadow', h),
    origin: optStr(headers, 'origin', h),
    lang: optStr(headers, 'lang', h),
    ignoreResult: optBool(headers, 'ignore_result', h) ?? false,
    callbacks: readSignatureList(embed['callbacks'], '$.body[2].callbacks'),
    errbacks: readSignatureList(embed['errbacks'], '$.body[2].errbacks'),
    chain: readSignatureList(embed['chain'], '$.body[2].chain'),
    chord: embed['chord'] === undefined || embed['chord'] === null ? null : readSignature(embed['chord'], '$.body[2].chord'),
    utc: null,
    extraHeaders: unknownFields(headers, V2_HEADERS),
    extraBody: unknownFields(embed, V2_EMBED),
    properties,
  };
}

function readV1(headers: JsonObject, body: JsonObject, properties: MessageProperties): TaskMessage {
  // Celery's hybrid_to_proto2: fields come from the body, message headers override them.
  const merged: JsonObject = { ...body, ...headers };
  const b = '$.body';
  const args = body['args'];
  const kwargs = body['kwargs'];
  return {
    protocol: 1,
    id: str(merged, 'id', b),
    name: str(merged, 'task', b),
    args: args === undefined || args === null ? [] : asArray(args, `${b}.args`),
    kwargs: kwargs === undefined || kwargs === null ? {} : asObject(kwargs, `${b}.kwargs`),
    argsrepr: optStr(merged, 'argsrepr', b),
    kwargsrepr: optStr(merged, 'kwargsrepr', b),
    eta: optStr(merged, 'eta', b),
    expires: optStr(merged, 'expires', b),
    group: optStr(merged, 'group', b) ?? optStr(merged, 'taskset', b),
    groupIndex: optInt(merged, 'group_index', b),
    retries: optInt(merged, 'retries', b) ?? 0,
    timeLimit: readTimeLimit(merged['timelimit'], `${b}.timelimit`),
    rootId: optStr(merged, 'root_id', b),
    parentId: optStr(merged, 'parent_id', b),
    shadow: optStr(merged, 'shadow', b),
    origin: optStr(merged, 'origin', b),
    lang: optStr(merged, 'lang', b),
    ignoreResult: optBool(headers, 'ignore_result', '$.headers') ?? false,
    callbacks: readSignatureList(body['callbacks'], `${b}.callbacks`),
    errbacks: readSignatureList(body['errbacks'], `${b}.errbacks`),
    chain: readSignatureList(body['chain'], `${b}.chain`),
    chord: body['chord'] === undefined || body['chord'] === null ? null : readSignature(body['chord'], `${b}.chord`),
    utc: optBool(body, 'utc', b),
    extraHeaders: unknownFields(headers, V1_BODY),
    extraBody: unknownFields(body, V1_BODY),
    properties,
  };
}

function readTimeLimit(value: JsonValue | undefined, path: string): TimeLimit {
  if (value === undefined || value === null) return { hard: null, soft: null };
  const pair = asArray(value, path);
  if (pair.length !== 2) throw failure(DecodeErrorCode.Invalid, `expected [hard, soft], got ${pair.length} items`, path);
  const holder: JsonObject = { hard: pair[0] ?? null, soft: pair[1] ?? null };
  return { hard: optNum(holder, 'hard', path), soft: optNum(holder, 'soft', path) };
}

/** What a producer must say about a task; everything else has Celery's defaults. */
export type NewTask = Pick<TaskMessage, 'id' | 'name'> & Partial<Omit<TaskMessage, 'protocol' | 'id' | 'name'>>;

/** Maximum length of argsrepr/kwargsrepr, as Celery's `argsrepr_maxsize`. */
export const ARGSREPR_MAXSIZE = 1024;
/** Maximum length of a task-succeeded event's result repr, as Celery's `resultrepr_maxsize`. */
export const RESULT_REPR_MAXSIZE = 1024;

/**
 * Celery's argsrepr and kwargsrepr: the producer's own when it sent them (protocol 2), else `saferepr` of
 * the values, cut at ARGSREPR_MAXSIZE as Celery cuts them.
 */
export function taskReprs(task: {
  readonly args: JsonValue[];
  readonly kwargs: JsonObject;
  readonly argsrepr?: string | null | undefined;
  readonly kwargsrepr?: string | null | undefined;
}): { argsrepr: string; kwargsrepr: string } {
  return {
    argsrepr: task.argsrepr ?? saferepr(task.args, { maxlen: ARGSREPR_MAXSIZE, tuple: true }),
    kwargsrepr: task.kwargsrepr ?? saferepr(task.kwargs, { maxlen: ARGSREPR_MAXSIZE }),
  };
}

/** Fills Celery's defaults in, as `send_task` would. */
export function newTaskMessage(task: NewTask, protocol: 1 | 2 = 2): TaskMessage {
  const args = task.args ?? [];
  const kwargs = task.kwargs ?? {};
  const { argsrepr, kwargsrepr } = taskReprs({ args, kwargs, argsrepr: task.argsrepr, kwargsrepr: task.kwargsrepr });
  return {
    protocol,
    id: task.id,
    name: task.name,
    args,
    kwargs,
    argsrepr,
    kwargsrepr,
    eta: task.eta ?? null,
    expires: task.expires ?? null,
    group: task.group ?? null,
    groupIndex: task.groupIndex ?? null,
    retries: task.retries ?? 0,
    timeLimit: task.timeLimit ?? { hard: null, soft: null },
    rootId: task.rootId ?? task.id,
    parentId: task.parentId ?? null,
    shadow: task.shadow ?? null,
    origin: task.origin ?? null,
    lang: task.lang ?? 'js',
    ignoreResult: task.ignoreResult ?? false,
    callbacks: task.callbacks ?? null,
    errbacks: task.errbacks ?? null,
    chain: task.chain ?? null,
    chord: task.chord ?? null,
    utc: task.utc ?? (protocol === 1 ? true : null),
    extraHeaders: task.extraHeaders ?? null,
    extraBody: task.extraBody ?? null,
    properties: task.properties ?? NO_PROPERTIES,
  };
}

const sigs = (list: Signature[] | null): JsonValue => (list ? list.map(signatureToJson) : null);

/** Encodes a task message as Celery's `as_task_v2` (or `as_task_v1`) lays it out. */
export function encodeTaskMessage(task: TaskMessage): CeleryMessage {
  const properties: Partial<MessageProperties> = {
    ...task.properties,
    correlationId: task.id,
    replyTo: task.properties.replyTo ?? '',
    deliveryMode: task.properties.deliveryMode ?? 2,
    priority: task.properties.priority ?? 0,
  };
  const timelimit = [task.timeLimit.hard, task.timeLimit.soft];
  const chord = task.chord ? signatureToJson(task.chord) : null;
  if (task.protocol === 1) {
    const body: JsonObject = {
      task: task.name, id: task.id, args: task.args, kwargs: task.kwargs, group: task.group,
      group_index: task.groupIndex, retries: task.retries, eta: task.eta, expires: task.expires,
      utc: task.utc ?? true, callbacks: sigs(task.callbacks), errbacks: sigs(task.errbacks), timelimit,
      taskset: task.group, chord, ...task.extraBody,
    };
    return jsonMessage(body, { ...task.extraHeaders }, properties);
  }
  const headers: JsonObject = {
    lang: task.lang, task: task.name, id: task.id, shadow: task.shadow, eta: task.eta, expires: task.expires,
    group: task.group, group_index: task.groupIndex, retries: task.retries, timelimit, root_id: task.rootId,
    parent_id: task.parentId, argsrepr: task.argsrepr, kwargsrepr: task.kwargsrepr, origin: task.origin,
    ignore_result: task.ignoreResult, ...task.extraHeaders,
  };
  const embed: JsonObject = {
    callbacks: sigs(task.callbacks), errbacks: sigs(task.errbacks), chain: sigs(task.chain), chord, ...task.extraBody,
  };
  return jsonMessage([task.args, task.kwargs, embed], headers, properties);
}
