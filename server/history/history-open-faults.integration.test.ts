/**
 * Every way history can fail at start, met as a user meets it: `pollen --db …` exits 2 with one line that
 * names the file or URL and what is wrong, and leaves what was stored alone.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Child, startChild } from '@/test/harness/child';
import { freePort } from '@/test/harness/free-port';
import { type PostgresServer, startPostgres } from '@/test/harness/postgres-server';
import { SqliteHistory } from './sqlite-history';

const BIN = new URL('../cli/bin.mjs', import.meta.url).pathname;
const BROKER = 'redis://127.0.0.1:1/0';
const dir = mkdtempSync(join(tmpdir(), 'pollen-open-faults-'));
const isRoot = process.getuid?.() === 0;

/** Runs `pollen` to its exit (it must not start serving); as another user when `asUser` and root. */
async function pollen(args: string[], asUser: string | null = null): Promise<{ status: number | null; stderr: string }> {
  const port = await freePort();
  const command = asUser !== null && isRoot ? ['setpriv', `--reuid=${asUser}`, `--regid=${asUser}`, '--init-groups', process.execPath, BIN] : [process.execPath, BIN];
  const result = spawnSync(command[0] as string, [...command.slice(1), '--broker', BROKER, '--port', String(port), '--address', '127.0.0.1', ...args], {
    encoding: 'utf8',
    env: { ...process.env, CELERY_BROKER_URL: '', LOG_LEVEL: 'warn', HOME: dir },
    timeout: 60_000,
  });
  return { status: result.status, stderr: result.stderr };
}

/** A history as Pollen makes it (then closed), to break in each test. */
async function madeHistory(name: string): Promise<string> {
  const file = join(dir, name);
  await (await SqliteHistory.open(file)).close();
  return file;
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite history faults at start: exit 2 naming the file', () => {
  it('refuses a file that is not a database, and leaves it as it was', async () => {
    const file = join(dir, 'garbage.db');
    writeFileSync(file, 'these are not the pages you are looking for'.repeat(100));
    const before = readFileSync(file);
    const { status, stderr } = await pollen(['--db', file]);
    expect(status).toBe(2);
    expect(stderr).toContain(`pollen: history: ${file} is not a Pollen history: not an SQLite database, or corrupt`);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a corrupt history', async () => {
    const file = await madeHistory('corrupt.db');
    // The schema page overwritten: SQLite reads garbage where its tables should be.
    const bytes = readFileSync(file);
    bytes.fill(0x5a, 100, 4096);
    writeFileSync(file, bytes);
    const { status, stderr } = await pollen(['--db', file]);
    expect(status).toBe(2);
    expect(stderr).toMatch(new RegExp(`pollen: history: ${file} (is not a Pollen history|cannot be opened)`));
  });

  it('refuses a history locked by another process', async () => {
    const file = await madeHistory('locked.db');
    const other = new Database(file);
    other.exec('BEGIN EXCLUSIVE');
    try {
      const { status, stderr } = await pollen(['--db', file]);
      expect(status).toBe(2);
      expect(stderr).toContain(`pollen: history: ${file} is locked by another process`);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });

  it('refuses a history in use by another Pollen', async () => {
    const file = join(dir, 'in-use.db');
    const port = await freePort();
    const first: Child = startChild(process.execPath, [BIN, '--broker', BROKER, '--port', String(port), '--address', '127.0.0.1', '--db', file], { env: { ...process.env, LOG_LEVEL: 'info' } });
    try {
      await first.waitFor(/Pollen is running/, 120_000);
      // Its run is on disk after the first flush.
      await new Promise((r) => setTimeout(r, 1500));
      const { status, stderr } = await pollen(['--db', file]);
      expect(status).toBe(2);
      expect(stderr).toContain(`pollen: history: ${file} is in use by another Pollen (pid ${first.process.pid})`);
    } finally {
      await first.stop();
    }
  });

  it('refuses a history whose schema is newer than this Pollen', async () => {
    const file = await madeHistory('newer.db');
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    const { status, stderr } = await pollen(['--db', file]);
    expect(status).toBe(2);
    expect(stderr).toMatch(new RegExp(`pollen: history: ${file} was written by a newer Pollen \\(schema 99; this Pollen knows up to \\d+\\)`));
  });

  it('refuses a read-only history, and one it cannot read', async () => {
    const made = await madeHistory('readonly-source.db');
    const file = join(dir, 'readonly.db');
    copyFileSync(made, file);
    // Root writes anything: the user who cannot is another one (the postgres account the database tests use).
    if (isRoot) chownSync(dir, 0, 0);
    chmodSync(dir, 0o755);
    chmodSync(file, 0o444);
    const readOnly = await pollen(['--db', file], 'postgres');
    expect(readOnly.status).toBe(2);
    expect(readOnly.stderr).toMatch(new RegExp(`pollen: history: ${file} (is read-only|cannot be opened)`));
    chmodSync(file, 0o000);
    const unreadable = await pollen(['--db', file], 'postgres');
    expect(unreadable.status).toBe(2);
    expect(unreadable.stderr).toContain(`pollen: history: ${file} cannot be opened`);
  });

  it('refuses a data directory it cannot make', async () => {
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, '');
    const { status, stderr } = await pollen(['--db', join(file, 'history.db')]);
    expect(status).toBe(2);
    expect(stderr).toContain(`pollen: history: cannot make the directory ${file}`);
  });
});

describe('PostgreSQL history faults at start: exit 2 naming the URL, never the password', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
    await server.createDatabase('pollen');
  });
  afterAll(async () => server?.destroy());

  it('refuses a wrong password', async () => {
    const url = server.url('pollen').replace(':pollen-test@', ':not-the-password@');
    const { status, stderr } = await pollen(['--db', url]);
    expect(status).toBe(2);
    expect(stderr).toContain('pollen: history: PostgreSQL at postgresql://pollen@127.0.0.1:');
    expect(stderr).toMatch(/password/i);
    expect(stderr).not.toContain('not-the-password');
  });

  it('refuses an unreachable server', async () => {
    const port = await freePort();
    const { status, stderr } = await pollen(['--db', `postgresql://pollen:secret@127.0.0.1:${port}/pollen`]);
    expect(status).toBe(2);
    expect(stderr).toContain(`pollen: history: PostgreSQL at postgresql://pollen@127.0.0.1:${port}/pollen is unreachable`);
    expect(stderr).not.toContain('secret');
  });

  it('refuses a database that does not exist', async () => {
    const { status, stderr } = await pollen(['--db', server.url('nowhere')]);
    expect(status).toBe(2);
    expect(stderr).toMatch(/nowhere/);
  });
});
