/**
 * Task messages encoded by lib/celery, executed by a REAL Python Celery worker (Debian's python3-celery
 * 5.2) over a real redis-server and a real RabbitMQ: what we encode, Python accepts; what we decoded from
 * the captures, re-encoded, runs to the same outcome it had when Python sent it.
 */
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Child } from '@/test/harness/child';
import { startCeleryWorker } from '@/test/harness/celery-worker';
import { startRabbit, type RabbitServer } from '@/test/harness/rabbitmq-server';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { type Broker, type Captured, captured, decodeCaptured, must, storedResults } from '@/test/fixtures/celery-5.2/captures';
import { encodeAmqpPublish } from './amqp-message';
import { redisPriorityQueue, taskMetaKey } from './names';
import { encodeRedisEnvelope } from './redis-envelope';
import { decodeTaskMeta, READY_STATES, type TaskMeta } from './result-meta';
import { decodeTaskMessage, encodeTaskMessage, newTaskMessage, type TaskMessage } from './task-message';
import { type CeleryMessage, NO_PROPERTIES } from './message';
import type { Signature } from './signature';

const QUEUES = ['celery', 'solo', 'extra'];

/** Waits until every id has a ready result in the backend, and returns them. */
async function results(backend: Redis, ids: string[], timeoutMs = 30_000): Promise<Map<string, TaskMeta>> {
  const done = new Map<string, TaskMeta>();
  const deadline = Date.now() + timeoutMs;
  while (done.size < ids.length) {
    const pending = ids.filter((id) => !done.has(id));
    const values = await backend.mget(...pending.map(taskMetaKey));
    values.forEach((value, i) => {
      if (value === null) return;
      const meta = must(decodeTaskMeta(value));
      if (READY_STATES.has(meta.status)) done.set(pending[i] as string, meta);
    });
    if (done.size < ids.length && Date.now() > deadline) {
      throw new Error(`no ready result for ${ids.filter((id) => !done.has(id)).join(', ')} after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return done;
}

const sig = (task: string, args: number[], taskId: string): Signature => ({
  task, args, kwargs: {}, options: { task_id: taskId }, subtaskType: null, immutable: false, extra: null,
});

/** The captured message as a new task: a fresh id (and root id), everything else as Python sent it. */
function replayable(task: TaskMessage): TaskMessage {
  const id = randomUUID();
  return { ...task, id, rootId: task.rootId === task.id ? id : task.rootId, eta: null };
}

/** What happened to each captured task: its last stored state. Explicit revokes and the 30 s sleep are left out. */
function capturedOutcomes(broker: Broker): Map<string, TaskMeta> {
  const outcomes = new Map<string, TaskMeta>();
  for (const { json } of storedResults(broker)) {
    const meta = must(decodeTaskMeta(json));
    outcomes.set(meta.taskId, meta);
  }
  for (const [id, meta] of outcomes) {
    const reason = meta.exception?.message;
    if (meta.status === 'REVOKED' && JSON.stringify(reason) !== '["expired"]') outcomes.delete(id);
    else if (!READY_STATES.has(meta.status)) outcomes.delete(id);
  }
  return outcomes;
}

/**
 * Sends every captured task message again (fresh ids, decoded then re-encoded by lib/celery) and expects
 * each to end as it ended when Python sent it.
 */
async function replayCaptured(broker: Broker, backend: Redis, send: (task: TaskMessage, c: Captured) => Promise<void> | void): Promise<void> {
  const outcomes = capturedOutcomes(broker);
  const sent: { id: string; original: TaskMeta; name: string }[] = [];
  for (const c of captured(broker, 'task-messages')) {
    const task = must(decodeTaskMessage(must(decodeCaptured(c))));
    const original = outcomes.get(task.id);
    if (!original || task.name === 'tasks.sleep') continue;
    const replay = replayable(task);
    await send(replay, c);
    sent.push({ id: replay.id, original, name: task.name });
  }
  expect(sent.length).toBeGreaterThan(15);
  const done = await results(backend, sent.map((s) => s.id));
  for (const { id, original, name } of sent) expectSameOutcome(done.get(id) as TaskMeta, original, name);
}

function expectSameOutcome(replayed: TaskMeta, original: TaskMeta, name: string): void {
  expect({ name, status: replayed.status }).toEqual({ name, status: original.status });
  if (original.exception) expect(replayed.exception).toEqual(original.exception);
  else expect(replayed.result).toEqual(original.result);
}

describe('task messages encoded by Pollen, run by Python Celery over Redis', () => {
  let redis: RedisServer;
  let worker: Child;
  let broker: Redis;
  let backend: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    worker = await startCeleryWorker({ broker: redis.url(0), backend: redis.url(1), queues: QUEUES });
    broker = new Redis(redis.url(0));
    backend = new Redis(redis.url(1));
  });

  afterAll(async () => {
    broker?.disconnect();
    backend?.disconnect();
    await worker?.stop();
    await redis?.stop();
  });

  async function send(task: TaskMessage, queue = 'celery', priority = 0): Promise<void> {
    const message: CeleryMessage = encodeTaskMessage(task);
    await broker.lpush(redisPriorityQueue(queue, priority), encodeRedisEnvelope(message, { exchange: '', routingKey: queue }));
  }

  it('runs a protocol v2 task with args and gets its result', async () => {
    const task = newTaskMessage({ id: randomUUID(), name: 'tasks.add', args: [2, 3] });
    await send(task);
    expect((await results(backend, [task.id])).get(task.id)).toMatchObject({ status: 'SUCCESS', result: 5 });
  });

  it('runs protocol v2 and v1 tasks with non-ASCII args and kwargs', async () => {
    const args = [1, 'héllo ✓ 😀'];
    const kwargs = { k: [1, 2], n: null, nested: { 'clé': 'valeur' } };
    const v2 = newTaskMessage({ id: randomUUID(), name: 'tasks.echo', args, kwargs });
    const v1 = newTaskMessage({ id: randomUUID(), name: 'tasks.echo', args, kwargs }, 1);
    await send(v2);
    await send(v1);
    const done = await results(backend, [v2.id, v1.id]);
    expect(done.get(v2.id)?.result).toEqual({ args, kwargs });
    expect(done.get(v1.id)?.result).toEqual({ args, kwargs });
  });

  it('delivers a priority message through its priority list', async () => {
    const task = newTaskMessage({ id: randomUUID(), name: 'tasks.add', args: [4, 5], properties: { ...NO_PROPERTIES, priority: 5 } });
    expect(redisPriorityQueue('celery', 5)).toBe('celery\x06\x163');
    await send(task, 'celery', 5);
    expect((await results(backend, [task.id])).get(task.id)?.result).toBe(9);
  });

  it('runs a chain sent as embed.chain, last element first', async () => {
    const [first, second, third] = [randomUUID(), randomUUID(), randomUUID()];
    const task = newTaskMessage({ id: first, name: 'tasks.add', args: [1, 2], chain: [sig('tasks.add', [4], third), sig('tasks.add', [3], second)] });
    await send(task);
    const done = await results(backend, [first, second, third]);
    expect([first, second, third].map((id) => done.get(id)?.result)).toEqual([3, 6, 10]);
    expect(done.get(second)?.parentId).toBe(first);
  });

  it('reports a failure with the exception Python raised', async () => {
    const task = newTaskMessage({ id: randomUUID(), name: 'tasks.fail', args: ['from pollen'] });
    await send(task);
    const meta = (await results(backend, [task.id])).get(task.id);
    expect(meta?.exception).toEqual({ type: 'ValueError', message: ['from pollen'], module: 'builtins' });
    expect(meta?.traceback).toContain('ValueError: from pollen');
  });

  it('replays every captured Redis task message, re-encoded, to the outcome it had', async () => {
    await replayCaptured('redis', backend, async (task, c) => {
      const list = c.broker === 'redis' ? (c.raw.key ?? 'celery') : 'celery';
      await send(task, list.split('\x06\x16')[0] ?? 'celery', task.properties.priority ?? 0);
    });
  });
});

describe('task messages encoded by Pollen, run by Python Celery over RabbitMQ', () => {
  let redis: RedisServer;
  let rabbit: RabbitServer;
  let worker: Child;
  let connection: amqp.ChannelModel;
  let channel: amqp.Channel;
  let backend: Redis;

  beforeAll(async () => {
    [redis, rabbit] = await Promise.all([startRedis(), startRabbit()]);
    worker = await startCeleryWorker({ broker: rabbit.url(), backend: redis.url(1), queues: QUEUES });
    connection = await amqp.connect(rabbit.url());
    channel = await connection.createChannel();
    backend = new Redis(redis.url(1));
  });

  afterAll(async () => {
    backend?.disconnect();
    await connection?.close().catch(() => undefined);
    await worker?.stop();
    await Promise.all([rabbit?.stop(), redis?.stop()]);
  });

  function send(task: TaskMessage, queue = 'celery'): void {
    const { content, options } = encodeAmqpPublish(encodeTaskMessage(task));
    channel.publish('', queue, Buffer.from(content), options);
  }

  it('runs a task whose headers hold integers py-amqp misreads when amqplib picks their type', async () => {
    // amqplib would write 200 and 20000 as AMQP short ints, which py-amqp reads as strings and then breaks
    // the connection (CELERY-WIRE.md §9); typed explicitly they arrive as ints.
    const task = newTaskMessage({
      id: randomUUID(),
      name: 'tasks.add',
      args: [20, 22],
      retries: 0,
      extraHeaders: { x_small: 200, x_negative: -300, x_medium: 20000, x_big: 2 ** 40, x_list: [1, 200, null], x_float: 1.5 },
    });
    send(task);
    expect((await results(backend, [task.id])).get(task.id)).toMatchObject({ status: 'SUCCESS', result: 42 });
    // The connection survived: another task still runs.
    const next = newTaskMessage({ id: randomUUID(), name: 'tasks.add', args: [1, 1] });
    send(next);
    expect((await results(backend, [next.id])).get(next.id)?.result).toBe(2);
  });

  it('runs protocol v1 and a chain', async () => {
    const v1 = newTaskMessage({ id: randomUUID(), name: 'tasks.echo', args: ['é'], kwargs: { a: 1 } }, 1);
    const [first, second] = [randomUUID(), randomUUID()];
    const chain = newTaskMessage({ id: first, name: 'tasks.add', args: [2, 2], chain: [sig('tasks.add', [10], second)] });
    send(v1);
    send(chain);
    const done = await results(backend, [v1.id, first, second]);
    expect(done.get(v1.id)?.result).toEqual({ args: ['é'], kwargs: { a: 1 } });
    expect(done.get(second)?.result).toBe(14);
  });

  it('replays every captured AMQP task message, re-encoded, to the outcome it had', async () => {
    await replayCaptured('amqp', backend, (task, c) => send(task, c.broker === 'amqp' ? c.raw.routing_key : 'celery'));
  });
});
