/**
 * Rate and time limits as the workers themselves report them: each `registered` inspect entry reads
 * `name` or `name [rate_limit=10/m time_limit=30 ...]` (Celery's taskinfoitems). Pure.
 */

export interface WorkerTaskLimits {
  readonly worker: string;
  readonly alive: boolean;
  /** Null: no limit (absent, empty or 0, which Celery reads as "no limit"). */
  readonly rateLimit: string | null;
  /** Seconds as the worker wrote them; null when the entry does not say. */
  readonly timeLimit: string | null;
  readonly softTimeLimit: string | null;
}

/** What /api/workers gives per worker that matters here. */
export interface WorkerInspectJson {
  readonly hostname?: string;
  readonly alive?: boolean;
  readonly registered?: unknown;
  readonly inspected_at?: Readonly<Record<string, number>>;
}

export type WorkersJson = Readonly<Record<string, WorkerInspectJson>>;

const ENTRY = /^(\S+)(?:\s+\[(.*)\])?$/;

/** One `registered` entry: the task name and its `key=value` items. */
export function parseRegisteredEntry(entry: string): { name: string; items: Map<string, string> } | null {
  const match = ENTRY.exec(entry.trim());
  if (match === null) return null;
  const items = new Map<string, string>();
  for (const part of (match[2] ?? '').split(/\s+/)) {
    const eq = part.indexOf('=');
    if (eq > 0) items.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return { name: match[1] as string, items };
}

const NO_LIMIT = new Set(['', '0', 'None', 'none', 'null']);
const limitValue = (value: string | undefined): string | null => (value === undefined || NO_LIMIT.has(value) ? null : value);

/** Task name → the limits each worker that registered it reports, workers sorted by name. */
export function limitsByTask(workers: WorkersJson | undefined): Map<string, WorkerTaskLimits[]> {
  const byTask = new Map<string, WorkerTaskLimits[]>();
  for (const [worker, info] of Object.entries(workers ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!Array.isArray(info.registered)) continue;
    for (const entry of info.registered) {
      if (typeof entry !== 'string') continue;
      const parsed = parseRegisteredEntry(entry);
      if (parsed === null) continue;
      const list = byTask.get(parsed.name) ?? [];
      list.push({
        worker,
        alive: info.alive ?? false,
        rateLimit: limitValue(parsed.items.get('rate_limit')),
        timeLimit: limitValue(parsed.items.get('time_limit')),
        softTimeLimit: limitValue(parsed.items.get('soft_time_limit')),
      });
      byTask.set(parsed.name, list);
    }
  }
  return byTask;
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
