/**
 * Rate and time limits as the workers themselves report them: each `registered` inspect entry reads
 * `name` or `name [rate_limit=10/m time_limit=30 ...]` (Celery's taskinfoitems). Pure.
 */
import { parseRegistered, type WorkersResponse } from '@/lib/api/workers';

export interface WorkerTaskLimits {
  readonly worker: string;
  readonly alive: boolean;
  /** Null: no limit (absent, empty or 0, which Celery reads as "no limit"). */
  readonly rateLimit: string | null;
  /** Seconds as the worker wrote them; null when the entry does not say. */
  readonly timeLimit: string | null;
  readonly softTimeLimit: string | null;
}

const NO_LIMIT = new Set(['', '0', 'None', 'none', 'null']);
const limitValue = (value: string | undefined): string | null => (value === undefined || NO_LIMIT.has(value) ? null : value);

/** Task name → the limits each worker that registered it reports, workers sorted by name. */
export function limitsByTask(workers: WorkersResponse | undefined): Map<string, WorkerTaskLimits[]> {
  const byTask = new Map<string, WorkerTaskLimits[]>();
  for (const [worker, info] of Object.entries(workers ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const entry of info.registered ?? []) {
      const parsed = parseRegistered(entry);
      const list = byTask.get(parsed.name) ?? [];
      list.push({
        worker,
        alive: info.alive,
        rateLimit: limitValue(parsed.attributes['rate_limit']),
        timeLimit: limitValue(parsed.attributes['time_limit']),
        softTimeLimit: limitValue(parsed.attributes['soft_time_limit']),
      });
      byTask.set(parsed.name, list);
    }
  }
  return byTask;
}

/**
 * The workers a task type's limits are summed up over: the online ones, whose limits hold now; an offline
 * worker's are only what it said last, and a rate limit sent meanwhile never reached it. All of them when
 * none is online.
 */
export function limitsThatHold(workers: readonly WorkerTaskLimits[]): readonly WorkerTaskLimits[] {
  const online = workers.filter((w) => w.alive);
  return online.length > 0 ? online : workers;
}

/**
 * One value for many workers: "7/m" when they agree (with "on N workers" past one), else each value
 * with its count ("7/m on 1 · none on 2").
 */
export function summarizeAcross(values: readonly (string | null)[], none = 'none'): string {
  if (values.length === 0) return '—';
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value ?? none, (counts.get(value ?? none) ?? 0) + 1);
  const plural = (n: number) => `${n} worker${n === 1 ? '' : 's'}`;
  if (counts.size === 1) {
    const [only] = counts.keys();
    return values.length === 1 ? (only as string) : `${only as string} on ${plural(values.length)}`;
  }
  return [...counts].map(([value, n]) => `${value} on ${n}`).join(' · ');
}
