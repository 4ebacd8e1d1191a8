/**
 * The PostgreSQL history's schema, as numbered migrations, each applied in one transaction and recorded in
 * `schema_migrations`. A migration is never edited once released: a change is a new one. A database whose
 * schema is newer than the last one here is refused at start (postgres-history.ts).
 *
 * The tables and columns are SQLite's (sqlite-schema.ts), with `cluster` first in every key: one database
 * holds several clusters, and every index leads with the cluster so a cluster's page is a range walk of its
 * own rows. Counts by state, name, worker and queue are kept per cluster in `task_counts` by statement-level
 * triggers (one aggregated upsert per statement, not five per row), so a total is a lookup.
 *
 * Search: one GIN trigram index (pg_trgm) over the case-folded text of every column free text looks in
 * (SQLite's FTS5 table's, plus state and worker, so that a free-text term is one index condition) narrows
 * a search term of three characters or more (postgres-search.ts).
 */

export interface PostgresMigration {
  readonly version: number;
  readonly description: string;
  /** Extensions the migration needs, created first: a missing privilege is then reported by name. */
  readonly extensions: readonly string[];
  readonly sql: string;
}

/** Lower-cases text as JavaScript's toLowerCase does (see V1), whatever the database's own locale. */
export const FOLD_FUNCTION = 'pollen_fold';
/**
 * The folded text of every column free text looks in, each folded on its own and joined by a control
 * character: it holds whatever one of its columns holds, so a match in it is a superset of a match in any.
 */
export const TEXT_FUNCTION = 'pollen_task_text';
/** The columns TEXT_FUNCTION takes, in order: free text's, as in lib/search's matchesTask. */
export const TEXT_COLUMNS = ['uuid', 'name', 'state', 'worker', 'args', 'kwargs', 'result', 'exception'] as const;

/** Any constant: every Pollen that migrates takes this lock, so concurrent starts migrate one at a time. */
export const MIGRATION_LOCK = 7_306_034_366_542;

const COUNTED_ROWS = (table: string, delta: number) => `SELECT cluster, state, name, worker, queue, ${delta} AS d FROM ${table}`;

/**
 * A statement-level trigger function adding up the counts of the rows a statement inserted, changed or
 * deleted. Deltas are summed per key first (an update that keeps the state nets to nothing and writes
 * nothing), and keys are upserted in order, so two writers take the count rows' locks in one order.
 */
function countFunction(name: string, rows: string): string {
  return `
CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO task_counts (cluster, field, key, n)
  SELECT r.cluster, f.field, f.key, sum(r.d)
  FROM (${rows}) r
  CROSS JOIN LATERAL (VALUES ('total', ''), ('state', r.state), ('name', r.name), ('worker', r.worker), ('queue', r.queue)) AS f (field, key)
  WHERE f.key IS NOT NULL
  GROUP BY r.cluster, f.field, f.key
  HAVING sum(r.d) <> 0
  ORDER BY r.cluster, f.field, f.key
  ON CONFLICT (cluster, field, key) DO UPDATE SET n = task_counts.n + excluded.n;
  RETURN NULL;
END
$fn$;`;
}

const V1 = `
-- Lower-casing as JavaScript does (full Unicode case mapping, final sigma included) through ICU's root
-- locale; lower() under the database's own locale would fold only ASCII in a database created with
-- LC_CTYPE=C. A PostgreSQL built without ICU falls back to its own lower().
DO $do$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu') THEN
    CREATE FUNCTION ${FOLD_FUNCTION}(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$ SELECT lower(t COLLATE "und-x-icu") $f$;
  ELSE
    CREATE FUNCTION ${FOLD_FUNCTION}(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$ SELECT lower(t) $f$;
  END IF;
END
$do$;

CREATE FUNCTION ${TEXT_FUNCTION}(${TEXT_COLUMNS.map((c) => `${c} text`).join(', ')}) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
  SELECT ${TEXT_COLUMNS.map((c) => `coalesce(${FOLD_FUNCTION}(${c}), '')`).join(` || E'\\x1f' || `)}
$f$;

CREATE TABLE meta (cluster TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (cluster, key));

CREATE TABLE tasks (
  cluster TEXT NOT NULL,
  seq BIGINT NOT NULL,
  uuid TEXT NOT NULL,
  state TEXT NOT NULL,
  name TEXT, worker TEXT, queue TEXT,
  received DOUBLE PRECISION, started DOUBLE PRECISION,
  o_received DOUBLE PRECISION, o_started DOUBLE PRECISION, o_succeeded DOUBLE PRECISION, runtime DOUBLE PRECISION,
  "timestamp" DOUBLE PRECISION NOT NULL,
  lost INTEGER NOT NULL DEFAULT 0,
  parent_id TEXT, root_id TEXT, retry_of TEXT,
  args TEXT, kwargs TEXT, result TEXT, exception TEXT, traceback TEXT,
  doc TEXT NOT NULL,
  PRIMARY KEY (cluster, seq),
  UNIQUE (cluster, uuid)
);
CREATE INDEX tasks_state ON tasks (cluster, state, seq);
CREATE INDEX tasks_name ON tasks (cluster, name, seq);
CREATE INDEX tasks_worker ON tasks (cluster, worker, seq);
CREATE INDEX tasks_queue ON tasks (cluster, queue, seq);
CREATE INDEX tasks_o_received ON tasks (cluster, o_received, seq);
CREATE INDEX tasks_o_started ON tasks (cluster, o_started, seq);
CREATE INDEX tasks_o_succeeded ON tasks (cluster, o_succeeded, seq);
CREATE INDEX tasks_runtime ON tasks (cluster, runtime, seq);
CREATE INDEX tasks_timestamp ON tasks (cluster, "timestamp", seq);
CREATE INDEX tasks_received ON tasks (cluster, received) WHERE received IS NOT NULL;
CREATE INDEX tasks_started ON tasks (cluster, started) WHERE started IS NOT NULL;
CREATE INDEX tasks_lost ON tasks (cluster, seq) WHERE lost = 1;
CREATE INDEX tasks_parent ON tasks (cluster, parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX tasks_retry_of ON tasks (cluster, retry_of) WHERE retry_of IS NOT NULL;
CREATE INDEX tasks_text ON tasks USING gin (${TEXT_FUNCTION}(${TEXT_COLUMNS.join(', ')}) gin_trgm_ops);

CREATE TABLE task_events (
  cluster TEXT NOT NULL,
  task_seq BIGINT NOT NULL,
  id BIGINT NOT NULL,
  type TEXT NOT NULL,
  "timestamp" DOUBLE PRECISION NOT NULL,
  hostname TEXT,
  received_at DOUBLE PRECISION,
  fields TEXT,
  PRIMARY KEY (cluster, task_seq, id)
);

CREATE TABLE workers (cluster TEXT NOT NULL, hostname TEXT NOT NULL, last_seen DOUBLE PRECISION NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (cluster, hostname));

CREATE TABLE task_counts (cluster TEXT NOT NULL, field TEXT NOT NULL, key TEXT NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (cluster, field, key));

-- One row per run of Pollen on this cluster's history: from when it listened to when it was last heard
-- writing. The time between a run's last_heard and the next run's started_at is when Pollen was not listening.
CREATE TABLE runs (cluster TEXT NOT NULL, id BIGINT NOT NULL, started_at DOUBLE PRECISION NOT NULL, last_heard DOUBLE PRECISION NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL, PRIMARY KEY (cluster, id));

${countFunction('pollen_count_inserted', COUNTED_ROWS('inserted', 1))}
${countFunction('pollen_count_updated', `${COUNTED_ROWS('old_rows', -1)} UNION ALL ${COUNTED_ROWS('new_rows', 1)}`)}
${countFunction('pollen_count_deleted', COUNTED_ROWS('deleted', -1))}

-- A deleted task takes its timeline with it, as in SQLite.
CREATE FUNCTION pollen_drop_events() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  DELETE FROM task_events e USING deleted d WHERE e.cluster = d.cluster AND e.task_seq = d.seq;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER tasks_inserted AFTER INSERT ON tasks REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION pollen_count_inserted();
CREATE TRIGGER tasks_recounted AFTER UPDATE ON tasks REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pollen_count_updated();
CREATE TRIGGER tasks_deleted AFTER DELETE ON tasks REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION pollen_count_deleted();
CREATE TRIGGER tasks_deleted_events AFTER DELETE ON tasks REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION pollen_drop_events();
`;

/** Per-minute and per-hour rollups by task name ('' for all), worker online periods, queue lengths per minute: SQLite's v2 with the cluster. */
const ROLLUP_COLUMNS = `cluster TEXT NOT NULL, task TEXT NOT NULL, at BIGINT NOT NULL,
  sent BIGINT NOT NULL, received BIGINT NOT NULL, started BIGINT NOT NULL, succeeded BIGINT NOT NULL,
  failed BIGINT NOT NULL, retried BIGINT NOT NULL, revoked BIGINT NOT NULL, rejected BIGINT NOT NULL,
  runtime BYTEA, wait BYTEA, end_to_end BYTEA,
  PRIMARY KEY (cluster, task, at)`;

const V2 = `
CREATE TABLE rollup_minutes (${ROLLUP_COLUMNS});
CREATE INDEX rollup_minutes_at ON rollup_minutes (cluster, at);
CREATE TABLE rollup_hours (${ROLLUP_COLUMNS});
CREATE INDEX rollup_hours_at ON rollup_hours (cluster, at);
CREATE TABLE worker_periods (cluster TEXT NOT NULL, hostname TEXT NOT NULL, online_from DOUBLE PRECISION NOT NULL, online_to DOUBLE PRECISION, PRIMARY KEY (cluster, hostname, online_from));
CREATE INDEX worker_periods_open ON worker_periods (cluster, hostname) WHERE online_to IS NULL;
CREATE TABLE queue_lengths (cluster TEXT NOT NULL, queue TEXT NOT NULL, at BIGINT NOT NULL, length BIGINT NOT NULL, max_length BIGINT NOT NULL, PRIMARY KEY (cluster, queue, at));
CREATE INDEX queue_lengths_at ON queue_lengths (cluster, at);
`;

/**
 * The tasks whose own received or started time differs from its sort time (a suspect clock's, capped): a
 * time range lists these few and reads every other task from its sort time's index, which holds the
 * arrival number, instead of the own time's index and a row read for each (SQLite's v1 has the same).
 */
const V3 = `
CREATE INDEX tasks_skewed ON tasks (cluster, seq) WHERE received IS DISTINCT FROM o_received OR started IS DISTINCT FROM o_started;
`;

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  { version: 1, description: 'tasks, their events, workers, counts, runs and trigram search', extensions: ['pg_trgm'], sql: V1 },
  { version: 2, description: 'metric rollups per minute and hour, worker online periods, queue lengths', extensions: [], sql: V2 },
  { version: 3, description: 'an index of the tasks whose own times differ from their sort times, for time ranges', extensions: [], sql: V3 },
];

export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS[POSTGRES_MIGRATIONS.length - 1]?.version ?? 0;
