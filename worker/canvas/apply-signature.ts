/**
 * `Signature.apply_async` for the canvas Celery puts on the wire: a plain task, or `celery.chain`,
 * `celery.group`, `celery.chord` nested in callbacks and chain steps (CELERY-WIRE.md §2.1). Follows
 * celery/canvas.py 5.2.6 (`_chain.run`/`prepare_steps`, `group.apply_async`, `_chord.run`) and
 * celery/app/base.py `send_task` for what each message carries.
 */
import { randomUUID } from 'node:crypto';
import { isJsonObject, type JsonObject, type JsonValue, newTaskMessage, type Signature, signatureToJson } from '@/lib/celery';
import { type Producer, publishTask } from './producer';
import { readSignature } from './signature-json';

export interface ApplyContext {
  /** Prepended to the signature's args unless it is immutable (a parent's result, a task id). */
  readonly args?: readonly JsonValue[];
  readonly parentId?: string | null;
  readonly rootId?: string | null;
  /** Remaining chain steps, last runs next (wire order). */
  readonly chain?: readonly Signature[] | null;
  readonly priority?: number | null;
}

/** Sends a signature and returns the id of the task whose result stands for it (a chain: its last step). */
export async function applySignature(producer: Producer, sig: Signature, ctx: ApplyContext = {}): Promise<string> {
  const tasks = sig.kwargs['tasks'];
  if (sig.task === 'celery.chain' && Array.isArray(tasks)) return applyChain(producer, tasks.map(readSignature), sig.options, ctx);
  if (sig.task === 'celery.group' && Array.isArray(tasks)) return applyGroup(producer, tasks.map(readSignature), sig.options, ctx);
  if (sig.task === 'celery.chord') {
    const header = readChordHeader(sig.kwargs['header']);
    return applyChord(producer, header.tasks, readSignature(sig.kwargs['body']), header.groupId, sig.options, ctx);
  }
  return sendOne(producer, sig, ctx);
}

async function sendOne(producer: Producer, sig: Signature, ctx: ApplyContext): Promise<string> {
  const o = sig.options;
  const id = str(o['task_id']) ?? randomUUID();
  const args = ctx.args && ctx.args.length > 0 && !sig.immutable ? [...ctx.args, ...sig.args] : sig.args;
  const queue = queueName(o['queue']) ?? str(o['routing_key']) ?? producer.defaultQueue;
  const priority = num(o['priority']) ?? ctx.priority ?? null;
  const headers = isJsonObject(o['headers']) ? o['headers'] : null;
  const message = newTaskMessage({
    id,
    name: sig.task,
    args,
    kwargs: sig.kwargs,
    eta: etaOf(o),
    expires: expiresOf(o['expires']),
    group: str(o['group_id']),
    groupIndex: num(o['group_index']),
    timeLimit: { hard: num(o['time_limit']), soft: num(o['soft_time_limit']) },
    rootId: ctx.rootId ?? id,
    parentId: ctx.parentId ?? null,
    shadow: str(o['shadow']),
    origin: producer.origin,
    ignoreResult: o['ignore_result'] === true,
    callbacks: sigList(o['link']),
    errbacks: sigList(o['link_error']),
    chain: ctx.chain && ctx.chain.length > 0 ? [...ctx.chain] : null,
    chord: o['chord'] ? readSignature(o['chord']) : null,
    extraHeaders: headers,
    properties: {
      correlationId: id,
      replyTo: str(o['reply_to']) ?? '',
      deliveryMode: 2,
      priority: priority ?? 0,
      expiration: expirationOf(o['expires']),
      extra: null,
    },
  });
  await publishTask(producer, message, queue);
  return id;
}

/** Options of a chain that belong to its last step, as prepare_steps puts them there. */
const LAST_STEP_OPTIONS = ['link', 'group_id', 'group_index', 'chord'];
/** Options of a chain that are not passed on to its first step. */
const NOT_FOR_FIRST_STEP = new Set([...LAST_STEP_OPTIONS, 'task_id', 'link_error', 'root_id', 'parent_id', 'chain']);

/**
 * A chain: every step gets its id now, the first is sent carrying the rest. Returns the last step's id.
 * As Celery: the chain's `task_id` is the last step's id; its link, group and chord (a chain in a chord
 * header) go to the last step; its link_error to every step; its other options (queue, countdown...) to
 * the first step.
 */
async function applyChain(producer: Producer, steps: Signature[], options: JsonObject, ctx: ApplyContext): Promise<string> {
  if (steps.length === 0) throw new Error('an empty chain cannot be sent');
  const last = steps.length - 1;
  const frozen = steps.map((s, i) => {
    const id = str(s.options['task_id']) ?? (i === last ? str(options['task_id']) : null) ?? randomUUID();
    let step = withOptions(s, { task_id: id });
    if (options['link_error']) step = withOptions(step, { link_error: [...listOf(step.options['link_error']), ...listOf(options['link_error'])] });
    return step;
  });
  const lastOptions = pick(options, LAST_STEP_OPTIONS);
  if (lastOptions['link']) lastOptions['link'] = [...listOf((frozen[last] as Signature).options['link']), ...listOf(lastOptions['link'])];
  frozen[last] = withOptions(frozen[last] as Signature, lastOptions);
  const firstOptions: JsonObject = {};
  for (const [k, v] of Object.entries(options)) if (!NOT_FOR_FIRST_STEP.has(k) && v !== null && v !== undefined) firstOptions[k] = v;
  if (Object.keys(firstOptions).length > 0) frozen[0] = withOptions(frozen[0] as Signature, firstOptions);
  const [first, ...rest] = frozen as [Signature, ...Signature[]];
  const lastId = str((frozen[last] as Signature).options['task_id']) as string;
  const firstId = str(first.options['task_id']) as string;
  await applySignature(producer, first, { ...ctx, rootId: ctx.rootId ?? firstId, chain: [...(ctx.chain ?? []), ...rest.reverse()] });
  return lastId;
}

/** Options of a group (or chord) that are its own and not passed to its members. */
const OWN_OPTIONS = new Set(['task_id', 'group_id', 'group_index', 'chord', 'link', 'link_error', 'root_id', 'parent_id', 'chain']);

/**
 * A group: every member carries the group id (in 5.2.6 a plain group's members have no `group_index`)
 * and the group's own options; nested groups are unrolled into it. Returns the group id.
 */
async function applyGroup(producer: Producer, members: Signature[], options: JsonObject, ctx: ApplyContext): Promise<string> {
  const groupId = str(options['task_id']) ?? str(options['group_id']) ?? randomUUID();
  const shared = memberOptions(options);
  await Promise.all(
    unrollGroups(members).map((m) => applySignature(producer, withOptions(m, { ...shared, group_id: groupId }), { ...ctx, chain: null })),
  );
  return groupId;
}

/**
 * A chord: the backend learns how many header parts will report (Celery's `_chord._descend` count), then
 * each header task is sent with the group id, its `group_index` and the body (`chord`). Returns the
 * body's id. Celery 5.2.6 writes the size (`<gid>.s`) just before the last header task; we write it before
 * the first, which is never later. The body signature carries no `chord_size` in 5.2.6.
 */
async function applyChord(
  producer: Producer,
  headerTasks: Signature[],
  body: Signature,
  headerGroupId: string | null,
  options: JsonObject,
  ctx: ApplyContext,
): Promise<string> {
  if (!producer.backend) throw new Error('a chord needs a result backend (--result-backend)');
  const header = unrollGroups(headerTasks);
  const groupId = headerGroupId ?? randomUUID();
  // The chord's own options (queue, priority...) go to the body and to every header task.
  const shared = memberOptions(options);
  const bodyId = str(body.options['task_id']) ?? str(options['task_id']) ?? randomUUID();
  const frozenBody = withOptions(withOptions(body, shared), { task_id: bodyId });
  if (header.length === 0) return applySignature(producer, frozenBody, { ...ctx, args: [[]], chain: null });
  await producer.backend.setChordSize(groupId, header.reduce((n, h) => n + chordSize(h), 0));
  const chord = signatureToJson(frozenBody);
  await Promise.all(
    header.map((h, i) =>
      applySignature(producer, withOptions(h, { ...shared, group_id: groupId, group_index: i, chord }), { ...ctx, chain: null }),
    ),
  );
  return bodyId;
}

/** How many parts a header member adds to a chord (celery/canvas.py `_chord._descend`). */
export function chordSize(sig: Signature): number {
  const tasks = sig.kwargs['tasks'];
  if (sig.task === 'celery.group' && Array.isArray(tasks)) return tasks.map(readSignature).reduce((n, t) => n + chordSize(t), 0);
  if (sig.task === 'celery.chain' && Array.isArray(tasks)) {
    const steps = tasks.map(readSignature);
    for (let i = steps.length - 1; i >= 0; i--) {
      const size = chordSize(steps[i] as Signature);
      if (size > 0) return size;
    }
    return 0;
  }
  if (sig.task === 'celery.chord') return chordSize(readSignature(sig.kwargs['body']));
  return 1;
}

/** A chord's header as Celery writes it: a list of signatures, or (once frozen) a `celery.group` signature. */
function readChordHeader(header: JsonValue | undefined): { tasks: Signature[]; groupId: string | null } {
  if (Array.isArray(header)) return { tasks: header.map(readSignature), groupId: null };
  if (isJsonObject(header)) {
    const kwargs = header['kwargs'];
    const tasks = isJsonObject(kwargs) && Array.isArray(kwargs['tasks']) ? kwargs['tasks'] : null;
    if (tasks) return { tasks: tasks.map(readSignature), groupId: isJsonObject(header['options']) ? str(header['options']['task_id']) : null };
    return { tasks: [readSignature(header)], groupId: null };
  }
  return { tasks: [], groupId: null };
}

/** Members of nested groups take the place of their group (celery/canvas.py `group._prepared`). */
export function unrollGroups(members: readonly Signature[]): Signature[] {
  const out: Signature[] = [];
  for (const m of members) {
    const tasks = m.kwargs['tasks'];
    if (m.task === 'celery.group' && Array.isArray(tasks)) out.push(...unrollGroups(tasks.map(readSignature)));
    else out.push(m);
  }
  return out;
}

function memberOptions(options: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(options)) if (!OWN_OPTIONS.has(k) && v !== null && v !== undefined) out[k] = v;
  return out;
}

export function withOptions(sig: Signature, options: JsonObject): Signature {
  return { ...sig, options: { ...sig.options, ...options } };
}

function pick(o: JsonObject, keys: string[]): JsonObject {
  const out: JsonObject = {};
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) out[k] = o[k];
  return out;
}

function listOf(value: JsonValue | undefined): JsonValue[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function sigList(value: JsonValue | undefined): Signature[] | null {
  if (value === undefined || value === null) return null;
  return (Array.isArray(value) ? value : [value]).map(readSignature);
}

function queueName(value: JsonValue | undefined): string | null {
  if (typeof value === 'string') return value;
  if (isJsonObject(value) && typeof value['name'] === 'string') return value['name'];
  return null;
}

/** `datetime.isoformat()` of an aware UTC moment, as Celery writes eta/expires. */
function isoDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

function etaOf(o: JsonObject): string | null {
  const countdown = num(o['countdown']);
  if (countdown) return isoDate(Date.now() + countdown * 1000);
  return str(o['eta']);
}

/** `expires` as seconds from now or an ISO date. */
function expiresOf(value: JsonValue | undefined): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return isoDate(Date.now() + value * 1000);
  return str(value);
}

/**
 * The per-message TTL Celery's send_task sets from `expires` (kombu: milliseconds as a string, a moment in
 * the past gives "0"). Only AMQP brokers act on it; kombu's Redis transport carries it along.
 */
const HAS_OFFSET = /(?:Z|[+-]\d\d:?\d\d)$/;

function expirationOf(value: JsonValue | undefined): string | null {
  let seconds: number | null = null;
  if (typeof value === 'number' && Number.isFinite(value)) seconds = value;
  // A naive ISO string means the worker's timezone, unknown here: no TTL rather than a wrong one.
  else if (typeof value === 'string' && HAS_OFFSET.test(value) && !Number.isNaN(Date.parse(value))) seconds = (Date.parse(value) - Date.now()) / 1000;
  if (seconds === null) return null;
  return String(Math.trunc(Math.max(0, seconds) * 1000));
}

function str(v: JsonValue | undefined): string | null {
  return typeof v === 'string' ? v : null;
}

function num(v: JsonValue | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
