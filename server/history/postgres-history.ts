/**
 * The PostgreSQL history: one database shared by several clusters (every row carries its cluster) and by
 * several Pollens, through `pg` (an async driver: no statement ever holds the event loop).
 *
 * Two small pools: one connection writes (batches are one transaction each, one after the other), and a
 * few read, with a statement timeout so a search that runs away is ended by the server. Both give up on
 * a server that does not answer within a few seconds, rather than hanging a start or a page.
 *
 * Opening checks what a start can trip on and says which URL (never its password) and what is wrong:
 * unreachable, a refused password, a missing database, a schema newer than this Pollen, pg_trgm that may
 * not be created. Migrations run under an advisory lock, so Pollens starting together migrate once.
 */
import pg from 'pg';
import { HistoryOpenError, type HistoryBackend } from './history-backend';
import type { Compiled, SqlReader } from './history-sql';
import { MIGRATION_LOCK, POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION } from './postgres-schema';
import { writeBatch } from './postgres-write';
import type { WriteBatch } from './write-batch';

/** Milliseconds to connect: a server that takes longer is taken as unreachable. */
export const CONNECT_TIMEOUT_MS = 5000;
/** Milliseconds a read may run on the server. */
const READ_TIMEOUT_MS = 30_000;
/** Milliseconds before a write is given up on (a wedged server): the write-behind then tries again. */
const WRITE_TIMEOUT_MS = 60_000;

/** BIGINT (seq, ids, counts) as numbers, as SQLite gives them: they stay far below 2^53. */
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser,
};

/** The URL without its password, for logs and messages. */
export function urlWithoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    parsed.searchParams.delete('password');
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1@').replace(/([?&]password=)[^&]*/i, '$1…');
  }
}

function passwordOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    const password = decodeURIComponent(parsed.password) || parsed.searchParams.get('password');
    return password === null || password === '' ? null : password;
  } catch {
    return null;
  }
}

function databaseOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.slice(1)) || 'postgres';
  } catch {
    return 'postgres';
  }
}

interface PgError {
  readonly code?: string;
  readonly message: string;
}

/** What went wrong, for the person starting Pollen. */
function openProblem(err: PgError, url: string): string {
  const database = databaseOf(url);
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'is unreachable: connection refused (is PostgreSQL running, on that host and port?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'is unreachable: its host name does not resolve';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
      return `is unreachable (${err.code})`;
    case '28P01':
      return 'refused the password: password authentication failed (check the user and password in --db or POLLEN_DB)';
    case '28000':
      return `refused the connection: ${err.message}`;
    case '3D000':
      return `has no database "${database}": create it (createdb ${database}) or point --db at an existing one`;
    case '42501':
      return `does not let this user create Pollen's tables (${err.message}): grant it CREATE on the database and its schema`;
    case '57P03':
      return 'is starting up or shutting down: try again in a moment';
    default:
      if (/timeout|timed out/i.test(err.message)) return `is unreachable: no answer within ${CONNECT_TIMEOUT_MS / 1000} s`;
      if (/password must be a string/i.test(err.message)) return 'asks for a password, and the URL gives none';
      return `cannot be opened (${err.code ?? 'error'}: ${err.message})`;
  }
}

/** A HistoryOpenError naming the URL without its password; the password never reaches the message. */
function openError(url: string, problem: string): HistoryOpenError {
  const password = passwordOf(url);
  const message = `PostgreSQL at ${urlWithoutPassword(url)} ${problem}`;
  return new HistoryOpenError(password === null ? message : message.split(password).join('…'));
}

class ExtensionError extends Error {
  constructor(readonly extension: string, override readonly cause: PgError) {
    super(cause.message);
  }
}

/** Applies the migrations this database lacks, under the migration lock; returns the version it had. */
async function migrate(client: pg.PoolClient): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
    const had = rows[0]?.version ?? 0;
    if (had <= POSTGRES_SCHEMA_VERSION) {
      for (const migration of POSTGRES_MIGRATIONS) {
        if (migration.version <= had) continue;
        for (const extension of migration.extensions) {
          try {
            await client.query(`CREATE EXTENSION IF NOT EXISTS ${client.escapeIdentifier(extension)}`);
          } catch (err) {
            throw new ExtensionError(extension, err as PgError);
          }
        }
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, description) VALUES ($1, $2)', [migration.version, migration.description]);
      }
    }
    await client.query('COMMIT');
    return had;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * A client out of its pool has no listener for a connection error between two queries (the server going
 * away): unheard, that error would end the process. It is heard here; the next query then fails and says so.
 * Returns how to give the client back, destroying it after a failure.
 */
function holdClient(client: pg.PoolClient): (destroy: boolean) => void {
  const heard = () => undefined;
  client.on('error', heard);
  return (destroy) => {
    client.off('error', heard);
    client.release(destroy);
  };
}

export class PostgresHistory implements HistoryBackend, SqlReader {
  readonly dialect = 'postgres' as const;

  private constructor(
    readonly where: string,
    readonly cluster: string,
    private readonly writer: pg.Pool,
    private readonly readers: pg.Pool,
    /** The schema version the database had before this start (0: this start made the tables). */
    readonly migratedFrom: number,
  ) {}

  /**
   * Connects to `url`, migrates its schema to this Pollen's, and keeps to `cluster`'s rows; throws
   * HistoryOpenError saying what is wrong.
   */
  static async open(url: string, cluster: string): Promise<PostgresHistory> {
    const where = urlWithoutPassword(url);
    const common: pg.PoolConfig = { connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'pollen', keepAlive: true, types };
    const writer = new pg.Pool({ ...common, max: 1, query_timeout: WRITE_TIMEOUT_MS, idle_in_transaction_session_timeout: WRITE_TIMEOUT_MS });
    const readers = new pg.Pool({ ...common, max: 3, statement_timeout: READ_TIMEOUT_MS, query_timeout: READ_TIMEOUT_MS + CONNECT_TIMEOUT_MS });
    // An idle connection the server drops (a restart, a network cut) is an 'error' on its pool: the pool
    // forgets it and the next query connects again, so there is nothing to do but not crash.
    writer.on('error', () => undefined);
    readers.on('error', () => undefined);
    try {
      let client: pg.PoolClient;
      try {
        client = await writer.connect();
      } catch (err) {
        throw openError(url, openProblem(err as PgError, url));
      }
      const release = holdClient(client);
      try {
        const had = await migrate(client).catch((err: unknown) => {
          if (err instanceof ExtensionError) {
            throw openError(
              url,
              `cannot get the ${err.extension} extension that history search needs (${err.cause.code ?? 'error'}: ${err.cause.message}): ask an administrator to run CREATE EXTENSION ${err.extension} in database "${databaseOf(url)}", or to grant this user CREATE on it`,
            );
          }
          throw openError(url, openProblem(err as PgError, url));
        });
        if (had > POSTGRES_SCHEMA_VERSION) {
          throw openError(url, `holds a history written by a newer Pollen (schema ${had}; this Pollen knows up to ${POSTGRES_SCHEMA_VERSION}): upgrade Pollen, or point --db elsewhere`);
        }
        return new PostgresHistory(where, cluster, writer, readers, had);
      } finally {
        release(false);
      }
    } catch (err) {
      await Promise.all([writer.end(), readers.end()]);
      throw err;
    }
  }

  async all<Row = Record<string, unknown>>(query: Compiled): Promise<Row[]> {
    const { rows } = await this.readers.query(query.sql, query.parameters as unknown[]);
    return rows as Row[];
  }

  /** Runs a statement on the writer's connection (retention, maintenance); answers the rows it changed. */
  async run(query: Compiled): Promise<number> {
    const { rowCount } = await this.writer.query(query.sql, query.parameters as unknown[]);
    return rowCount ?? 0;
  }

  async write(batch: WriteBatch): Promise<void> {
    const client = await this.writer.connect();
    const release = holdClient(client);
    try {
      await writeBatch(client, this.cluster, batch);
      release(false);
    } catch (err) {
      // The connection may be mid-transaction or broken: never hand it out again.
      release(true);
      throw err;
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.writer.end(), this.readers.end()]);
  }
}
