/**
 * Each migration from the schema before it: a file made by the earlier migrations alone, with rows in
 * it, opened by this Pollen, keeps its rows and gains the new tables.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION } from './sqlite-schema';
import { SqliteHistory } from './sqlite-history';
import { batchOf, task } from './history-test-tasks';
import { compilingDb } from './history-sql';

const dir = mkdtempSync(join(tmpdir(), 'pollen-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file at schema `version`, made by the migrations up to it. */
function fileAt(version: number, name: string): string {
  const file = join(dir, name);
  const db = new Database(file);
  for (const migration of SQLITE_MIGRATIONS.filter((m) => m.version <= version)) {
    db.exec(migration.sql);
    db.pragma(`user_version = ${migration.version}`);
  }
  db.close();
  return file;
}

describe('SQLite schema migrations', () => {
  it('migrates a v1 file to v2 keeping its tasks, events, workers, counts and runs', async () => {
    const file = fileAt(1, 'v1.db');
    const v1 = new Database(file);
    v1.prepare("INSERT INTO tasks (seq, uuid, state, name, timestamp, doc) VALUES (1, 'a-1', 'SUCCESS', 'app.add', 10, '{}')").run();
    v1.prepare("INSERT INTO task_events (task_seq, id, type, timestamp) VALUES (1, 1, 'task-succeeded', 10)").run();
    v1.prepare("INSERT INTO workers (hostname, last_seen, doc) VALUES ('w1@h', 9, '{}')").run();
    v1.prepare("INSERT INTO runs (id, started_at, last_heard, pid, host) VALUES (1, 1, 2, 1, 'elsewhere')").run();
    const epoch = (v1.prepare("SELECT value FROM meta WHERE key = 'id'").get() as { value: string }).value;
    v1.close();

    const history = await SqliteHistory.open(file);
    await history.close();

    const v2 = new Database(file, { readonly: true });
    expect(v2.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    expect(SQLITE_SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
    expect(v2.prepare('SELECT uuid, state, name FROM tasks').all()).toEqual([{ uuid: 'a-1', state: 'SUCCESS', name: 'app.add' }]);
    expect(v2.prepare('SELECT type FROM task_events').all()).toEqual([{ type: 'task-succeeded' }]);
    expect(v2.prepare('SELECT hostname FROM workers').all()).toEqual([{ hostname: 'w1@h' }]);
    expect(v2.prepare("SELECT n FROM task_counts WHERE field = 'total'").get()).toEqual({ n: 1 });
    expect(v2.prepare('SELECT count(*) AS n FROM runs').get()).toEqual({ n: 1 });
    expect(v2.prepare("SELECT value FROM meta WHERE key = 'id'").get()).toEqual({ value: epoch });
    // The new tables are there and empty.
    for (const table of ['rollup_minutes', 'rollup_hours', 'worker_periods', 'queue_lengths']) {
      expect(v2.prepare(`SELECT count(*) AS n FROM ${table}`).get()).toEqual({ n: 0 });
    }
    v2.close();
  });

  it('migrates a v2 file to v3: a text index without positions, made again from the rows, that finds them', async () => {
    const file = fileAt(2, 'v2.db');
    const v2 = new Database(file);
    v2.prepare("INSERT INTO tasks (seq, uuid, state, name, args, timestamp, doc) VALUES (1, 'a-1', 'SUCCESS', 'app.add', '(\"needle\",)', 10, '{}')").run();
    v2.prepare("INSERT INTO task_text (rowid, uuid, name, args) VALUES (1, 'a-1', 'app.add', '(\"needle\",)')").run();
    v2.prepare("UPDATE meta SET value = '1' WHERE key = 'text_upto'").run();
    v2.close();

    const history = await SqliteHistory.open(file, { textSettleMs: 0 });
    const upto = async () => Number((await history.all<{ value: string }>(compilingDb('sqlite').selectFrom('meta').select('value').where('key', '=', 'text_upto').compile()))[0]?.value);
    expect(await upto()).toBe(0);
    // The next batch gives the writer time to index what the file holds.
    await history.write(batchOf([task(2, 'a-2')]));
    await expect.poll(upto).toBe(2);
    await history.close();

    const v3 = new Database(file, { readonly: true });
    expect(v3.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    expect((v3.prepare("SELECT sql FROM sqlite_schema WHERE name = 'task_text'").get() as { sql: string }).sql).toContain('detail = none');
    expect(v3.prepare(`SELECT rowid FROM task_text WHERE task_text MATCH '"nee" AND "eed" AND "edl" AND "dle"'`).all()).toEqual([{ rowid: 1 }]);
    v3.close();
  });
});
