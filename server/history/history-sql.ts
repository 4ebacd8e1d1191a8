/**
 * The history's tables as Kysely sees them, and a Kysely per dialect that only compiles: the SQL runs
 * where the dialect's connection lives (SQLite's reader thread, PostgreSQL's pool), so the query builder
 * never sits on the write path. Kysely was chosen over hand-built SQL because one query compiles to both
 * dialects (placeholders, quoting) from typed expressions; over an ORM because the queries are the
 * store's own (keyset pages, index-shaped filters) and an ORM would hide them.
 */
import {
  type CompiledQuery,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

export interface TasksTable {
  cluster: string;
  seq: number;
  uuid: string;
  state: string;
  name: string | null;
  worker: string | null;
  queue: string | null;
  received: number | null;
  started: number | null;
  o_received: number | null;
  o_started: number | null;
  o_succeeded: number | null;
  runtime: number | null;
  timestamp: number;
  lost: number;
  parent_id: string | null;
  root_id: string | null;
  retry_of: string | null;
  args: string | null;
  kwargs: string | null;
  result: string | null;
  exception: string | null;
  traceback: string | null;
  doc: string;
}

export interface HistoryTables {
  meta: { cluster: string; key: string; value: string };
  tasks: TasksTable;
  task_events: { cluster: string; task_seq: number; id: number; type: string; timestamp: number; hostname: string | null; received_at: number | null; fields: string | null };
  task_counts: { cluster: string; field: string; key: string; n: number };
  workers: { cluster: string; hostname: string; last_seen: number; doc: string };
  runs: { cluster: string; id: number; started_at: number; last_heard: number; pid: number; host: string };
  task_text: { rowid: number };
  rollup_minutes: RollupTable;
  rollup_hours: RollupTable;
  worker_periods: { cluster: string; hostname: string; online_from: number; online_to: number | null };
  queue_lengths: { cluster: string; queue: string; at: number; length: number; max_length: number };
}

/** A task name's counts and latency sketches in one minute or hour ('' is every task together). */
export interface RollupTable {
  cluster: string;
  task: string;
  at: number;
  sent: number;
  received: number;
  started: number;
  succeeded: number;
  failed: number;
  retried: number;
  revoked: number;
  rejected: number;
  runtime: Uint8Array | null;
  wait: Uint8Array | null;
  end_to_end: Uint8Array | null;
}

export type HistoryDb = Kysely<HistoryTables>;

/** A query compiled for one dialect: what an executor runs. */
export type Compiled = CompiledQuery;

export function compilingDb(dialect: Dialect): HistoryDb {
  return new Kysely<HistoryTables>({
    dialect:
      dialect === 'sqlite'
        ? { createAdapter: () => new SqliteAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (db) => new SqliteIntrospector(db), createQueryCompiler: () => new SqliteQueryCompiler() }
        : { createAdapter: () => new PostgresAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (db) => new PostgresIntrospector(db), createQueryCompiler: () => new PostgresQueryCompiler() },
  });
}

/** Runs compiled queries where the dialect's connection lives. */
export interface SqlReader {
  readonly dialect: Dialect;
  all<Row = Record<string, unknown>>(query: Compiled): Promise<Row[]>;
}
