/** Commands that change the worker (`celery control ...`), answering as a Python 5.2 worker does (CELERY-WIRE.md §6.5). */
import { type JsonValue, parseRateLimit } from '@/lib/celery';
import type { Worker } from '../worker';
import type { CommandHandler } from './pidbox-node';

type Args = Readonly<Record<string, JsonValue>>;

/** Signal names Celery accepts for terminate (with or without SIG), to their numbers on Linux. */
const SIGNALS: Readonly<Record<string, number>> = { HUP: 1, INT: 2, QUIT: 3, KILL: 9, USR1: 10, USR2: 12, TERM: 15 };

function ids(value: JsonValue | undefined): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : [];
}

function signum(value: JsonValue | undefined): number {
  if (typeof value === 'number') return value;
  const name = (typeof value === 'string' ? value : 'TERM').toUpperCase().replace(/^SIG/, '');
  const n = SIGNALS[name];
  if (n === undefined) throw Object.assign(new Error(`invalid signal name: ${String(value)}`), { name: 'ValueError' });
  return n;
}

function revoke(worker: Worker, args: Args): JsonValue {
  const taskIds = ids(args['task_id']);
  for (const id of taskIds) worker.revoked.add(id);
  const terminate = args['terminate'] === true;
  const running = worker.pool.revoke(taskIds, terminate, terminate ? signum(args['signal']) : 15);
  if (!terminate) return { ok: `tasks ${taskIds.join(', ')} flagged as revoked` };
  return { ok: running.length > 0 ? `terminate: ${running.join(', ')}` : 'terminate: tasks unknown' };
}

function positiveInt(value: JsonValue | undefined, fallback: number): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (n === undefined || n === null) return fallback;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw Object.assign(new Error(`expected a whole number, got ${JSON.stringify(value)}`), { name: 'ValueError' });
  return n;
}

function setConcurrency(worker: Worker, concurrency: number): void {
  worker.pool.concurrency = Math.max(1, concurrency);
  worker.applyPrefetch();
  worker.pool.pump();
}

function seconds(value: JsonValue | undefined): number | null {
  if (value === undefined || value === null) return null;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw Object.assign(new Error(`could not convert to float: ${JSON.stringify(value)}`), { name: 'ValueError' });
  return n;
}

export const controlCommands: Readonly<Record<string, CommandHandler>> = {
  revoke,
  terminate: (worker, args) => revoke(worker, { ...args, terminate: true }),
  rate_limit: (worker, args): JsonValue => {
    const task = typeof args['task_name'] === 'string' ? worker.app.get(args['task_name']) : undefined;
    if (!task) return { error: 'unknown task' };
    const raw = args['rate_limit'];
    const rate = parseRateLimit(typeof raw === 'number' || typeof raw === 'string' ? raw : null);
    if (!rate.ok) return { error: `Invalid rate limit string: ${rate.error.message}` };
    task.options.rateLimit = rate.value === null ? null : String(raw);
    task.options.rate = rate.value;
    worker.pool.resetRate(task.name);
    return { ok: rate.value === null ? 'rate limit disabled successfully' : 'new rate limit set successfully' };
  },
  time_limit: (worker, args): JsonValue => {
    const task = typeof args['task_name'] === 'string' ? worker.app.get(args['task_name']) : undefined;
    if (!task) return { error: 'unknown task' };
    task.options.softTimeLimit = seconds(args['soft']);
    task.options.timeLimit = seconds(args['hard']);
    return { ok: 'time limits set successfully' };
  },
  pool_grow: (worker, args) => {
    setConcurrency(worker, worker.pool.concurrency + positiveInt(args['n'], 1));
    return { ok: 'pool will grow' };
  },
  pool_shrink: (worker, args) => {
    setConcurrency(worker, worker.pool.concurrency - positiveInt(args['n'], 1));
    return { ok: 'pool will shrink' };
  },
  autoscale: (worker, args) => {
    const max = positiveInt(args['max'], worker.pool.concurrency);
    const min = positiveInt(args['min'], 0);
    // An async pool has no idle processes to reap: the ceiling is what limits, so the pool takes `max`.
    setConcurrency(worker, Math.max(max, min));
    return { ok: `autoscale now max=${max} min=${min}` };
  },
  pool_restart: () => ({ error: "ValueError('Pool restarts not enabled')" }),
  add_consumer: async (worker, args) => {
    const queue = args['queue'];
    if (typeof queue !== 'string' || queue === '') throw Object.assign(new Error('add_consumer needs a queue name'), { name: 'ValueError' });
    if (!worker.consumer?.queues().includes(queue)) await worker.consumer?.addQueue(queue);
    return { ok: `add consumer ${queue}` };
  },
  cancel_consumer: async (worker, args) => {
    const queue = typeof args['queue'] === 'string' ? args['queue'] : '';
    await worker.consumer?.cancelQueue(queue);
    return { ok: `no longer consuming from ${queue}` };
  },
  enable_events: (worker): JsonValue => {
    if (worker.events.taskEvents) return { ok: 'task events already enabled' };
    worker.events.taskEvents = true;
    void worker.heart.beatOnce();
    return { ok: 'task events enabled' };
  },
  disable_events: (worker): JsonValue => {
    if (!worker.events.taskEvents) return { ok: 'task events already disabled' };
    worker.events.taskEvents = false;
    return { ok: 'task events disabled' };
  },
  heartbeat: (worker) => {
    void worker.heart.beatOnce();
    return null;
  },
  election: () => null,
  shutdown: (worker) => {
    worker.log.warn('remote shutdown requested');
    setImmediate(() => void worker.stop());
    return null;
  },
};
