/**
 * POST /api/task/abort/:id against a real Python Celery worker and a real redis-server: a task that is
 * ready keeps its stored result (409), a task that is not ready is aborted as Celery's
 * AbortableAsyncResult.abort() does (a running AbortableTask seeing it: flower-control.integration.test.ts).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackend } from '@/lib/backend';
import { newTaskMeta } from '@/lib/celery';
import { createClient, type Client } from '@/worker/client';
import type { Child } from '@/test/harness/child';
import { startCeleryWorker } from '@/test/harness/celery-worker';
import { startPollen, type TestPollen } from '@/test/harness/pollen-server';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';

describe('abort on redis with a Python worker', () => {
  let redis: RedisServer;
  let pollen: TestPollen;
  let worker: Child;
  let client: Client;
  let raw: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    pollen = await startPollen({ broker: redis.url(0), resultBackend: redis.url(1) });
    worker = await startCeleryWorker({ broker: redis.url(0), backend: redis.url(1), events: true, nodename: 'abort@pollen' });
    client = createClient({ broker: redis.url(0), resultBackend: redis.url(1) });
    raw = new Redis(redis.url(1));
  });

  afterAll(async () => {
    raw?.disconnect();
    await client?.close();
    await worker?.stop();
    await pollen?.close();
    await redis?.stop();
  });

  const stored = (id: string) => raw.get(`celery-task-meta-${id}`);
  const abort = (id: string) => pollen.request(`/api/task/abort/${id}`, { method: 'POST' });

  it('answers 409 for a task that succeeded, and its stored result stays as the worker wrote it', async () => {
    const result = await client.sendTask('tasks.add', [20, 22]);
    expect(await result.get({ timeout: 20_000 })).toBe(42);
    const before = await stored(result.id);
    expect(JSON.parse(before ?? 'null')).toMatchObject({ status: 'SUCCESS', result: 42 });
    const answer = await abort(result.id);
    expect(answer.status, answer.text).toBe(409);
    expect(answer.body).toMatchObject({ error: expect.stringContaining('SUCCESS'), code: 'task_ready' });
    expect(await stored(result.id)).toBe(before);
  });

  it('answers 409 for a failed task only the result backend knows, and keeps its traceback', async () => {
    // Written as a worker would, for a task whose events Pollen never saw: the backend decides alone.
    const id = crypto.randomUUID();
    const backend = new RedisBackend(redis.url(1));
    await backend.store(newTaskMeta(id, 'FAILURE', { exception: { type: 'ValueError', message: ['boom'], module: 'builtins' }, traceback: 'Traceback: boom' }));
    await backend.close();
    const before = await stored(id);
    const answer = await abort(id);
    expect(answer.status, answer.text).toBe(409);
    expect(await stored(id)).toBe(before);
    expect(JSON.parse(before ?? 'null')).toMatchObject({ status: 'FAILURE', traceback: 'Traceback: boom' });
  });

  it('answers 409 for a task its worker rejected: it is finished, though Celery stores nothing for it', async () => {
    const result = await client.sendTask('tasks.reject', []);
    await expect.poll(async () => ((await pollen.request(`/api/task/info/${result.id}`)).body as { state?: string }).state, { timeout: 20_000 }).toBe('REJECTED');
    const answer = await abort(result.id);
    expect(answer.status, answer.text).toBe(409);
    expect(answer.body).toMatchObject({ error: expect.stringContaining('REJECTED'), code: 'task_ready' });
    expect(await stored(result.id)).toBeNull();
  });

  it('still aborts a task that is waiting in a queue, as AbortableAsyncResult.abort() does', async () => {
    const result = await client.sendTask('tasks.add', [1, 2], {}, { queue: 'nobody-consumes-this' });
    const answer = await abort(result.id);
    expect(answer).toMatchObject({ status: 200, body: { message: `Aborted '${result.id}'` } });
    expect(JSON.parse((await stored(result.id)) ?? 'null')).toMatchObject({ status: 'ABORTED', task_id: result.id });
  });
});
