/**
 * One batch of the write-behind into PostgreSQL, in one transaction, with the SQLite writer's semantics
 * (sqlite-thread.ts): tasks upserted by id (a task that came back writes into the row it had, keeping its
 * number and what the new record does not know), events kept once each under the number their task's row
 * has, workers upserted, the run's row upserted.
 *
 * Rows go as one array per column through unnest(), so a batch of thousands of rows is a handful of
 * statements, not one per row. PostgreSQL refuses an upsert that touches one row twice in one statement,
 * so a task (or worker) that appears twice in a batch is written in a second statement after the first,
 * as SQLite's row-by-row writer would.
 */
import type pg from 'pg';
import { EVENT_COLUMNS, eventRowsOf } from './event-row';
import { KEPT_WHEN_RETURNING, TASK_COLUMNS } from './task-row';
import type { WriteBatch } from './write-batch';

/** Rows per statement: bounds one message's size when a slow database lets batches grow. */
const CHUNK = 2000;

const TASK_TYPES: Readonly<Record<(typeof TASK_COLUMNS)[number], string>> = {
  seq: 'int8', uuid: 'text', state: 'text', name: 'text', worker: 'text', queue: 'text',
  received: 'float8', started: 'float8', o_received: 'float8', o_started: 'float8', o_succeeded: 'float8', runtime: 'float8', timestamp: 'float8',
  lost: 'int4', parent_id: 'text', root_id: 'text', retry_of: 'text',
  args: 'text', kwargs: 'text', result: 'text', exception: 'text', traceback: 'text', doc: 'text',
};

const quoted = (column: string) => `"${column}"`;
const unnestOf = (types: readonly string[]) => `unnest(${types.map((type, i) => `$${i + 2}::${type}[]`).join(', ')})`;

const UPSERT_TASKS = `INSERT INTO tasks AS t (cluster, ${TASK_COLUMNS.map(quoted).join(', ')})
  SELECT $1, * FROM ${unnestOf(TASK_COLUMNS.map((c) => TASK_TYPES[c]))}
  ON CONFLICT (cluster, uuid) DO UPDATE SET ${TASK_COLUMNS.filter((c) => c !== 'seq' && c !== 'uuid')
    .map((c) => (KEPT_WHEN_RETURNING.has(c) ? `${quoted(c)} = CASE WHEN excluded.seq = t.seq THEN excluded.${quoted(c)} ELSE coalesce(excluded.${quoted(c)}, t.${quoted(c)}) END` : `${quoted(c)} = excluded.${quoted(c)}`))
    .join(', ')}
  RETURNING uuid, seq`;

const EVENT_TYPES = ['int8', 'int8', 'text', 'float8', 'text', 'float8', 'text'];
const INSERT_EVENTS = `INSERT INTO task_events (cluster, ${EVENT_COLUMNS.map(quoted).join(', ')})
  SELECT $1, * FROM ${unnestOf(EVENT_TYPES)}
  ON CONFLICT DO NOTHING`;

const UPSERT_WORKERS = `INSERT INTO workers (cluster, hostname, last_seen, doc)
  SELECT $1, * FROM ${unnestOf(['text', 'float8', 'text'])}
  ON CONFLICT (cluster, hostname) DO UPDATE SET last_seen = excluded.last_seen, doc = excluded.doc`;

/** A bucket written again replaces its row, as SQLite's INSERT OR REPLACE does. */
const ROLLUP_TYPES = ['text', 'int8', 'int8', 'int8', 'int8', 'int8', 'int8', 'int8', 'int8', 'int8', 'bytea', 'bytea', 'bytea'];
const UPSERT_ROLLUPS = (table: string) => `INSERT INTO ${table} (cluster, task, at, sent, received, started, succeeded, failed, retried, revoked, rejected, runtime, wait, end_to_end)
  SELECT $1, * FROM ${unnestOf(ROLLUP_TYPES)}
  ON CONFLICT (cluster, task, at) DO UPDATE SET sent = excluded.sent, received = excluded.received, started = excluded.started,
    succeeded = excluded.succeeded, failed = excluded.failed, retried = excluded.retried, revoked = excluded.revoked,
    rejected = excluded.rejected, runtime = excluded.runtime, wait = excluded.wait, end_to_end = excluded.end_to_end`;

const UPSERT_PERIODS = `INSERT INTO worker_periods (cluster, hostname, online_from, online_to)
  SELECT $1, * FROM ${unnestOf(['text', 'float8', 'float8'])}
  ON CONFLICT (cluster, hostname, online_from) DO UPDATE SET online_to = excluded.online_to`;

const UPSERT_QUEUE_LENGTHS = `INSERT INTO queue_lengths (cluster, queue, at, length, max_length)
  SELECT $1, * FROM ${unnestOf(['text', 'int8', 'int8', 'int8'])}
  ON CONFLICT (cluster, queue, at) DO UPDATE SET length = excluded.length, max_length = excluded.max_length`;

/** The oldest slice only (as sqlite-thread.ts prunes): a flush never holds the writer long. */
const PRUNE_SLICE_MS = { minutes: 5 * 60_000, hours: 5 * 3_600_000 };
const PRUNE = (table: string, sliceMs: number) => `DELETE FROM ${table} WHERE cluster = $1 AND at < least($2::int8, (SELECT min(at) FROM ${table} WHERE cluster = $1) + ${sliceMs})`;

const UPSERT_RUN = `INSERT INTO runs (cluster, id, started_at, last_heard, pid, host) VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT (cluster, id) DO UPDATE SET last_heard = excluded.last_heard`;

/** The rows as one array per column. */
function columnsOf(rows: readonly (readonly unknown[])[], width: number): unknown[][] {
  const columns: unknown[][] = Array.from({ length: width }, () => new Array<unknown>(rows.length));
  rows.forEach((row, r) => {
    for (let c = 0; c < width; c++) (columns[c] as unknown[])[r] = row[c] ?? null;
  });
  return columns;
}

/** Splits rows into rounds in which each key appears once, in batch order (a key's later rows in later rounds). */
function rounds<Row>(rows: readonly Row[], key: (row: Row) => unknown): Row[][] {
  const result: Row[][] = [];
  const seen = new Map<unknown, number>();
  for (const row of rows) {
    const k = key(row);
    const round = seen.get(k) ?? 0;
    seen.set(k, round + 1);
    (result[round] ??= []).push(row);
  }
  return result;
}

function* chunks<Row>(rows: readonly Row[]): Generator<Row[]> {
  for (let at = 0; at < rows.length; at += CHUNK) yield rows.slice(at, at + CHUNK);
}

/** Writes the batch on `client`, in one transaction; rolls back and rethrows on failure. */
export async function writeBatch(client: pg.ClientBase, cluster: string, batch: WriteBatch): Promise<void> {
  await client.query('BEGIN');
  try {
    // A task written into the row it had before (see UPSERT_TASKS): its events go under that row's number.
    const moved = new Map<number, number>();
    for (const round of rounds(batch.tasks, (row) => row[1])) {
      for (const chunk of chunks(round)) {
        const { rows } = await client.query<{ uuid: string; seq: string | number }>(UPSERT_TASKS, [cluster, ...columnsOf(chunk, TASK_COLUMNS.length)]);
        const stored = new Map(rows.map((r) => [r.uuid, Number(r.seq)]));
        for (const row of chunk) {
          const seq = stored.get(row[1] as string);
          if (seq !== undefined && seq !== row[0]) moved.set(row[0] as number, seq);
        }
      }
    }
    const events = eventRowsOf(batch.events).map((row) => {
      const seq = moved.get(row[0] as number);
      return seq === undefined ? row : [seq, ...row.slice(1)];
    });
    for (const chunk of chunks(events)) await client.query(INSERT_EVENTS, [cluster, ...columnsOf(chunk, EVENT_COLUMNS.length)]);
    for (const round of rounds(batch.workers, (row) => row[0])) {
      for (const chunk of chunks(round)) await client.query(UPSERT_WORKERS, [cluster, ...columnsOf(chunk, 3)]);
    }
    if (batch.run !== null) await client.query(UPSERT_RUN, [cluster, ...batch.run]);
    const keyed: [readonly (readonly unknown[])[], string, number, (row: readonly unknown[]) => unknown][] = [
      [batch.rollupMinutes, UPSERT_ROLLUPS('rollup_minutes'), ROLLUP_TYPES.length, (row) => `${String(row[0])} ${String(row[1])}`],
      [batch.rollupHours, UPSERT_ROLLUPS('rollup_hours'), ROLLUP_TYPES.length, (row) => `${String(row[0])} ${String(row[1])}`],
      [batch.workerPeriods, UPSERT_PERIODS, 3, (row) => `${String(row[0])} ${String(row[1])}`],
      [batch.queueLengths, UPSERT_QUEUE_LENGTHS, 4, (row) => `${String(row[0])} ${String(row[1])}`],
    ];
    for (const [rows, statement, width, key] of keyed) {
      for (const round of rounds(rows, key)) {
        for (const chunk of chunks(round)) await client.query(statement, [cluster, ...columnsOf(chunk, width)]);
      }
    }
    if (batch.prune !== null) {
      await client.query(PRUNE('rollup_minutes', PRUNE_SLICE_MS.minutes), [cluster, batch.prune[0]]);
      await client.query(PRUNE('rollup_hours', PRUNE_SLICE_MS.hours), [cluster, batch.prune[1]]);
      await client.query(PRUNE('queue_lengths', PRUNE_SLICE_MS.minutes), [cluster, batch.prune[2]]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
