/**
 * The SQLite history's schema, as numbered migrations applied in order inside one transaction each.
 * A migration is never edited once released: a change is a new one, tested from the schema before it
 * (sqlite-schema.test.ts). A file whose schema is newer than the last one here is refused at start.
 *
 * Every filter and sort the APIs offer has an index ending in `seq`, so a page is a range walk whatever
 * the order (the keyset cursor is (value, seq)). Counts by state, name, worker and queue are kept by
 * triggers in `task_counts`, so a total is a lookup, not a count of millions of rows. Free-text search
 * has a trigram index (FTS5, contentless: the text is not stored twice), which answers Flower's
 * case-insensitive substrings of three characters or more; it is built behind the rows (see task_text).
 */

export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

const COUNTED = ['state', 'name', 'worker', 'queue'] as const;

function countStatements(row: 'NEW' | 'OLD', delta: 1 | -1): string {
  const sign = delta > 0 ? '+ 1' : '- 1';
  const total = `INSERT INTO task_counts (field, key, n) VALUES ('total', '', ${delta}) ON CONFLICT (field, key) DO UPDATE SET n = n ${sign};`;
  const fields = COUNTED.map(
    (field) => `INSERT INTO task_counts (field, key, n) SELECT '${field}', ${row}.${field}, ${delta} WHERE ${row}.${field} IS NOT NULL ON CONFLICT (field, key) DO UPDATE SET n = n ${sign};`,
  );
  return [total, ...fields].join('\n    ');
}

/** The columns the text index holds, in its order. */
export const TEXT_COLUMNS = 'uuid, name, args, kwargs, result, exception';

const V1 = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
-- Names this history's arrival numbering in cursors, which therefore outlive a restart.
INSERT INTO meta (key, value) VALUES ('id', lower(hex(randomblob(6))));

CREATE TABLE tasks (
  seq INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL UNIQUE,
  state TEXT NOT NULL,
  name TEXT, worker TEXT, queue TEXT,
  received REAL, started REAL,
  o_received REAL, o_started REAL, o_succeeded REAL, runtime REAL, timestamp REAL NOT NULL,
  lost INTEGER NOT NULL DEFAULT 0,
  parent_id TEXT, root_id TEXT, retry_of TEXT,
  args TEXT, kwargs TEXT, result TEXT, exception TEXT, traceback TEXT,
  doc TEXT NOT NULL
);
CREATE INDEX tasks_state ON tasks (state, seq);
CREATE INDEX tasks_name ON tasks (name, seq);
CREATE INDEX tasks_worker ON tasks (worker, seq);
CREATE INDEX tasks_queue ON tasks (queue, seq);
CREATE INDEX tasks_o_received ON tasks (o_received, seq);
CREATE INDEX tasks_o_started ON tasks (o_started, seq);
CREATE INDEX tasks_o_succeeded ON tasks (o_succeeded, seq);
CREATE INDEX tasks_runtime ON tasks (runtime, seq);
CREATE INDEX tasks_timestamp ON tasks (timestamp, seq);
-- Time ranges filter on a task's own times, which are the sort times but for a suspect clock's (capped):
-- a range reads the sort time's index, plus this nearly empty one of the tasks whose times differ. Two
-- indexes of their own would cost every write as much as a quarter of the others together.
CREATE INDEX tasks_skewed ON tasks (seq) WHERE received IS NOT o_received OR started IS NOT o_started;
CREATE INDEX tasks_lost ON tasks (seq) WHERE lost = 1;
CREATE INDEX tasks_parent ON tasks (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX tasks_retry_of ON tasks (retry_of) WHERE retry_of IS NOT NULL;

CREATE TABLE task_events (
  task_seq INTEGER NOT NULL,
  id INTEGER NOT NULL,
  type TEXT NOT NULL,
  timestamp REAL NOT NULL,
  hostname TEXT,
  received_at REAL,
  fields TEXT,
  PRIMARY KEY (task_seq, id)
) WITHOUT ROWID;

CREATE TABLE workers (hostname TEXT PRIMARY KEY, last_seen REAL NOT NULL, doc TEXT NOT NULL) WITHOUT ROWID;

CREATE TABLE task_counts (field TEXT NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (field, key)) WITHOUT ROWID;

-- One row per run of Pollen on this history: from when it listened to when it was last heard writing.
-- The time between a run's last_heard and the next run's started_at is when Pollen was not listening.
CREATE TABLE runs (id INTEGER PRIMARY KEY, started_at REAL NOT NULL, last_heard REAL NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL);

-- The text index is built behind the rows, by the writer between its batches (sqlite-thread.ts): tasks
-- up to meta's text_upto are in it; searches read the newer ones row by row. Indexing a task's text costs
-- more than writing the task, and must not hold up the writes.
CREATE VIRTUAL TABLE task_text USING fts5(${TEXT_COLUMNS}, tokenize = 'trigram', content = '', contentless_delete = 1);
INSERT INTO meta (key, value) VALUES ('text_upto', '0');

CREATE TRIGGER tasks_inserted AFTER INSERT ON tasks BEGIN
    ${countStatements('NEW', 1)}
END;

CREATE TRIGGER tasks_recounted AFTER UPDATE OF state, name, worker, queue ON tasks
  WHEN OLD.state IS NOT NEW.state OR OLD.name IS NOT NEW.name OR OLD.worker IS NOT NEW.worker OR OLD.queue IS NOT NEW.queue BEGIN
    ${countStatements('OLD', -1)}
    ${countStatements('NEW', 1)}
END;

-- A task already in the text index whose text changes is indexed again at once.
CREATE TRIGGER tasks_retexted AFTER UPDATE OF name, args, kwargs, result, exception ON tasks
  WHEN (OLD.name IS NOT NEW.name OR OLD.args IS NOT NEW.args OR OLD.kwargs IS NOT NEW.kwargs OR OLD.result IS NOT NEW.result OR OLD.exception IS NOT NEW.exception)
    AND OLD.seq <= (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'text_upto') BEGIN
    DELETE FROM task_text WHERE rowid = OLD.seq;
    INSERT INTO task_text (rowid, ${TEXT_COLUMNS}) VALUES (NEW.seq, NEW.uuid, NEW.name, NEW.args, NEW.kwargs, NEW.result, NEW.exception);
END;

CREATE TRIGGER tasks_deleted AFTER DELETE ON tasks BEGIN
    ${countStatements('OLD', -1)}
    DELETE FROM task_text WHERE rowid = OLD.seq;
    DELETE FROM task_events WHERE task_seq = OLD.seq;
END;
`;

/** Counts of task events by the state they report, one column each (metrics/metric-types.ts COUNT_STATES). */
const ROLLUP_COLUMNS = `task TEXT NOT NULL,
  at INTEGER NOT NULL,
  sent INTEGER NOT NULL, received INTEGER NOT NULL, started INTEGER NOT NULL, succeeded INTEGER NOT NULL,
  failed INTEGER NOT NULL, retried INTEGER NOT NULL, revoked INTEGER NOT NULL, rejected INTEGER NOT NULL,
  runtime BLOB, wait BLOB, end_to_end BLOB,
  UNIQUE (task, at)`;

/**
 * The charts' past: task-event counts and latency sketches (metrics/sketch-codec.ts) per task name (''
 * is every task together) per minute (30 days) and per hour (a year), at the bucket's start in epoch
 * ms (rowid tables: a row of sketches is over a kilobyte, which WITHOUT ROWID would spill to overflow
 * pages, four times the bytes on disk); workers' online periods (Unix seconds, online_to null while online); queue lengths per minute
 * (the last reading and the largest).
 */
const V2 = `
CREATE TABLE rollup_minutes (${ROLLUP_COLUMNS});
CREATE INDEX rollup_minutes_at ON rollup_minutes (at);
CREATE TABLE rollup_hours (${ROLLUP_COLUMNS});
CREATE INDEX rollup_hours_at ON rollup_hours (at);
CREATE TABLE worker_periods (hostname TEXT NOT NULL, online_from REAL NOT NULL, online_to REAL, PRIMARY KEY (hostname, online_from)) WITHOUT ROWID;
CREATE INDEX worker_periods_open ON worker_periods (hostname) WHERE online_to IS NULL;
CREATE TABLE queue_lengths (queue TEXT NOT NULL, at INTEGER NOT NULL, length INTEGER NOT NULL, max_length INTEGER NOT NULL, PRIMARY KEY (queue, at)) WITHOUT ROWID;
CREATE INDEX queue_lengths_at ON queue_lengths (at);
`;

/**
 * The text index keeps which tasks hold a trigram, not where (detail=none): a quarter of the bytes (939
 * a task with positions, 215 without, on the benchmark's tasks) and faster to build. A search then asks
 * for all of a term's trigrams rather than their phrase, a superset of the substring, and the exact match
 * decides as it always did (history-filter.ts). The index is made again from the rows, behind them.
 */
const V3 = `
DROP TABLE task_text;
CREATE VIRTUAL TABLE task_text USING fts5(${TEXT_COLUMNS}, tokenize = 'trigram', content = '', contentless_delete = 1, detail = none);
UPDATE meta SET value = '0' WHERE key = 'text_upto';
`;

/** How far the text index reaches (meta's text_upto): tasks past it are searched row by row. */
export const TEXT_UPTO_KEY = 'text_upto';

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'tasks, their events, workers, counts, runs and text search', sql: V1 },
  { version: 2, description: 'metric rollups per minute and hour, worker online periods, queue lengths', sql: V2 },
  { version: 3, description: 'the text index without positions (detail=none), made again from the rows', sql: V3 },
];

export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1]?.version ?? 0;
