/**
 * One row per worker, joining what moves (the pushed event fields: liveness, active, processed,
 * heartbeats) with what only inspect knows (pool, queues). A worker can be known to one side only: a
 * worker that never sent an event but answers inspect, or one that just appeared and was not inspected.
 */
import { activeCount, poolName, poolProcesses, poolStats, type WorkerEventFields, type WorkerEventJson, type WorkerJson, type WorkersResponse } from '@/lib/api/workers';

export interface WorkerRow {
  readonly hostname: string;
  readonly alive: boolean;
  /** Online, offline, or unknown while the server cannot hear the broker. */
  readonly status: WorkerLiveness;
  readonly pool: string | null;
  readonly maxConcurrency: number | null;
  /** Pool processes right now (prefork lists them; a grown pool has more than max-concurrency). */
  readonly processes: number | null;
  readonly active: number | null;
  readonly processed: number | null;
  /** Task events it sent since the server started (Flower's counters); null for a worker only inspect knows. */
  readonly succeeded: number | null;
  readonly failed: number | null;
  readonly retried: number | null;
  readonly loadavg: readonly number[] | null;
  /** Unix seconds of the last heartbeat received, or of its last event once offline. */
  readonly lastSeen: number | null;
  readonly software: string | null;
  readonly queues: readonly string[] | null;
}

export type WorkerLiveness = 'online' | 'offline' | 'unknown';

/** What the server says of a worker's liveness; a server without `status` only knows alive or not. */
export function liveness(worker: Pick<WorkerEventFields, 'alive' | 'status'> | undefined): WorkerLiveness {
  return worker?.status ?? (worker?.alive ? 'online' : 'offline');
}

export function lastSeen(worker: Pick<WorkerEventFields, 'heartbeats' | 'timestamp'> | undefined): number | null {
  const beats = worker?.heartbeats ?? [];
  const last = beats[beats.length - 1];
  if (last !== undefined) return last;
  return worker?.timestamp !== undefined && worker.timestamp > 0 ? worker.timestamp : null;
}

export function software(worker: Pick<WorkerEventFields, 'sw_ident' | 'sw_ver'> | undefined): string | null {
  const parts = [worker?.sw_ident, worker?.sw_ver].filter((part): part is string => typeof part === 'string' && part !== '');
  return parts.length > 0 ? parts.join(' ') : null;
}

export function workerRow(hostname: string, live: WorkerEventJson | undefined, inspected: WorkerJson | undefined): WorkerRow {
  // Pushed fields are newer than the inspect cache's copy of them.
  const events: WorkerEventFields | undefined = live ?? inspected;
  const pool = poolStats(inspected?.stats);
  const liveActive = live?.active ?? null;
  return {
    hostname,
    alive: events?.alive ?? false,
    status: liveness(events),
    pool: poolName(pool),
    maxConcurrency: typeof pool?.['max-concurrency'] === 'number' ? pool['max-concurrency'] : null,
    processes: poolProcesses(pool),
    active: liveActive ?? activeCount(inspected),
    processed: events?.processed ?? null,
    succeeded: events?.['task-succeeded'] ?? null,
    failed: events?.['task-failed'] ?? null,
    retried: events?.['task-retried'] ?? null,
    loadavg: events?.loadavg ?? null,
    lastSeen: lastSeen(events),
    software: software(events),
    queues: inspected?.active_queues ? inspected.active_queues.map((queue) => queue.name) : null,
  };
}

/** Every worker either side knows, by hostname. */
export function workerRows(live: ReadonlyMap<string, WorkerEventJson>, inspected: WorkersResponse | undefined): WorkerRow[] {
  const names = new Set<string>([...live.keys(), ...Object.keys(inspected ?? {})]);
  return [...names].sort((a, b) => a.localeCompare(b)).map((name) => workerRow(name, live.get(name), inspected?.[name]));
}

/** The counters a totals row adds up; a worker that does not know one adds nothing. */
export type CountedColumn = 'active' | 'processed' | 'succeeded' | 'failed' | 'retried';

export function columnTotals(rows: readonly WorkerRow[]): Record<CountedColumn, number> {
  const totals = { active: 0, processed: 0, succeeded: 0, failed: 0, retried: 0 };
  for (const row of rows) for (const column of Object.keys(totals) as CountedColumn[]) totals[column] += row[column] ?? 0;
  return totals;
}

export function formatLoad(loadavg: readonly number[] | null | undefined): string {
  return loadavg && loadavg.length > 0 ? loadavg.map((value) => value.toFixed(2)).join(' ') : '—';
}
