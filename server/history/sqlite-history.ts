/**
 * The SQLite history: one file per cluster, written by one thread and read by another (sqlite-thread.ts),
 * so neither a slow disk nor a long search ever holds the event loop.
 *
 * Opening it checks everything a start can trip on, and says which file and what is wrong: a file that
 * is not a database (or is corrupt), one that cannot be opened or written, one locked by another
 * process or in use by another Pollen, one whose schema is newer than this Pollen.
 */
import { hostname } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Compiled, SqlReader } from './history-sql';
import { HistoryOpenError, type HistoryBackend } from './history-backend';
import { SQLITE_SCHEMA_VERSION } from './sqlite-schema';
import type { ThreadAnswer, ThreadRequestBody } from './sqlite-thread-protocol';
import { threadScript } from './sqlite-thread-script';
import type { WriteBatch } from './write-batch';

/** Seconds: a run of Pollen heard from this recently still holds the file. */
const IN_USE_WITHIN = 15;

/** What SQLite's error codes mean for the person starting Pollen. */
function openProblem(code: string, message: string): string {
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) return 'is not a Pollen history: not an SQLite database, or corrupt';
  if (code.startsWith('SQLITE_CANTOPEN')) return 'cannot be opened: check that its directory exists and that Pollen may read and write there';
  if (code.startsWith('SQLITE_READONLY')) return 'is read-only: Pollen must be able to write its history';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'is locked by another process';
  if (code === 'SQLITE_FULL') return 'cannot be written: the disk is full';
  if (code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_AUTH')) return 'cannot be opened: permission denied';
  return `cannot be opened (${code}: ${message})`;
}

/**
 * One of the process's two SQLite threads. It holds the event loop open only while a request waits, so
 * a script that is done can end.
 */
class SqliteThread {
  /** Started once its script is ready (sqlite-thread-script.ts); requests wait for it. */
  private readonly worker: Promise<Worker>;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  private exited: Error | null = null;

  constructor(role: 'writer' | 'reader') {
    this.worker = threadScript().then((script) => {
      const worker = new Worker(script.code, { eval: script.eval, workerData: { role } });
      if (this.waiting.size === 0) worker.unref();
      worker.on('message', (answer: ThreadAnswer) => {
        const waiter = this.waiting.get(answer.id);
        if (waiter === undefined) return;
        this.waiting.delete(answer.id);
        if (this.waiting.size === 0) worker.unref();
        if (answer.ok) waiter.resolve(answer.value);
        else waiter.reject(Object.assign(new Error(answer.message), { code: answer.code }));
      });
      const fail = (err: Error) => {
        this.exited = err;
        for (const waiter of this.waiting.values()) waiter.reject(err);
        this.waiting.clear();
        threads.delete(role);
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(Object.assign(new Error(`the SQLite ${role} thread exited (${code})`), { code: 'THREAD_EXIT' })));
      return worker;
    });
    // A thread that cannot start fails each request (below), not the process.
    this.worker.catch(() => undefined);
  }

  request<T>(conn: number, request: ThreadRequestBody): Promise<T> {
    if (this.exited !== null) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.then(
        (worker) => {
          if (!this.waiting.has(id)) return;
          worker.ref();
          worker.postMessage({ ...request, id, conn });
        },
        (err: Error) => {
          if (this.waiting.delete(id)) reject(err);
        },
      );
    });
  }
}

const threads = new Map<'writer' | 'reader', SqliteThread>();
let nextConnection = 1;

/** A connection to one history file on one of the two threads. */
class SqliteConnection {
  private readonly conn = nextConnection++;
  private readonly thread: SqliteThread;

  constructor(role: 'writer' | 'reader') {
    let thread = threads.get(role);
    if (thread === undefined) {
      thread = new SqliteThread(role);
      threads.set(role, thread);
    }
    this.thread = thread;
  }

  request<T>(request: ThreadRequestBody): Promise<T> {
    return this.thread.request<T>(this.conn, request);
  }

  async close(): Promise<void> {
    await this.request({ op: 'close' }).catch(() => undefined);
  }
}

export class SqliteHistory implements HistoryBackend, SqlReader {
  readonly dialect = 'sqlite' as const;
  readonly cluster = null;

  private constructor(
    readonly where: string,
    private readonly writer: SqliteConnection,
    private readonly reader: SqliteConnection,
    /** Whether this start made the file. */
    readonly created: boolean,
  ) {}

  /**
   * Opens (or makes) the history in `file`; throws HistoryOpenError saying what is wrong with it.
   * `textSettleMs`: how long after a task was first seen its text is indexed (sqlite-thread.ts).
   */
  static async open(file: string, options: { readonly textSettleMs?: number } = {}): Promise<SqliteHistory> {
    const writer = new SqliteConnection('writer');
    let reader: SqliteConnection | null = null;
    try {
      const opened = await writer.request<{ schemaVersion: number; created: boolean }>({ op: 'open', file, ...options }).catch((err: { code?: string; message: string }) => {
        throw new HistoryOpenError(`${file} ${openProblem(err.code ?? 'ERROR', err.message)}`);
      });
      if (opened.schemaVersion > SQLITE_SCHEMA_VERSION) {
        throw new HistoryOpenError(`${file} was written by a newer Pollen (schema ${opened.schemaVersion}; this Pollen knows up to ${SQLITE_SCHEMA_VERSION}): upgrade Pollen, or point --db elsewhere`);
      }
      const runs = await writer.request<{ pid: number; host: string; last_heard: number }[]>({ op: 'all', sql: 'SELECT pid, host, last_heard FROM runs ORDER BY id DESC LIMIT 1', params: [] });
      const last = runs[0];
      if (last !== undefined && last.host === hostname() && last.pid !== process.pid && Date.now() / 1000 - last.last_heard < IN_USE_WITHIN && processAlive(last.pid)) {
        throw new HistoryOpenError(`${file} is in use by another Pollen (pid ${last.pid}): two Pollens must not write one SQLite history; use PostgreSQL to share one`);
      }
      reader = new SqliteConnection('reader');
      await reader.request({ op: 'open', file }).catch((err: { code?: string; message: string }) => {
        throw new HistoryOpenError(`${file} ${openProblem(err.code ?? 'ERROR', err.message)}`);
      });
      return new SqliteHistory(file, writer, reader, opened.created);
    } catch (err) {
      await writer.close();
      await reader?.close();
      throw err;
    }
  }

  all<Row = Record<string, unknown>>(query: Compiled): Promise<Row[]> {
    return this.reader.request<Row[]>({ op: 'all', sql: query.sql, params: query.parameters });
  }

  /** Runs a statement on the writer's connection (retention, maintenance). */
  async run(query: Compiled): Promise<number> {
    const { changes } = await this.writer.request<{ changes: number }>({ op: 'run', sql: query.sql, params: query.parameters });
    return changes;
  }

  /**
   * The file's pages in use: free pages (left by deletes) are not counted, as new rows fill them before
   * the file grows. Read on the reader, which sees the last commit through WAL.
   */
  async usedBytes(): Promise<number> {
    const [row] = await this.reader.request<{ bytes: number }[]>({
      op: 'all',
      sql: 'SELECT (page_count - freelist_count) * page_size AS bytes FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()',
      params: [],
    });
    return Number(row?.bytes ?? 0);
  }

  async write(batch: WriteBatch): Promise<void> {
    await this.writer.request({ op: 'write', batch });
  }

  /**
   * The reader first: the last connection to close checkpoints the WAL into the file and removes it, and
   * only the writer's may, so a clean stop leaves one file whole on its own.
   */
  async close(): Promise<void> {
    await this.reader.close();
    await this.writer.close();
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}
