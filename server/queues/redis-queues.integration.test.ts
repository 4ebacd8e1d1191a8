/**
 * Queue lengths on a real redis-server, of a backlog left by REAL Python Celery (send_task with
 * priorities, kombu 5.2's default priority steps, `global_keyprefix`): summed over kombu's priority
 * lists by the transport, Flower's GET /api/queues/length, and GET /api/v1/queues (with each list) and
 * its history; then a real worker that consumes a queue names it and drains it.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransport, parseBrokerUrl, type Transport } from '@/lib/broker';
import { names } from '@/lib/celery';
import { runPython, startCeleryWorker } from '@/test/harness/celery-worker';
import { startPollen, type TestPollen } from '@/test/harness/pollen-server';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { until } from '@/test/harness/until';

const BACKLOG = new URL('../../test/python/queue_backlog.py', import.meta.url).pathname;
const PREFIX = 'pfx:';
/** Two at priority 0, three at 5 (step 3), one at 9: kombu's lists hold 2, 3, 0 and 1. */
const PRIORITIES = [0, 0, 5, 5, 5, 9];

interface V1Queue {
  name: string;
  messages: number;
  priorities: Record<string, number> | null;
  workers: string[];
  origins: string[];
}

describe('queue lengths on Redis', () => {
  let redis: RedisServer;
  let raw: Redis;
  let pollen: TestPollen;
  const transports: Transport[] = [];
  const backend = (): string => redis.url(1);

  const transport = (url: string): Transport => {
    const parsed = parseBrokerUrl(url);
    if (!parsed.ok) throw new Error(parsed.error);
    const created = createTransport(parsed.value);
    transports.push(created);
    return created;
  };
  const v1Queues = async (): Promise<V1Queue[]> => ((await pollen.request('/api/v1/queues')).body as { queues: V1Queue[] }).queues;

  beforeAll(async () => {
    redis = await startRedis();
    raw = new Redis(redis.url(0));
    await runPython(BACKLOG, { broker: redis.url(0), backend: backend(), args: ['celery', JSON.stringify(PRIORITIES), PREFIX] });
  });

  afterAll(async () => {
    await pollen?.close();
    await Promise.all(transports.map((t) => t.close()));
    raw?.disconnect();
    await redis?.stop();
  });

  it("finds Python Celery's backlog in the prefixed priority lists, and sums them only under the same prefix", async () => {
    const lists = names.redisQueueLists('celery');
    expect(await Promise.all(lists.map((list) => raw.llen(PREFIX + list)))).toEqual([2, 3, 0, 1]);
    expect(await raw.exists(...lists)).toBe(0);
    const prefixed = transport(`${redis.url(0)}?global_keyprefix=${encodeURIComponent(PREFIX)}`);
    expect(await prefixed.queueLength('celery')).toBe(6);
    expect(await prefixed.queueStats('celery')).toEqual({ messages: 6, byPriority: { 0: 2, 3: 3, 6: 0, 9: 1 }, consumers: null, exists: null });
    expect(await prefixed.queueLength('never-used')).toBe(0);
    expect(await transport(redis.url(0)).queueLength('celery')).toBe(0);
  });

  it('counts the backlog through Flower\'s /api/queues/length and /api/v1/queues, with each priority list', async () => {
    pollen = await startPollen({ broker: `${redis.url(0)}?global_keyprefix=${PREFIX}` });
    expect(await pollen.request('/api/queues/length')).toMatchObject({ status: 200, body: { active_queues: [{ name: 'celery', messages: 6 }] } });
    // Sent while Pollen listens: their task-sent events name the queue.
    await runPython(BACKLOG, { broker: redis.url(0), backend: backend(), args: ['reports', '[0, 9]', PREFIX] });
    const queues = await until('reports known from task-sent events', async () => {
      const list = await v1Queues();
      return list.some((q) => q.name === 'reports') && list;
    });
    expect(queues).toEqual([
      expect.objectContaining({ name: 'celery', messages: 6, priorities: { 0: 2, 3: 3, 6: 0, 9: 1 }, workers: [], origins: ['default'] }),
      expect.objectContaining({ name: 'reports', messages: 2, priorities: { 0: 1, 3: 0, 6: 0, 9: 1 }, workers: [], origins: ['events'] }),
    ]);
    // The sampler read the backlog at start.
    const history = (await pollen.request('/api/v1/queues/history?range=15m&queue=celery')).body as { step: number; queues: { name: string; points: { messages: number }[] }[] };
    expect(history.step).toBe(5000);
    expect(history.queues[0]?.name).toBe('celery');
    expect(history.queues[0]?.points.at(-1)?.messages).toBe(6);
    expect((await pollen.request('/api/v1/queues/history?range=2h')).status).toBe(400);
  });

  it('names the queues a real worker consumes and sees it drain them', async () => {
    // Another database without the prefix: the test worker takes no transport options.
    const plain = await startPollen({ broker: redis.url(2) });
    const nodename = `drain-${process.pid}@pollen`;
    try {
      await runPython(BACKLOG, { broker: redis.url(2), backend: backend(), args: ['reports', '[0, 9]'] });
      const v1 = async (): Promise<V1Queue[]> => ((await plain.request('/api/v1/queues')).body as { queues: V1Queue[] }).queues;
      expect(await until('the backlog counted', async () => (await v1()).find((q) => q.name === 'reports' && q.messages === 2))).toBeTruthy();
      const worker = await startCeleryWorker({ broker: redis.url(2), backend: backend(), queues: ['reports'], nodename, events: true });
      try {
        const reports = await until('the worker named with its queue, drained', async () => {
          // The page refreshes the workers' replies behind itself; a later poll has them.
          const found = (await v1()).find((q) => q.name === 'reports');
          return found?.workers.includes(nodename) && found.messages === 0 ? found : null;
        }, 30_000);
        expect(reports.origins).toEqual(['workers', 'events']);
        // Flower's endpoint lists the queues workers consume, and nothing else.
        expect((await plain.request('/api/queues/length')).body).toEqual({ active_queues: [{ name: 'reports', messages: 0 }] });
      } finally {
        await worker.stop();
      }
    } finally {
      await plain.close();
    }
  });
});
