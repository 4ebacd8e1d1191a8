/**
 * `kill -9` during heavy ingest, on SQLite and on PostgreSQL: `pollen` (the CLI) takes a flood of task
 * events from a real redis-server and is killed mid-flood. History is not corrupted, it holds every task
 * whose events were published a flush interval (plus delivery) before the kill, and Pollen starts again
 * on it.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CeleryEvent, decodeEventBody, encodeEventMessage, encodeRedisEnvelope, type JsonObject, names } from '@/lib/celery';
import { type Child, startChild } from '@/test/harness/child';
import { freePort } from '@/test/harness/free-port';
import { type PostgresServer, startPostgres } from '@/test/harness/postgres-server';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';

const BIN = new URL('../cli/bin.mjs', import.meta.url).pathname;
/** What may be lost: the last flush interval (250 ms), the write itself and delivery, with room for a loaded machine. */
const MAY_LOSE_S = 1.5;
const TASKS_PER_MESSAGE = 12;

interface Published {
  readonly uuid: string;
  /** Unix seconds when the message holding its last event went out. */
  readonly at: number;
}

/** Publishes finished tasks as prefork workers do (task.multi batches) until `stop`; returns what went out, when. */
async function flood(broker: string, stop: { now: boolean }): Promise<Published[]> {
  const redis = new Redis(broker);
  const published: Published[] = [];
  let n = 0;
  while (!stop.now) {
    const pipeline = redis.pipeline();
    const batch: string[] = [];
    for (let m = 0; m < 20; m++) {
      const hostname = `flood-${m % 4}@pollen`;
      const now = Date.now() / 1000;
      const body: JsonObject[] = [];
      for (let j = 0; j < TASKS_PER_MESSAGE; j++, n++) {
        const uuid = randomUUID();
        batch.push(uuid);
        const common = { hostname, utcoffset: 0, pid: 100, clock: n * 2, timestamp: now };
        body.push({ ...common, type: 'task-received', uuid, name: `flood.task${n % 5}`, args: `(${n},)`, kwargs: `{'row': ${n}}`, root_id: uuid, parent_id: null, retries: 0, eta: null, expires: null });
        body.push({ ...common, clock: n * 2 + 1, type: 'task-succeeded', uuid, result: String(n * 2), runtime: 0.002 });
      }
      const { message, routingKey } = encodeEventMessage(decodeEventBody(body).events as CeleryEvent[], hostname);
      pipeline.publish(names.redisFanoutChannel(names.EVENT_EXCHANGE, routingKey, { db: 0 }), encodeRedisEnvelope(message, { exchange: names.EVENT_EXCHANGE, routingKey }));
    }
    await pipeline.exec();
    const at = Date.now() / 1000;
    for (const uuid of batch) published.push({ uuid, at });
    // About 12 000 tasks (24 000 events) a second: heavy for two cores, within what Pollen takes.
    await new Promise((r) => setTimeout(r, 20));
  }
  await redis.quit();
  return published;
}

interface Place {
  readonly db: string;
  /** The ids history holds, and whether it is whole (SQLite's integrity check; PostgreSQL recovers by itself). */
  stored(): Promise<{ ids: Set<string>; intact: boolean }>;
}

const places: Record<string, () => Promise<Place & { close(): Promise<void> }>> = {
  SQLite: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pollen-kill-'));
    const db = join(dir, 'history.db');
    return {
      db,
      async stored() {
        const file = new Database(db, { readonly: true });
        const intact = file.pragma('integrity_check', { simple: true }) === 'ok';
        const ids = new Set((file.prepare('SELECT uuid FROM tasks').all() as { uuid: string }[]).map((r) => r.uuid));
        file.close();
        return { ids, intact };
      },
      close: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
  PostgreSQL: async () => {
    const server: PostgresServer = await startPostgres();
    const db = await server.createDatabase('kill');
    return {
      db,
      async stored() {
        const client = new pg.Client({ connectionString: db });
        await client.connect();
        const { rows } = await client.query<{ uuid: string }>('SELECT uuid FROM tasks');
        await client.end();
        return { ids: new Set(rows.map((r) => r.uuid)), intact: true };
      },
      close: () => server.destroy(),
    };
  },
};

describe.each(Object.keys(places))('kill -9 during heavy ingest: %s', (kind) => {
  let redis: RedisServer;
  let place: Place & { close(): Promise<void> };
  const start = async (): Promise<{ child: Child; url: string }> => {
    const port = await freePort();
    const child = startChild(process.execPath, [BIN, '--broker', redis.url(0), '--db', place.db, '--port', String(port), '--address', '127.0.0.1', '--enable-events', 'false'], {
      env: { ...process.env, LOG_LEVEL: 'info' },
    });
    await child.waitFor(/Pollen is running/, 180_000);
    return { child, url: `http://127.0.0.1:${port}` };
  };

  beforeAll(async () => {
    redis = await startRedis();
    place = await (places[kind] as () => Promise<Place & { close(): Promise<void> }>)();
  });
  afterAll(async () => {
    await redis?.stop();
    await place?.close();
  });

  it('loses at most the last flush interval, never corrupts history, and starts again on it', async () => {
    const { child } = await start();
    const stop = { now: false };
    const flooding = flood(redis.url(0), stop);
    await new Promise((r) => setTimeout(r, 3000));
    child.process.kill('SIGKILL');
    const killedAt = Date.now() / 1000;
    stop.now = true;
    const published = await flooding;
    await new Promise<void>((resolve) => (child.process.exitCode !== null || child.process.signalCode !== null ? resolve() : child.process.once('exit', () => resolve())));

    const { ids, intact } = await place.stored();
    expect(intact).toBe(true);
    const due = published.filter((p) => p.at < killedAt - MAY_LOSE_S);
    expect(due.length).toBeGreaterThan(5000);
    const missing = due.filter((p) => !ids.has(p.uuid));
    expect(missing.length, `${missing.length} of ${due.length} tasks published more than ${MAY_LOSE_S} s before the kill are not in history`).toBe(0);

    // It starts again on the same history, and serves what was stored.
    const again = await start();
    try {
      const sample = due[due.length - 1] as Published;
      const response = await fetch(`${again.url}/api/v1/tasks/${sample.uuid}`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { task: { state: string } }).task.state).toBe('SUCCESS');
    } finally {
      await again.child.stop();
    }
  });
});
