/**
 * A thread that owns connections to SQLite histories: better-sqlite3 is synchronous, so every statement
 * runs here, never on the event loop that ingests events and serves pages. The process has two
 * (sqlite-history.ts): the writer's connections migrate the schema and write each batch in one
 * transaction; the reader's read, which WAL lets them do while the writer writes. A server holds one
 * history; tests hold many, and share the two threads.
 *
 * Requests come as messages and each gets one answer; a failure answers with SQLite's code (SQLITE_FULL,
 * SQLITE_BUSY, ...) and never ends the thread, so the next batch can try again.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION, TEXT_COLUMNS, TEXT_UPTO_KEY } from './sqlite-schema';
import type { ThreadAnswer, ThreadRequest } from './sqlite-thread-protocol';
import { eventRowsOf } from './event-row';
import type { WriteBatch } from './write-batch';
import { matchesTask } from '@/lib/search/search-match';
import type { SearchQuery } from '@/lib/search/search-query';
import { SEARCH_FUNCTION } from './history-filter';
import { KEPT_WHEN_RETURNING, TASK_COLUMNS } from './task-row';

const { role } = workerData as { readonly role: 'writer' | 'reader' };
const port = parentPort;
if (port === null) throw new Error('sqlite-thread runs as a worker thread');

/**
 * The writer yields the CPU to ingest. History is written behind: a burst it cannot keep up with piles up
 * (within durable-task-store.ts's bounds) and is written once the burst has passed, whereas Redis drops an
 * event subscriber that falls behind. In the ingest benchmark at 125 000 batched events/s a writer at the
 * process's priority lost 19 % of the events, at +10 none in one run and 17 % in the next; at the lowest
 * priority (19) it takes only CPU that nothing else wants, and still gets a share of a busy machine's.
 * Linux gives each thread its own nice value (elsewhere it would be the whole process's, so it is left
 * alone there).
 */
const WRITER_NICE = 19;
if (role === 'writer' && process.platform === 'linux') {
  try {
    setPriority(WRITER_NICE);
  } catch {
    // Not permitted here: the writer runs at the process's priority.
  }
}

type Statements = Record<'task' | 'event' | 'worker' | 'run' | 'minute' | 'hour' | 'period' | 'queue' | 'pruneMinutes' | 'pruneHours' | 'pruneQueues', Database.Statement>;

interface Connection {
  readonly db: Database.Database;
  statements: Statements | null;
  text: TextStatements | null;
  /** The newest arrival number each recent batch wrote, and when (oldest first): which tasks have settled. */
  readonly written: { at: number; seq: number }[];
  /** A round of text indexing is waiting for its turn (indexText). */
  indexing: boolean;
  closed: boolean;
  readonly textSettleMs: number;
}

type TextStatements = Record<'upto' | 'last' | 'index' | 'mark', Database.Statement>;

/**
 * Tasks indexed in one transaction (a few tens of ms: a write that comes meanwhile waits no longer), and
 * the time the writer gives the text index after each batch.
 */
const TEXT_SLICE = 500;
const TEXT_BUDGET_MS = 100;
/**
 * A task's text is indexed once it was first seen this long ago: most tasks have ended by then, so their
 * text (result, exception) is final and indexed once. A task indexed and then changed is indexed again
 * by a trigger (tasks_retexted), which costs an index delete and insert for every write of it.
 */
const TEXT_SETTLE_MS = 10_000;

/** The newest arrival number of the tasks first seen the settling time ago or earlier. */
function settledSeq(connected: Connection): number {
  const written = connected.written;
  const before = performance.now() - connected.textSettleMs;
  while (written.length > 1 && (written[1] as { at: number }).at <= before) written.shift();
  const oldest = written[0];
  return oldest !== undefined && oldest.at <= before ? oldest.seq : 0;
}

/**
 * Builds the text index behind the rows (sqlite-schema.ts, task_text): the settled tasks past its mark,
 * a slice at a time, for at most TEXT_BUDGET_MS after a batch, yielding between slices so that a write
 * never waits behind more than one. A flood of tasks outruns it and searches read the newest row by row
 * meanwhile; it catches up once the writes slow down.
 */
function indexText(connected: Connection, until: number): void {
  connected.indexing = false;
  if (connected.closed) return;
  const conn = connected.db;
  const text = (connected.text ??= {
    upto: conn.prepare(`SELECT CAST(value AS INTEGER) AS v FROM meta WHERE key = '${TEXT_UPTO_KEY}'`),
    last: conn.prepare(`SELECT max(seq) AS v FROM (SELECT seq FROM tasks WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ${TEXT_SLICE})`),
    index: conn.prepare(`INSERT INTO task_text (rowid, ${TEXT_COLUMNS}) SELECT seq, ${TEXT_COLUMNS} FROM tasks WHERE seq > ? AND seq <= ?`),
    mark: conn.prepare(`UPDATE meta SET value = ? WHERE key = '${TEXT_UPTO_KEY}'`),
  });
  try {
    const from = Number((text.upto.get() as { v: number | bigint }).v);
    const to = (text.last.get(from, settledSeq(connected)) as { v: number | bigint | null }).v;
    if (to === null) return;
    conn.transaction(() => {
      text.index.run(from, to);
      text.mark.run(String(to));
    }).immediate();
  } catch {
    // Full or busy: the text index waits for the next batch; the rows are written.
    return;
  }
  if (performance.now() < until) scheduleText(connected, until);
}

function scheduleText(connected: Connection, until: number): void {
  if (connected.indexing) return;
  connected.indexing = true;
  setImmediate(() => indexText(connected, until));
}

const connections = new Map<number, Connection>();

/**
 * A task's row is keyed by its id. The same record writes over its own row; a task evicted from memory
 * that comes back (a late event) is a new record with a new arrival number, and writes into the row it
 * had, keeping that row's number and what the new record does not know.
 */
const UPSERT_TASK = `INSERT INTO tasks (${TASK_COLUMNS.join(', ')}) VALUES (${TASK_COLUMNS.map(() => '?').join(', ')})
  ON CONFLICT (uuid) DO UPDATE SET ${TASK_COLUMNS.filter((c) => c !== 'seq' && c !== 'uuid')
    .map((c) => (KEPT_WHEN_RETURNING.has(c) ? `${c} = CASE WHEN excluded.seq = tasks.seq THEN excluded.${c} ELSE coalesce(excluded.${c}, tasks.${c}) END` : `${c} = excluded.${c}`))
    .join(', ')}
  RETURNING seq`;

const ROLLUP = (table: string) => `INSERT OR REPLACE INTO ${table} (task, at, sent, received, started, succeeded, failed, retried, revoked, rejected, runtime, wait, end_to_end) VALUES (${new Array(13).fill('?').join(', ')})`;
/** Pruning takes the oldest slice only (at most this much time of rows a flush), so it never holds the writer long. */
const PRUNE_SLICE_MS = { minutes: 5 * 60_000, hours: 5 * 3_600_000 };
const PRUNE = (table: string, sliceMs: number) => `DELETE FROM ${table} WHERE at < min(?, (SELECT min(at) FROM ${table}) + ${sliceMs})`;

function open(conn: number, file: string, textSettleMs = TEXT_SETTLE_MS): { schemaVersion: number; created: boolean } {
  const opened = new Database(file, { readonly: role === 'reader', fileMustExist: role === 'reader', timeout: 2000 });
  connections.set(conn, { db: opened, statements: null, text: null, written: [], indexing: false, closed: false, textSettleMs });
  if (role === 'reader') {
    // 16 MB: the pages a read needs past the indexes' upper levels are in the OS's cache anyway. At
    // 10 000 000 tasks 64 MB held 50 MB more of the process's memory (over the 500 MB it should keep to)
    // and saved little: one page in the store benchmark's 89 went from 65 to 46 ms.
    opened.pragma('cache_size = -16384');
    registerSearch(opened);
    return { schemaVersion: Number(opened.pragma('user_version', { simple: true })), created: false };
  }
  // Touches the file first: a file that is not a database fails here, before anything is written.
  const version = Number(opened.pragma('user_version', { simple: true }));
  if (version > SQLITE_SCHEMA_VERSION) return { schemaVersion: version, created: false };
  opened.pragma('journal_mode = WAL');
  // WAL with NORMAL: a commit is durable against a crash of Pollen (kill -9), and the file is never
  // corrupted; only a power loss may take back the last commits.
  opened.pragma('synchronous = NORMAL');
  opened.pragma('cache_size = -32768');
  // The statement journal (an upsert with triggers may have to undo itself alone) in memory: in a temporary
  // file it cost the writer half its time in write() calls, one per page an upsert touched.
  opened.pragma('temp_store = MEMORY');
  for (const migration of SQLITE_MIGRATIONS) {
    if (migration.version <= version) continue;
    opened.transaction(() => {
      opened.exec(migration.sql);
      opened.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  // A write lock held elsewhere (another process in a write transaction) is found now, not at the first flush.
  opened.transaction(() => undefined).immediate();
  opened.pragma('busy_timeout = 10000');
  // The planner's statistics (which filter is selective, which sort's index to walk) kept fresh: SQLite's
  // own advice, at open and then hourly; a quick sampled ANALYZE only where tables changed enough.
  opened.pragma('optimize = 0x10002');
  // What an earlier run wrote has settled.
  const stored = opened.prepare('SELECT max(seq) AS v FROM tasks').get() as { v: number | bigint | null };
  (connections.get(conn) as Connection).written.push({ at: -Infinity, seq: Number(stored.v ?? 0) });
  return { schemaVersion: Number(opened.pragma('user_version', { simple: true })), created: version === 0 };
}

/**
 * The search engine (lib/search) as an SQL function, so history matches a search exactly as memory does.
 * A page's query is one search: it is parsed from JSON once, not per row.
 */
function registerSearch(conn: Database.Database): void {
  let last: { json: string; query: SearchQuery } | null = null;
  conn.function(SEARCH_FUNCTION, { deterministic: true }, (json: unknown, uuid: unknown, name: unknown, state: unknown, worker: unknown, args: unknown, kwargs: unknown, result: unknown, exception: unknown) => {
    if (last === null || last.json !== json) last = { json: String(json), query: JSON.parse(String(json)) as SearchQuery };
    const text = (v: unknown) => (typeof v === 'string' ? v : null);
    const task = { uuid: String(uuid), name: text(name), state: String(state), worker: text(worker), args: text(args), kwargs: text(kwargs), result: text(result), exception: text(exception) };
    return matchesTask(last.query, task) ? 1 : 0;
  });
}

function connection(conn: number): Connection {
  const found = connections.get(conn);
  if (found === undefined) throw Object.assign(new Error('the history is closed'), { code: 'CLOSED' });
  return found;
}

function write(connected: Connection, batch: WriteBatch): { stored: number } {
  const conn = connected.db;
  connected.statements ??= {
    task: conn.prepare(UPSERT_TASK),
    event: conn.prepare('INSERT OR IGNORE INTO task_events (task_seq, id, type, timestamp, hostname, received_at, fields) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    worker: conn.prepare('INSERT INTO workers (hostname, last_seen, doc) VALUES (?, ?, ?) ON CONFLICT (hostname) DO UPDATE SET last_seen = excluded.last_seen, doc = excluded.doc'),
    run: conn.prepare('INSERT INTO runs (id, started_at, last_heard, pid, host) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET last_heard = excluded.last_heard'),
    minute: conn.prepare(ROLLUP('rollup_minutes')),
    hour: conn.prepare(ROLLUP('rollup_hours')),
    period: conn.prepare('INSERT INTO worker_periods (hostname, online_from, online_to) VALUES (?, ?, ?) ON CONFLICT (hostname, online_from) DO UPDATE SET online_to = excluded.online_to'),
    queue: conn.prepare('INSERT OR REPLACE INTO queue_lengths (queue, at, length, max_length) VALUES (?, ?, ?, ?)'),
    pruneMinutes: conn.prepare(PRUNE('rollup_minutes', PRUNE_SLICE_MS.minutes)),
    pruneHours: conn.prepare(PRUNE('rollup_hours', PRUNE_SLICE_MS.hours)),
    pruneQueues: conn.prepare(PRUNE('queue_lengths', PRUNE_SLICE_MS.minutes)),
  };
  const { task, event, worker, run, minute, hour, period, queue } = connected.statements;
  const { pruneMinutes, pruneHours, pruneQueues } = connected.statements;
  conn.transaction(() => {
    // A task written into the row it had before (see UPSERT_TASK): its events go under that row's number.
    const moved = new Map<number, number>();
    for (const row of batch.tasks) {
      const stored = (task.get(row) as { seq: number | bigint }).seq;
      if (Number(stored) !== row[0]) moved.set(row[0] as number, Number(stored));
    }
    for (const row of eventRowsOf(batch.events)) {
      const seq = moved.get(row[0] as number);
      if (seq !== undefined) row[0] = seq;
      event.run(row);
    }
    for (const row of batch.workers) worker.run(row);
    if (batch.run !== null) run.run(batch.run);
    for (const row of batch.rollupMinutes) minute.run(row);
    for (const row of batch.rollupHours) hour.run(row);
    for (const row of batch.workerPeriods) period.run(row);
    for (const row of batch.queueLengths) queue.run(row);
    if (batch.prune !== null) {
      pruneMinutes.run(batch.prune[0]);
      pruneHours.run(batch.prune[1]);
      pruneQueues.run(batch.prune[2]);
    }
  }).immediate();
  let newest = 0;
  for (const row of batch.tasks) newest = Math.max(newest, row[0] as number);
  const last = connected.written[connected.written.length - 1];
  if (newest > (last?.seq ?? 0)) connected.written.push({ at: performance.now(), seq: newest });
  return { stored: batch.tasks.length };
}

function answer(request: ThreadRequest): unknown {
  switch (request.op) {
    case 'open':
      return open(request.conn, request.file, request.textSettleMs);
    case 'write': {
      const connected = connection(request.conn);
      const written = write(connected, request.batch);
      scheduleText(connected, performance.now() + TEXT_BUDGET_MS);
      return written;
    }
    case 'all':
      return connection(request.conn).db.prepare(request.sql).all(...request.params);
    case 'run': {
      const info = connection(request.conn).db.prepare(request.sql).run(...request.params);
      return { changes: info.changes };
    }
    case 'close': {
      const closing = connections.get(request.conn);
      if (closing !== undefined) {
        closing.closed = true;
        closing.db.close();
      }
      connections.delete(request.conn);
      return null;
    }
  }
}

/** An hour: statistics drift slowly, and each refresh reads a sample of every index. */
const OPTIMIZE_EVERY_MS = 3_600_000;
if (role === 'writer') {
  setInterval(() => {
    for (const { db } of connections.values()) {
      try {
        db.pragma('optimize');
      } catch {
        // Busy or full: the next hour tries again; writes report their own failures.
      }
    }
  }, OPTIMIZE_EVERY_MS).unref();
}

port.on('message', (request: ThreadRequest) => {
  let reply: ThreadAnswer;
  try {
    reply = { id: request.id, ok: true, value: answer(request) };
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    reply = { id: request.id, ok: false, code: typeof e.code === 'string' ? e.code : 'ERROR', message: String(e.message ?? err) };
  }
  port.postMessage(reply);
});
