/**
 * The TypeScript client against a real Python Celery 5.2.6 worker (test/python/tasks.py): over a private
 * redis-server (broker db 0, results db 1), then over a private RabbitMQ node (results in Redis).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Child } from '@/test/harness/child';
import { startCeleryWorker } from '@/test/harness/celery-worker';
import { type RabbitServer, startRabbit } from '@/test/harness/rabbitmq-server';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { chain, chord, group, signature } from './canvas-builders';
import { type Client, createClient } from './client';
import { RemoteTaskError } from './remote-error';

const T = { timeout: 15_000 };
const add = (...args: number[]) => signature('tasks.add', args);

describe('Client with a Python Celery worker over Redis', () => {
  const node = `py-client-${process.pid}@pollen`;
  let redis: RedisServer;
  let worker: Child;
  let client: Client;

  beforeAll(async () => {
    redis = await startRedis();
    worker = await startCeleryWorker({ broker: redis.url(0), backend: redis.url(1), nodename: node, pool: 'solo' });
    client = createClient({ broker: redis.url(0), resultBackend: redis.url(1) });
  });

  afterAll(async () => {
    await client?.close();
    await worker?.stop();
    await redis?.stop();
  });

  it('sendTask: a return value, and kwargs', async () => {
    const result = await client.sendTask('tasks.add', [2, 3]);
    expect(await result.get(T)).toBe(5);
    expect(await result.state()).toBe('SUCCESS');
    const echoed = await client.sendTask('tasks.echo', [1, 'h\u00e9llo'], { k: [1, 2], n: null });
    expect(await echoed.get(T)).toEqual({ args: [1, 'h\u00e9llo'], kwargs: { k: [1, 2], n: null } });
  });

  it('a failure comes back as a RemoteTaskError with the Python exception', async () => {
    const result = await client.sendTask('tasks.fail');
    const error = await result.get(T).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteTaskError);
    const remote = error as RemoteTaskError;
    expect([remote.type, remote.module, remote.message, remote.state]).toEqual(['ValueError', 'builtins', 'boom', 'FAILURE']);
    expect(remote.traceback).toMatch(/raise ValueError\(msg\)\nValueError: boom\n?$/);
  });

  it('countdown: the task does not run before its eta', async () => {
    const sent = Date.now();
    const result = await client.sendTask('tasks.add', [1, 1], {}, { countdown: 2 });
    expect(await result.get(T)).toBe(2);
    expect(Date.now() - sent).toBeGreaterThanOrEqual(1900);
    const done = Date.parse(`${(await result.meta())?.dateDone}Z`);
    expect(done).toBeGreaterThanOrEqual(sent + 1900);
  });

  it('expires in the past: the worker discards it as REVOKED (expired)', async () => {
    const result = await client.sendTask('tasks.add', [1, 1], {}, { expires: -5 });
    await expect(result.get(T)).rejects.toMatchObject({ type: 'TaskRevokedError', message: 'expired', state: 'REVOKED' });
  });

  it('a chain gives the last step its predecessor\u2019s result', async () => {
    const result = await client.apply(chain(add(1, 2), add(10), add(100)));
    expect(await result.get(T)).toBe(113);
  });

  it('a group gives the list of its members\u2019 results', async () => {
    const result = await client.apply(group(add(1, 1), add(2, 2), add(3, 3)));
    expect(await result.get(T)).toEqual([2, 4, 6]);
  });

  it('a chord runs its body once the Python worker has joined every header part', async () => {
    const result = await client.apply(chord([add(0, 0), add(1, 1), add(2, 2)], signature('tasks.tsum')));
    expect(await result.get(T)).toBe(6);
    // A chain in the header counts once; its last step reports to the chord.
    const nested = await client.apply(chord([chain(add(1, 1), add(10)), add(2, 2)], signature('tasks.tsum')));
    expect(await nested.get(T)).toBe(16);
  });

  it('control: ping gets the Python worker\u2019s pong', async () => {
    const replies = await client.control.broadcast('ping', {}, { reply: true, timeout: 3000, destination: [node] });
    expect(replies.map((r) => [r.node, r.value])).toEqual([[node, { ok: 'pong' }]]);
    expect(await client.control.ping({ timeout: 1000 })).toEqual({ [node]: { ok: 'pong' } });
  });

  it('revoke: a task waiting for its eta is discarded as REVOKED', async () => {
    const result = await client.sendTask('tasks.add', [5, 5], {}, { countdown: 2 });
    await result.revoke();
    await expect(result.get(T)).rejects.toMatchObject({ type: 'TaskRevokedError', message: 'revoked', state: 'REVOKED' });
  });
});

describe('Client with a Python Celery worker over RabbitMQ', () => {
  const node = `py-amqp-${process.pid}@pollen`;
  let rabbit: RabbitServer;
  let redis: RedisServer;
  let worker: Child;
  let client: Client;

  beforeAll(async () => {
    [rabbit, redis] = await Promise.all([startRabbit(), startRedis()]);
    worker = await startCeleryWorker({ broker: rabbit.url(), backend: redis.url(1), nodename: node, pool: 'solo' });
    client = createClient({ broker: rabbit.url(), resultBackend: redis.url(1) });
  });

  afterAll(async () => {
    await client?.close();
    await worker?.stop();
    await Promise.all([rabbit?.stop(), redis?.stop()]);
  });

  it('sendTask and get', async () => {
    expect(await (await client.sendTask('tasks.add', [20, 22])).get(T)).toBe(42);
    expect(await (await client.apply(chain(add(1, 2), add(3)))).get(T)).toBe(6);
  });

  it('ping', async () => {
    const replies = await client.control.broadcast('ping', {}, { reply: true, timeout: 3000, destination: [node] });
    expect(replies.map((r) => [r.node, r.value])).toEqual([[node, { ok: 'pong' }]]);
  });
});
