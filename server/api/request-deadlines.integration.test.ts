/**
 * With its redis-server killed (broker and result backend alike), Pollen still answers every read at once
 * or within its bound: a task it holds comes from memory with the backend marked unavailable, Flower's
 * result endpoint says 503 backend_unavailable in its own words, queue lengths say the broker is down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskDetail } from '@/lib/api/tasks';
import { createClient, type Client } from '@/worker/client';
import { startPollen, type TestPollen } from '@/test/harness/pollen-server';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { until } from '@/test/harness/until';

type Json = Record<string, unknown>;

describe('request paths while the redis-server is gone', () => {
  let redis: RedisServer;
  let pollen: TestPollen;
  let client: Client;
  let id: string;

  beforeAll(async () => {
    redis = await startRedis();
    pollen = await startPollen({ broker: redis.url(0), resultBackend: redis.url(1) });
    // task-sent puts the task in Pollen's model; no worker consumes it.
    client = createClient({ broker: redis.url(0), sendSentEvents: true });
    id = (await client.sendTask('tasks.add', [1, 2], {}, { queue: 'nobody-consumes-this' })).id;
    await client.close();
    await until('Pollen to hold the task', async () => (await pollen.request(`/api/v1/tasks/${id}`)).status === 200);
    // Both connections to the backend are in use before Redis goes.
    const before = await pollen.request(`/api/v1/tasks/${id}`);
    expect((before.body as TaskDetail).backend).toMatchObject({ meta: null, error: null });
    expect((await pollen.request(`/api/task/result/${id}`)).status).toBe(200);
    await redis.stop();
  });

  afterAll(async () => {
    await pollen?.close();
  });

  async function timed(path: string, init?: { method?: string }) {
    const since = performance.now();
    const answer = await pollen.request(path, init);
    return { ...answer, ms: performance.now() - since };
  }

  it('serves a task it holds within a second, the backend marked unavailable', async () => {
    for (let i = 0; i < 3; i++) {
      const answer = await timed(`/api/v1/tasks/${id}`);
      expect(answer.status, answer.text).toBe(200);
      expect(answer.ms).toBeLessThan(1_000);
      const detail = answer.body as TaskDetail;
      expect(detail.task).toMatchObject({ uuid: id, name: 'tasks.add', state: 'PENDING' });
      expect(detail.backend).toMatchObject({ available: false, meta: null, error: expect.any(String) });
    }
  });

  it("answers /api/task/result with 503 backend_unavailable in Pollen's words, within the bound", async () => {
    for (const path of [`/api/task/result/${id}`, `/api/task/result/${id}?timeout=5`]) {
      const answer = await timed(path);
      expect(answer.status, answer.text).toBe(503);
      expect(answer.ms).toBeLessThan(2_500);
      expect(answer.body).toMatchObject({ code: 'backend_unavailable', error: expect.stringMatching(/^the result backend cannot be read now/) });
      expect((answer.body as Json)['error']).not.toMatch(/maxRetriesPerRequest|max retries per request/);
    }
  });

  it('answers abort with 503 backend_unavailable at once, storing nothing', async () => {
    const answer = await timed(`/api/task/abort/${id}`, { method: 'POST' });
    expect(answer.status, answer.text).toBe(503);
    expect(answer.ms).toBeLessThan(2_500);
    expect(answer.body).toMatchObject({ code: 'backend_unavailable' });
  });

  it('answers queue lengths with 503 within the bound instead of hanging', async () => {
    for (const path of ['/api/queues/length', '/api/v1/queues']) {
      const answer = await timed(path);
      expect(answer.status, answer.text).toBe(503);
      expect(answer.ms).toBeLessThan(4_000);
      expect((answer.body as Json)['error']).toMatch(/broker/);
    }
  });

  it('answers /api/workers?refresh=1 within the inspect timeout', async () => {
    const answer = await timed('/api/workers?refresh=1');
    expect(answer.ms).toBeLessThan(4_000);
    expect([200, 503]).toContain(answer.status);
  });
});
