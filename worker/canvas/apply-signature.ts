/**
 * `Signature.apply_async` for the canvas Celery puts on the wire: a plain task, or `celery.chain`,
 * `celery.group`, `celery.chord` nested in callbacks and chain steps (CELERY-WIRE.md §2.1).
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
    const header = sig.kwargs['header'];
    const headerTasks = isJsonObject(header) && Array.isArray(header['kwargs'] && (header['kwargs'] as JsonObject)['tasks'])
      ? ((header['kwargs'] as JsonObject)['tasks'] as JsonValue[]).map(readSignature)
      : Array.isArray(header) ? header.map(readSignature) : [];
    return applyChord(producer, headerTasks, readSignature(sig.kwargs['body']), ctx);
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
    callbacks: sigList(o['link']),
    errbacks: sigList(o['link_error']),
    chain: ctx.chain && ctx.chain.length > 0 ? [...ctx.chain] : null,
    chord: o['chord'] ? readSignature(o['chord']) : null,
    extraHeaders: headers,
    properties: { correlationId: id, replyTo: str(o['reply_to']) ?? '', deliveryMode: 2, priority: priority ?? 0, expiration: null, extra: null },
  });
  await publishTask(producer, message, queue);
  return id;
}

/** A chain: every step gets its id now, the first is sent carrying the rest. Returns the last step's id. */
async function applyChain(producer: Producer, steps: Signature[], options: JsonObject, ctx: ApplyContext): Promise<string> {
  if (steps.length === 0) throw new Error('an empty chain cannot be sent');
  const frozen = steps.map((s) => withOptions(s, { task_id: str(s.options['task_id']) ?? randomUUID() }));
  // Options given to the chain itself (a link, a queue) apply to its last step, as Celery does for links.
  const last = frozen.length - 1;
  if (options['link'] || options['link_error']) {
    frozen[last] = withOptions(frozen[last] as Signature, pick(options, ['link', 'link_error']));
  }
  const [first, ...rest] = frozen as [Signature, ...Signature[]];
  const lastId = str((frozen[last] as Signature).options['task_id']) as string;
  const firstId = str(first.options['task_id']) as string;
  await applySignature(producer, first, { ...ctx, rootId: ctx.rootId ?? firstId, chain: [...(ctx.chain ?? []), ...rest.reverse()] });
  return lastId;
}

/** A group: every member carries the group id and its index. Returns the group id. */
async function applyGroup(producer: Producer, members: Signature[], options: JsonObject, ctx: ApplyContext): Promise<string> {
  const groupId = str(options['task_id']) ?? str(options['group_id']) ?? randomUUID();
  await Promise.all(members.map((m, i) => applySignature(producer, withOptions(m, { group_id: groupId, group_index: i }), { ...ctx, chain: null })));
  return groupId;
}

/** A chord: the backend learns the header size, each header task carries the body. Returns the body's id. */
async function applyChord(producer: Producer, header: Signature[], body: Signature, ctx: ApplyContext): Promise<string> {
  if (!producer.backend) throw new Error('a chord needs a result backend (--result-backend)');
  const groupId = randomUUID();
  const bodyId = str(body.options['task_id']) ?? randomUUID();
  const frozenBody = withOptions(body, { task_id: bodyId });
  if (header.length === 0) return applySignature(producer, frozenBody, { ...ctx, args: [[]] });
  await producer.backend.setChordSize(groupId, header.length);
  await Promise.all(
    header.map((h, i) =>
      applySignature(producer, withOptions(h, { group_id: groupId, group_index: i, chord: signatureToJson(frozenBody) }), { ...ctx, chain: null }),
    ),
  );
  return bodyId;
}

export function withOptions(sig: Signature, options: JsonObject): Signature {
  return { ...sig, options: { ...sig.options, ...options } };
}

function pick(o: JsonObject, keys: string[]): JsonObject {
  const out: JsonObject = {};
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) out[k] = o[k];
  return out;
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

function etaOf(o: JsonObject): string | null {
  const countdown = num(o['countdown']);
  if (countdown !== null) return new Date(Date.now() + countdown * 1000).toISOString().replace('Z', '+00:00');
  return str(o['eta']);
}

/** `expires` as seconds from now or an ISO date. */
function expiresOf(value: JsonValue | undefined): string | null {
  if (typeof value === 'number') return new Date(Date.now() + value * 1000).toISOString().replace('Z', '+00:00');
  return str(value);
}

function str(v: JsonValue | undefined): string | null {
  return typeof v === 'string' ? v : null;
}

function num(v: JsonValue | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
