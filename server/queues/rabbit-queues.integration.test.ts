/**
 * Queue lengths on a real RabbitMQ (one node for the file, management plugin on), three Pollen servers
 * on it: without --broker-api (passive declares), with it (Flower's management objects), and with a
 * --broker-api where nothing listens (falls back to passive declares). The backlog comes from REAL
 * Python Celery, and a real worker's consumer is counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPython, startCeleryWorker } from '@/test/harness/celery-worker';
import { freePort } from '@/test/harness/free-port';
import { startPollen, type TestPollen } from '@/test/harness/pollen-server';
import { type RabbitServer, startRabbit } from '@/test/harness/rabbitmq-server';
import { until } from '@/test/harness/until';

const BACKLOG = new URL('../../test/python/queue_backlog.py', import.meta.url).pathname;
/** Results are never fetched here; an in-process backend needs no server. */
const BACKEND = 'cache+memory://';

interface V1Queues {
  source: string;
  warning: string | null;
  queues: { name: string; messages: number; unacked: number | null; consumers: number | null; priorities: unknown; exists: boolean | null; workers: string[] }[];
}
type FlowerQueues = { active_queues: Record<string, unknown>[] };

describe('queue lengths on RabbitMQ', () => {
  let rabbit: RabbitServer;
  let plain: TestPollen;
  let managed: TestPollen;
  let deadApi: TestPollen;

  const flower = async (pollen: TestPollen): Promise<FlowerQueues> => {
    const response = await pollen.request('/api/queues/length');
    expect(response.status).toBe(200);
    return response.body as FlowerQueues;
  };
  const v1 = async (pollen: TestPollen): Promise<V1Queues> => {
    const response = await pollen.request('/api/v1/queues');
    expect(response.status).toBe(200);
    return response.body as V1Queues;
  };
  const queue = async (pollen: TestPollen, name: string) => (await v1(pollen)).queues.find((q) => q.name === name);

  beforeAll(async () => {
    rabbit = await startRabbit({ management: true });
    [plain, managed, deadApi] = await Promise.all([
      startPollen({ broker: rabbit.url() }),
      startPollen({ broker: rabbit.url(), brokerApi: rabbit.managementUrl ?? undefined }),
      startPollen({ broker: rabbit.url(), brokerApi: `http://guest:guest@127.0.0.1:${await freePort()}/api/` }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([plain?.close(), managed?.close(), deadApi?.close()]);
    await rabbit?.stop();
  });

  it('answers for a queue that does not exist yet (0, or left out as Flower does) and keeps the connection', async () => {
    expect(await flower(plain)).toEqual({ active_queues: [{ name: 'celery', messages: 0 }] });
    expect(await flower(managed)).toEqual({ active_queues: [] });
    expect(await queue(plain, 'celery')).toMatchObject({ messages: 0, consumers: 0, exists: false, priorities: null });
    // NOT_FOUND closed only the declare's own channel.
    expect(((await plain.request('/api/v1/health')).body as { broker: { status: string } }).broker.status).toBe('connected');
    expect(await flower(plain)).toEqual({ active_queues: [{ name: 'celery', messages: 0 }] });
  });

  it('counts a backlog by passive declare without --broker-api', async () => {
    await runPython(BACKLOG, { broker: rabbit.url(), backend: BACKEND, args: ['celery', '[0, 0, 0]'] });
    expect(await flower(plain)).toEqual({ active_queues: [{ name: 'celery', messages: 3 }] });
    const body = await v1(plain);
    expect(body).toMatchObject({ source: 'broker', warning: null });
    expect(body.queues.find((q) => q.name === 'celery')).toEqual({
      // The producer sends task-sent events, so the default queue is also seen in them.
      name: 'celery', messages: 3, unacked: null, consumers: 0, priorities: null, exists: true, workers: [], origins: ['default', 'events'],
    });
  });

  it("gives the management API's whole objects with --broker-api, as Flower does", async () => {
    // The management API's statistics lag the queue by up to the node's collect interval (500 ms here).
    const { active_queues: queues } = await until('the management API counts the backlog', async () => {
      const body = await flower(managed);
      return body.active_queues[0]?.['messages_ready'] === 3 ? body : null;
    });
    expect(queues).toHaveLength(1);
    expect(queues[0]).toMatchObject({ name: 'celery', vhost: '/', durable: true, messages: 3, messages_ready: 3, messages_unacknowledged: 0, consumers: 0 });
    expect(queues[0]).toHaveProperty('node');
    expect(queues[0]).toHaveProperty('arguments');
    expect(await queue(managed, 'celery')).toMatchObject({ messages: 3, unacked: 0, consumers: 0, exists: true });
    expect((await v1(managed)).source).toBe('management');
  });

  it('falls back to passive declares when the management API does not answer, and says why', async () => {
    expect(await flower(deadApi)).toEqual({ active_queues: [{ name: 'celery', messages: 3 }] });
    const body = await v1(deadApi);
    expect(body.source).toBe('broker');
    expect(body.warning).toMatch(/did not answer: ECONNREFUSED; lengths come from passive declares/);
    // The sampler falls back too: the history has the backlog.
    const history = await until('a sampled point', async () => {
      const window = (await deadApi.request('/api/v1/queues/history?range=1h&queue=celery')).body as { queues: { points: { messages: number }[] }[] };
      return window.queues[0]?.points.find((p) => p.messages === 3);
    }, 12_000);
    expect(history.messages).toBe(3);
  });

  it("counts a real worker's consumer, by passive declare and by the management API", async () => {
    const nodename = `consumer-${process.pid}@pollen`;
    const worker = await startCeleryWorker({ broker: rabbit.url(), backend: BACKEND, queues: ['extra'], nodename });
    try {
      const fromBroker = await until('the worker and its consumer', async () => {
        const found = await queue(plain, 'extra');
        return found?.workers.includes(nodename) && found.consumers === 1 ? found : null;
      }, 30_000);
      expect(fromBroker).toMatchObject({ messages: 0, exists: true });
      await until('the management API counts the consumer', async () => (await queue(managed, 'extra'))?.consumers === 1, 30_000);
      // Flower's endpoint lists the queues workers consume: now only 'extra', as the API describes it
      // (a new queue's object lacks its statistics until the node's next collection).
      const { active_queues: queues } = await until("Flower's list follows the worker", async () => {
        const body = await flower(managed);
        return body.active_queues.length === 1 && body.active_queues[0]?.['consumers'] === 1 ? body : null;
      }, 30_000);
      expect(queues[0]).toMatchObject({ name: 'extra', consumers: 1, messages: 0 });
    } finally {
      await worker.stop();
    }
  });
});
