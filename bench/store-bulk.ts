/**
 * The `store` benchmark's bulk load: what an operator does to load millions of rows, and what the issue
 * asks of the benchmark ("written by the benchmark in bulk"). The tasks' secondary indexes (and, in
 * SQLite, the triggers that keep counts and the text index) are set aside while the rows go through the
 * real write path, then made again from the very statements the schema made them with, each timed; the
 * counts and the text index are then made in one pass each. The schema is the same after as before.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { TEXT_COLUMNS, TEXT_UPTO_KEY } from '@/server/history/sqlite-schema';

/** What was set aside: the statements that make it again. */
export interface SetAside {
  readonly statements: readonly { readonly name: string; readonly sql: string }[];
}

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

/** Drops the SQLite history's secondary indexes and triggers on `tasks` (not its id's uniqueness, which upserts need). */
export function setAsideSqlite(file: string): SetAside {
  const db = new Database(file);
  try {
    const rows = db.prepare(`SELECT type, name, sql FROM sqlite_schema WHERE tbl_name = 'tasks' AND type IN ('index', 'trigger') AND sql IS NOT NULL`).all() as { type: string; name: string; sql: string }[];
    db.transaction(() => {
      for (const row of rows) db.exec(`DROP ${row.type === 'index' ? 'INDEX' : 'TRIGGER'} ${row.name}`);
    })();
    return { statements: rows.map(({ name, sql }) => ({ name, sql })) };
  } finally {
    db.close();
  }
}

/** Makes again what setAsideSqlite dropped, then the counts the triggers keep and the text index; says how long each took. */
export function restoreSqlite(file: string, aside: SetAside): string {
  const db = new Database(file);
  const times: string[] = [];
  try {
    db.pragma('journal_mode = WAL');
    // Sorting the index entries of 10 000 000 tasks in memory rather than in temporary files.
    db.pragma('temp_store = MEMORY');
    db.pragma('cache_size = -1048576');
    for (const { name, sql } of aside.statements) {
      const started = performance.now();
      db.exec(sql);
      if (!sql.startsWith('CREATE TRIGGER')) times.push(`${name} ${seconds(started)} s`);
    }
    let started = performance.now();
    db.transaction(() => {
      db.exec('DELETE FROM task_counts');
      db.exec(`INSERT INTO task_counts (field, key, n) SELECT 'total', '', count(*) FROM tasks`);
      for (const field of ['state', 'name', 'worker', 'queue']) {
        db.exec(`INSERT INTO task_counts (field, key, n) SELECT '${field}', ${field}, count(*) FROM tasks WHERE ${field} IS NOT NULL GROUP BY ${field}`);
      }
    })();
    times.push(`counts ${seconds(started)} s`);
    started = performance.now();
    buildTextIndex(db);
    times.push(`text index ${seconds(started)} s`);
    started = performance.now();
    // Statistics from a sample of each index, as the server's own `PRAGMA optimize` gathers them: a full
    // ANALYZE reads every index of 10 000 000 tasks through a WAL of gigabytes.
    db.pragma('analysis_limit = 1000');
    db.exec('ANALYZE');
    times.push(`ANALYZE ${seconds(started)} s`);
    return times.join(', ');
  } finally {
    db.close();
  }
}

/** Tasks a transaction of the text index's bulk build holds: each commit lets the WAL be checkpointed. */
const TEXT_SLICE = 200_000;

/**
 * The text index past its mark, in one pass of slices. One transaction for 10 000 000 tasks grew a WAL
 * of gigabytes, through which every page read went: it had not ended after half an hour.
 */
export function buildTextIndex(db: Database.Database): void {
  const upto = Number((db.prepare(`SELECT value FROM meta WHERE key = '${TEXT_UPTO_KEY}'`).get() as { value: string }).value);
  const last = Number((db.prepare('SELECT max(seq) AS v FROM tasks').get() as { v: number | null }).v ?? 0);
  const index = db.prepare(`INSERT INTO task_text (rowid, ${TEXT_COLUMNS}) SELECT seq, ${TEXT_COLUMNS} FROM tasks WHERE seq > ? AND seq <= ?`);
  const mark = db.prepare(`UPDATE meta SET value = ? WHERE key = '${TEXT_UPTO_KEY}'`);
  for (let from = upto; from < last; from += TEXT_SLICE) {
    const to = Math.min(last, from + TEXT_SLICE);
    db.transaction(() => {
      index.run(from, to);
      mark.run(String(to));
    })();
  }
}

/** The PostgreSQL history's secondary indexes on `tasks`, dropped (not those of its keys). Its triggers count per statement and stay. */
export async function setAsidePostgres(url: string): Promise<SetAside> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; sql: string }>(
      `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS sql FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE i.indrelid = 'tasks'::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)`,
    );
    for (const row of rows) await client.query(`DROP INDEX ${row.name}`);
    return { statements: rows };
  } finally {
    await client.end();
  }
}

export async function restorePostgres(url: string, aside: SetAside): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const times: string[] = [];
  try {
    await client.query(`SET maintenance_work_mem = '1GB'`);
    for (const { name, sql } of aside.statements) {
      const started = performance.now();
      await client.query(sql);
      times.push(`${name} ${seconds(started)} s`);
    }
    return times.join(', ');
  } finally {
    await client.end();
  }
}
