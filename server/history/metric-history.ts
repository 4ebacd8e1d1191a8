/**
 * The charts' past as history keeps it: task-event counts and latency sketches per task name per minute
 * and per hour, queue lengths per minute, workers' online periods. Rows are noted (server/rollups, once a
 * minute) and written with the write-behind's next batch; reads are one indexed range query each.
 */
import type { HistoryScope } from './history-page';
import { scoped } from './history-reads';
import type { WriteBehind, MetricRows } from './write-behind';

export type RollupGrain = 'minute' | 'hour';
export const GRAIN_MS: Readonly<Record<RollupGrain, number>> = { minute: 60_000, hour: 3_600_000 };
const TABLE = { minute: 'rollup_minutes', hour: 'rollup_hours' } as const;

/** Every task together, as the rollups name it. */
export const EVERY_TASK = '';

/** Counts in COUNT_STATES order (metrics/metric-types.ts). */
export const ROLLUP_COUNTS = ['sent', 'received', 'started', 'succeeded', 'failed', 'retried', 'revoked', 'rejected'] as const;

export interface RollupRecord {
  readonly task: string;
  /** The bucket's start, epoch ms. */
  readonly at: number;
  readonly counts: readonly number[];
  readonly runtime: Uint8Array | null;
  readonly wait: Uint8Array | null;
  readonly endToEnd: Uint8Array | null;
}

export interface QueueLengthRecord {
  readonly queue: string;
  readonly at: number;
  readonly length: number;
  readonly max: number;
}

export interface WorkerPeriod {
  readonly hostname: string;
  /** Unix seconds; `to` null while online. */
  readonly from: number;
  readonly to: number | null;
}

type RollupRowObject = Record<(typeof ROLLUP_COUNTS)[number], number> & { task: string; at: number; runtime: Uint8Array | null; wait: Uint8Array | null; end_to_end: Uint8Array | null };

function bytes(value: Uint8Array | null): Uint8Array | null {
  return value === null ? null : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

export class MetricHistory {
  constructor(
    private readonly scope: HistoryScope,
    private readonly writes: WriteBehind,
    /** When this run of Pollen started, epoch ms: the in-memory metrics know nothing before it. */
    readonly startedAtMs: number,
  ) {}

  note(rows: MetricRows): void {
    this.writes.noteMetricRows(rows);
  }

  /** The rows of one task name (EVERY_TASK: all together), or of every name but EVERY_TASK (null), with `at` in [fromMs, toMs], oldest first. */
  async rollups(grain: RollupGrain, task: string | null, fromMs: number, toMs: number): Promise<RollupRecord[]> {
    const { db, reader } = this.scope;
    let query = scoped(this.scope, db.selectFrom(TABLE[grain]).selectAll().where('at', '>=', fromMs).where('at', '<=', toMs));
    query = task === null ? query.where('task', '<>', EVERY_TASK) : query.where('task', '=', task);
    const rows = await reader.all<RollupRowObject>(query.orderBy('at').compile());
    return rows.map((row) => ({
      task: row.task,
      at: Number(row.at),
      counts: ROLLUP_COUNTS.map((state) => Number(row[state])),
      runtime: bytes(row.runtime),
      wait: bytes(row.wait),
      endToEnd: bytes(row.end_to_end),
    }));
  }

  /** Queue lengths per minute with `at` in [fromMs, toMs], oldest first. */
  async queueLengths(fromMs: number, toMs: number): Promise<QueueLengthRecord[]> {
    const { db, reader } = this.scope;
    const rows = await reader.all<{ queue: string; at: number; length: number; max_length: number }>(
      scoped(this.scope, db.selectFrom('queue_lengths').select(['queue', 'at', 'length', 'max_length']).where('at', '>=', fromMs).where('at', '<=', toMs)).orderBy('at').compile(),
    );
    return rows.map((row) => ({ queue: row.queue, at: Number(row.at), length: Number(row.length), max: Number(row.max_length) }));
  }

  /** A worker's online periods (every worker's with null) that overlap [fromS, toS], oldest first. */
  async workerPeriods(hostname: string | null, fromS: number, toS: number): Promise<WorkerPeriod[]> {
    const { db, reader } = this.scope;
    let query = scoped(this.scope, db.selectFrom('worker_periods').select(['hostname', 'online_from', 'online_to']).where('online_from', '<=', toS));
    query = query.where((eb) => eb.or([eb('online_to', 'is', null), eb('online_to', '>=', fromS)]));
    if (hostname !== null) query = query.where('hostname', '=', hostname);
    const rows = await reader.all<{ hostname: string; online_from: number; online_to: number | null }>(query.orderBy('online_from').compile());
    return rows.map((row) => ({ hostname: row.hostname, from: Number(row.online_from), to: row.online_to === null ? null : Number(row.online_to) }));
  }
}

/**
 * Periods left open by the last run (it stopped, or was killed, while they were online) end when their
 * worker was last heard, or else when that run was: a restart finds every worker offline until heard.
 */
export async function closeOpenPeriods(scope: HistoryScope, lastSeen: ReadonlyMap<string, number>, lastHeard: number): Promise<MetricRows> {
  const open = await scope.reader.all<{ hostname: string; online_from: number }>(
    scoped(scope, scope.db.selectFrom('worker_periods').select(['hostname', 'online_from']).where('online_to', 'is', null)).compile(),
  );
  return { workerPeriods: open.map((row) => [row.hostname, Number(row.online_from), Math.max(Number(row.online_from), lastSeen.get(row.hostname) ?? lastHeard)]) };
}
