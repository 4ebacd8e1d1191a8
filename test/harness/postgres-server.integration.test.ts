/**
 * The PostgreSQL harness itself: a real Debian PostgreSQL 15 with password authentication, fresh
 * databases, pg_trgm, data kept across stop/start, and a pause that wedges open sessions.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresServer, startPostgres } from './postgres-server';

const connect = async (url: string, options: Partial<pg.ClientConfig> = {}): Promise<pg.Client> => {
  const client = new pg.Client({ connectionString: url, ...options });
  await client.connect();
  return client;
};

const settledWithin = <T>(promise: Promise<T>, ms: number): Promise<boolean> =>
  Promise.race([promise.then(() => true, () => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);

describe('PostgreSQL 15 harness', () => {
  let postgres: PostgresServer;

  beforeAll(async () => {
    const started = performance.now();
    postgres = await startPostgres();
    console.log(`PostgreSQL: initdb and start to ready in ${Math.round(performance.now() - started)} ms`);
  });

  afterAll(async () => {
    await postgres?.destroy();
  });

  it('answers over its URL, with the password, as PostgreSQL 15', async () => {
    expect(postgres.url()).toBe(`postgresql://pollen:pollen-test@127.0.0.1:${postgres.port}/postgres`);
    const client = await connect(postgres.url());
    try {
      const { rows } = await client.query<{ user: string; version: string; encoding: string }>(
        "SELECT current_user AS user, current_setting('server_version_num') AS version, pg_encoding_to_char(encoding) AS encoding FROM pg_database WHERE datname = current_database()",
      );
      expect(rows).toEqual([{ user: 'pollen', version: expect.stringMatching(/^15\d{4}$/), encoding: 'UTF8' }]);
    } finally {
      await client.end();
    }
  });

  it('refuses a wrong password (28P01)', async () => {
    const wrong = `postgresql://pollen:not-the-password@127.0.0.1:${postgres.port}/postgres`;
    await expect(connect(wrong)).rejects.toMatchObject({ code: '28P01' });
  });

  it('runs as the postgres user when the tests run as root', () => {
    const owner = statSync(join(postgres.directory, 'data')).uid;
    if (process.getuid?.() === 0) expect(owner).not.toBe(0);
    else expect(owner).toBe(process.getuid?.());
  });

  it('creates fresh empty databases', async () => {
    const first = await postgres.createDatabase('history_one');
    const second = await postgres.createDatabase('history_two');
    expect(first).toBe(postgres.url('history_one'));
    const one = await connect(first);
    const two = await connect(second);
    try {
      await one.query('CREATE TABLE tasks (id text PRIMARY KEY)');
      const { rows } = await two.query<{ db: string; tables: number }>(
        "SELECT current_database() AS db, (SELECT count(*)::int FROM information_schema.tables WHERE table_schema = 'public') AS tables",
      );
      expect(rows[0]).toEqual({ db: 'history_two', tables: 0 });
    } finally {
      await one.end();
      await two.end();
    }
  });

  it('has pg_trgm for trigram search', async () => {
    const client = await connect(await postgres.createDatabase('trigrams'));
    try {
      await client.query('CREATE EXTENSION pg_trgm');
      await client.query('CREATE TABLE tasks (name text)');
      await client.query('CREATE INDEX tasks_name_trgm ON tasks USING gin (name gin_trgm_ops)');
      await client.query("INSERT INTO tasks VALUES ('proj.tasks.add'), ('proj.tasks.mul')");
      const { rows } = await client.query<{ name: string }>("SELECT name FROM tasks WHERE name ILIKE '%s.ad%'");
      expect(rows).toEqual([{ name: 'proj.tasks.add' }]);
    } finally {
      await client.end();
    }
  });

  it('keeps its data across stop and start, on the same port', async () => {
    const url = await postgres.createDatabase('kept');
    const before = await connect(url);
    await before.query('CREATE TABLE tasks (id int PRIMARY KEY)');
    await before.query('INSERT INTO tasks SELECT generate_series(1, 100)');
    const errors: Error[] = [];
    before.on('error', (err) => errors.push(err));
    await postgres.stop();
    // Fast shutdown: the open session is ended (57P01, admin_shutdown), and nothing listens any more.
    expect(errors[0]).toMatchObject({ code: '57P01' });
    await expect(connect(url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await postgres.start();
    await expect(postgres.start()).rejects.toThrow(/running already/);
    const after = await connect(url);
    try {
      const { rows } = await after.query<{ count: number }>('SELECT count(*)::int AS count FROM tasks');
      expect(rows).toEqual([{ count: 100 }]);
    } finally {
      await after.end();
    }
  });

  it('keeps every acknowledged commit when killed, after crash recovery', async () => {
    const url = await postgres.createDatabase('crashed');
    const client = await connect(url);
    client.on('error', () => {}); // the session dies with the server
    await client.query('CREATE TABLE tasks (id int PRIMARY KEY)');
    await client.query('INSERT INTO tasks SELECT generate_series(1, 1000)');
    await postgres.kill();
    await postgres.start();
    expect(postgres.log()).toMatch(/database system was interrupted/);
    const after = await connect(url);
    try {
      const { rows } = await after.query<{ count: number }>('SELECT count(*)::int AS count FROM tasks');
      expect(rows).toEqual([{ count: 1000 }]);
    } finally {
      await after.end();
      await client.end().catch(() => {});
    }
  });

  it('pause wedges open sessions and new connections; resume lets them finish', async () => {
    const open = await connect(postgres.url());
    try {
      postgres.pause();
      const query = open.query<{ answer: number }>('SELECT 42 AS answer');
      const connecting = connect(postgres.url());
      expect(await settledWithin(query, 1500)).toBe(false);
      expect(await settledWithin(connecting, 10)).toBe(false);
      postgres.resume();
      expect((await query).rows).toEqual([{ answer: 42 }]);
      await (await connecting).end();
    } finally {
      postgres.resume();
      await open.end();
    }
  });

  it('destroy removes its folder for good', async () => {
    await postgres.destroy();
    expect(existsSync(postgres.directory)).toBe(false);
    await expect(postgres.start()).rejects.toThrow(/destroyed/);
  });
});
