/**
 * `pollen demo --broker redis://…`: the same demo workers and traffic on a real Redis, and a real Python
 * Celery worker started on that broker shows up beside them.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskPage } from '@/lib/api/tasks';
import { startCeleryWorker } from '@/test/harness/celery-worker';
import { type Child, startChild } from '@/test/harness/child';
import { freePort } from '@/test/harness/free-port';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { until } from '@/test/harness/until';

const BIN = fileURLToPath(new URL('../../server/cli/bin.mjs', import.meta.url));

describe('pollen demo on a real Redis', () => {
  let redis: RedisServer;
  let demo: Child;
  let python: Child;
  let base: string;

  beforeAll(async () => {
    redis = await startRedis();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // CELERY_BROKER_URL is ignored by the demo: only --broker points it at a real broker.
    demo = startChild(process.execPath, [BIN, 'demo', '--broker', redis.url(0), '--port', String(port), '--address', '127.0.0.1'], {
      env: { ...process.env, CELERY_BROKER_URL: 'redis://127.0.0.1:1/0', LOG_LEVEL: 'info' },
    });
    await demo.waitFor(/Pollen is running/, 180_000);
    // On a queue of its own: the demo's task names are not registered in test/python/tasks.py.
    python = await startCeleryWorker({ broker: redis.url(0), backend: redis.url(1), nodename: 'py-demo@pollen', queues: ['python'], events: true });
  }, 240_000);

  afterAll(async () => {
    await python?.stop();
    await demo?.stop();
    await redis?.stop();
  });

  const json = async <T>(path: string): Promise<T> => (await (await fetch(`${base}${path}`)).json()) as T;

  it('runs the demo workers and traffic there, with the Python worker beside them', async () => {
    const workers = await until('the demo workers and the Python worker', async () => {
      const status = await json<Record<string, boolean>>('/api/workers?status=true');
      return ['shop@demo', 'batch@demo', 'ai@demo', 'py-demo@pollen'].every((name) => status[name] === true) ? status : null;
    }, 60_000);
    expect(Object.keys(workers)).toEqual(expect.arrayContaining(['shop@demo', 'py-demo@pollen']));
    await until('demo e-mails sent over Redis', async () => (await json<TaskPage>('/api/v1/tasks?name=emails.send&state=SUCCESS&limit=1')).total_matching > 0, 30_000);
    const server = await json<{ broker: string }>('/api/v1/server');
    expect(server.broker).toBe(redis.url(0));
  }, 120_000);
});
