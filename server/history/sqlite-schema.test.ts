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
});
