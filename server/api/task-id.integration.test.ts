/**
 * Task ids longer than 255 characters are refused with 400 by every endpoint that takes one, on a real
 * redis-server: nothing is read, stored or broadcast for them (no 200 KB keys in the result backend).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPollen, type TestPollen } from '@/test/harness/pollen-server';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';

type Json = Record<string, unknown>;

describe('task ids past 255 characters', () => {
  let redis: RedisServer;
  let pollen: TestPollen;
  let raw: Redis;
  const long = 'x'.repeat(256);

  beforeAll(async () => {
    redis = await startRedis();
    pollen = await startPollen({ broker: redis.url(0), resultBackend: redis.url(1) });
    raw = new Redis(redis.url(1));
  });

  afterAll(async () => {
    raw?.disconnect();
    await pollen?.close();
    await redis?.stop();
  });

  it.each([
    ['GET', '/api/task/info/<id>'],
    ['GET', '/api/task/result/<id>'],
    ['GET', '/api/task/result/<id>?timeout=1'],
    ['POST', '/api/task/revoke/<id>'],
    ['POST', '/api/task/abort/<id>'],
    ['GET', '/api/v1/tasks/<id>'],
    ['GET', '/api/v1/tasks/<id>/workflow'],
    ['POST', '/api/v1/tasks/<id>/retry'],
  ])('%s %s (a 256-character id) answers 400 naming the id', async (method, path) => {
    const answer = await pollen.request(path.replace('<id>', long), { method });
    expect(answer.status, answer.text).toBe(400);
    expect((answer.body as Json)['error']).toMatch(/^id: a task id is at most 255 characters/);
  });

  it.each([
    ['/api/v1/tasks/retry', { ids: [long] }],
    ['/api/v1/tasks/revoke', { ids: ['ok', long] }],
    ['/api/task/async-apply/tasks.add', { args: [1, 2], task_id: 'y'.repeat(200_000) }],
    ['/api/task/send-task/tasks.add', { args: [1, 2], task_id: long }],
  ])('POST %s refuses the long id in its body with 400', async (path, json) => {
    const answer = await pollen.request(path, { json });
    expect(answer.status, answer.text).toBe(400);
    expect((answer.body as Json)['error']).toMatch(/at most 255 characters/);
  });

  it('stored nothing in the result backend and sent nothing to the broker for them', async () => {
    expect(await raw.keys('*')).toEqual([]);
    const broker = new Redis(redis.url(0));
    try {
      expect(await broker.llen('celery')).toBe(0);
    } finally {
      broker.disconnect();
    }
  });

  it('still takes a 255-character id', async () => {
    const answer = await pollen.request(`/api/task/result/${'z'.repeat(255)}`);
    expect(answer).toMatchObject({ status: 200, body: { state: 'PENDING' } });
  });
});
