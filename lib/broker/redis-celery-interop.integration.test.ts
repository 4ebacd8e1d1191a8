/**
 * The Redis transport with REAL Python Celery 5.2.6 / kombu 5.2.4 (Debian's python3-celery) on a real
 * redis-server: tasks we publish run on a Python worker (priorities included); tasks Python sends reach
 * our consumer, whose `unacked` entries a Python worker can restore; remote control works both ways.
 */
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CeleryMessage,
  type ControlRequest,
  controlRequestIsFor,
  decodeControlReply,
  decodeControlRequest,
  decodeTaskMessage,
  decodeTaskMeta,
  encodeControlReply,
  encodeControlRequest,
  encodeTaskMessage,
  names,
  newTaskMessage,
  NO_PROPERTIES,
  type TaskMeta,
} from '@/lib/celery';
import { type Child, startChild } from '@/test/harness/child';
import { runPython, startCeleryWorker } from '@/test/harness/celery-worker';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { until } from '@/test/harness/until';
import { parseBrokerUrl } from './broker-url';
import { RedisTransport, type RedisTransportOptions } from './redis-transport';
import type { Delivery } from './transport';

const S = names.KOMBU_SEP;
const APP_DIR = fileURLToPath(new URL('../../test/python/', import.meta.url));
const BACKEND_DB = 15;
const NODE = 'py-interop@pollen';

function addTask(id: string, x: number, y: number, priority = 0): CeleryMessage {
  return encodeTaskMessage(newTaskMessage({ id, name: 'tasks.add', args: [x, y], properties: { ...NO_PROPERTIES, priority } }));
}

function request(fields: Partial<ControlRequest> & Pick<ControlRequest, 'method'>): ControlRequest {
  return {
    arguments: {}, destination: null, pattern: null, matcher: null, ticket: null, replyTo: null, clock: 1, expires: null, extra: null,
    ...fields,
  };
}

describe('Redis transport with Python Celery', () => {
  let server: RedisServer;
  let backend: Redis;
  const transports: RedisTransport[] = [];
  const workers: Child[] = [];

  function transport(db: number, options: RedisTransportOptions = {}): RedisTransport {
    const broker = parseBrokerUrl(server.url(db));
    if (!broker.ok) throw new Error(broker.error);
    const t = new RedisTransport(broker.value, options);
    transports.push(t);
    return t;
  }

  async function result(id: string, timeoutMs = 30_000): Promise<TaskMeta> {
    return until(`the result of ${id}`, async () => {
      const json = await backend.get(names.taskMetaKey(id));
      if (json === null) return null;
      const meta = decodeTaskMeta(json);
      return meta.ok && meta.value.status === 'SUCCESS' ? meta.value : null;
    }, timeoutMs);
  }

  beforeAll(async () => {
    server = await startRedis();
    backend = new Redis(server.url(BACKEND_DB));
  });

  afterAll(async () => {
    await Promise.all(transports.map((t) => t.close()));
    await Promise.all(workers.map((w) => w.stop()));
    backend?.disconnect();
    await server?.stop();
  });

  describe('with a Python worker on database 1', () => {
    const DB = 1;
    let ours: RedisTransport;
    let redis: Redis;

    beforeAll(async () => {
      workers.push(await startCeleryWorker({ broker: server.url(DB), backend: server.url(BACKEND_DB), queues: ['celery'], nodename: NODE }));
      ours = transport(DB);
      redis = new Redis(server.url(DB));
    });
    afterAll(() => redis?.disconnect());

    it('runs a task we publish', async () => {
      const id = crypto.randomUUID();
      await ours.publish('', 'celery', addTask(id, 2, 3));
      expect((await result(id)).result).toBe(5);
    });

    it('runs a task we publish with a priority from its priority list', async () => {
      const id = crypto.randomUUID();
      // A queue the worker does not consume yet, so the message can be seen where it landed.
      await ours.publish('', 'tsprio', addTask(id, 40, 2, 6));
      expect([await redis.llen('tsprio'), await redis.llen(`tsprio${S}6`)]).toEqual([0, 1]);
      await ours.publishFanout(names.PIDBOX_EXCHANGE, '', encodeControlRequest(request({ method: 'add_consumer', arguments: { queue: 'tsprio' }, destination: [NODE] })));
      expect((await result(id)).result).toBe(42);
      expect(await redis.llen(`tsprio${S}6`)).toBe(0);
    });

    it("gets the Python worker's pong through our reply queue", async () => {
      const replies: CeleryMessage[] = [];
      const queue = await ours.openReplyQueue((m) => replies.push(m));
      const member = `${queue.oid}${S}${S}${queue.oid}.reply.celery.pidbox`;
      expect(await redis.sismember('_kombu.binding.reply.celery.pidbox', member)).toBe(1);
      const ticket = crypto.randomUUID();
      await ours.publishFanout(
        names.PIDBOX_EXCHANGE,
        '',
        encodeControlRequest(request({ method: 'ping', destination: [NODE], ticket, replyTo: { exchange: names.REPLY_EXCHANGE, routingKey: queue.oid } })),
      );
      await until('the pong', () => replies.length > 0, 15_000);
      const reply = decodeControlReply(replies[0] as CeleryMessage);
      expect(reply.ok && reply.value).toMatchObject({ node: NODE, value: { ok: 'pong' }, ticket });
      await queue.close();
      expect(await redis.sismember('_kombu.binding.reply.celery.pidbox', member)).toBe(0);
      expect(await redis.exists(...names.redisQueueLists(names.replyQueue(queue.oid)))).toBe(0);
    });
  });

  it('delivers a task Python sends to our consumer, kept in kombu\'s unacked format until acked', async () => {
    const DB = 2;
    const ours = transport(DB);
    const redis = new Redis(server.url(DB));
    const got: Delivery[] = [];
    await ours.consume(['pyq'], { prefetch: 0, deliver: (d) => got.push(d), malformed: () => undefined });
    const id = (await runPython('send_task.py', { broker: server.url(DB), backend: server.url(BACKEND_DB), args: ['tasks.add', 'pyq', '[1, 2]'] })).trim();
    await until('the delivery', () => got.length === 1, 15_000);
    const delivery = got[0] as Delivery;
    const task = decodeTaskMessage(delivery.message);
    expect(task.ok && [task.value.id, task.value.name, task.value.args]).toEqual([id, 'tasks.add', [1, 2]]);
    const tag = delivery.message.delivery?.tag as string;
    const entry = JSON.parse((await redis.hget('unacked', tag)) as string);
    expect(entry).toHaveLength(3);
    expect(entry.slice(1)).toEqual(['', 'pyq']);
    expect(entry[0].properties.delivery_tag).toBe(tag);
    expect(entry[0].headers.id).toBe(id);
    expect(Math.abs(Number(await redis.zscore('unacked_index', tag)) - Date.now() / 1000)).toBeLessThan(30);
    await delivery.ack();
    expect([await redis.hlen('unacked'), await redis.zcard('unacked_index')]).toEqual([0, 0]);
    redis.disconnect();
  });

  it('answers a Python `inspect().ping()` from our pidbox listener, which Python workers can see bound', async () => {
    const DB = 3;
    const ours = transport(DB);
    const redis = new Redis(server.url(DB));
    const heard: string[] = [];
    const listener = await ours.listenPidbox('ts@x', (message) => {
      const req = decodeControlRequest(message);
      if (!req.ok || !controlRequestIsFor(req.value, 'ts@x')) return;
      heard.push(req.value.method);
      const { replyTo, ticket } = req.value;
      if (replyTo) void ours.publish(replyTo.exchange, replyTo.routingKey, encodeControlReply({ node: 'ts@x', value: { ok: 'pong' }, ticket, clock: 7 }));
    });
    const member = `${S}${S}ts@x.celery.pidbox`;
    expect(await redis.sismember('_kombu.binding.celery.pidbox', member)).toBe(1);
    const out = await runPython('redis_inspect_ping.py', { broker: server.url(DB), backend: server.url(BACKEND_DB), args: ['ts@x', '10'] });
    expect(JSON.parse(out.trim().split('\n').pop() as string)).toEqual({ 'ts@x': { ok: 'pong' } });
    expect(heard).toEqual(['ping']);
    await listener.close();
    expect(await redis.sismember('_kombu.binding.celery.pidbox', member)).toBe(0);
    redis.disconnect();
  });

  it('restores, marked redelivered, a prefetched task that a killed Python worker left in unacked', async () => {
    const DB = 5;
    const ours = transport(DB, { visibilityTimeout: 1 });
    const redis = new Redis(server.url(DB));
    const python = await startCeleryWorker({
      broker: server.url(DB), backend: server.url(BACKEND_DB), queues: ['pyheld'], nodename: 'py-killed@pollen', pool: 'prefork', concurrency: 1, detached: true,
    });
    workers.push(python);
    const sleeper = crypto.randomUUID();
    const held = crypto.randomUUID();
    await ours.publish('', 'pyheld', encodeTaskMessage(newTaskMessage({ id: sleeper, name: 'tasks.sleep', args: [30] })));
    await ours.publish('', 'pyheld', addTask(held, 1, 1));
    // The one process runs the sleeper (acked when it started); the add waits, prefetched, in `unacked`.
    const tag = await until('the add in unacked, written by Python', async () => {
      for (const [key, value] of Object.entries(await redis.hgetall('unacked'))) {
        const entry = JSON.parse(value);
        if (entry[0].headers.id === held) return { key, entry };
      }
      return null;
    }, 20_000);
    expect(tag.entry.slice(1)).toEqual(['', 'pyheld']);
    process.kill(-(python.process.pid as number), 'SIGKILL');
    await python.stop();
    const got: Delivery[] = [];
    await ours.consume(['pyheld'], { prefetch: 0, deliver: (d) => got.push(d), malformed: () => undefined });
    await until('the restored add', () => got.some((d) => d.message.headers['id'] === held), 15_000);
    const restored = got.find((d) => d.message.headers['id'] === held) as Delivery;
    expect(restored.message.delivery).toMatchObject({ redelivered: true, tag: tag.key });
    expect(restored.message.headers['redelivered']).toBe(true);
    for (const d of got) await d.ack();
    expect(await redis.hlen('unacked')).toBe(0);
    redis.disconnect();
  });

  it('leaves a vanished delivery where a Python worker with visibility_timeout=1 restores and runs it', async () => {
    const DB = 4;
    const dead = transport(DB);
    const redis = new Redis(server.url(DB));
    const got: Delivery[] = [];
    await dead.consume(['visq'], { prefetch: 0, deliver: (d) => got.push(d), malformed: () => undefined });
    const id = crypto.randomUUID();
    await dead.publish('', 'visq', addTask(id, 19, 23));
    await until('our delivery', () => got.length === 1, 10_000);
    dead._abandon();
    expect([await redis.llen('visq'), await redis.hlen('unacked')]).toEqual([0, 1]);
    // Older than the 1 s timeout by the time the worker looks (it does at start).
    await new Promise((r) => setTimeout(r, 1_200));
    workers.push(await startVisibilityWorker(server.url(DB), server.url(BACKEND_DB)));
    expect((await result(id)).result).toBe(42);
    await until('unacked emptied', async () => (await redis.hlen('unacked')) === 0, 10_000);
    redis.disconnect();
  });
});

/** A Python worker of test/python/redis_visibility.py: the test app with visibility_timeout 1 s. */
async function startVisibilityWorker(broker: string, backend: string): Promise<Child> {
  const args = ['-m', 'celery', '-A', 'redis_visibility', 'worker', '--loglevel', 'INFO', '-P', 'solo', '-c', '1', '-n', 'py-visibility@pollen', '-Q', 'visq', '--without-gossip', '--without-mingle'];
  const child = startChild('/usr/bin/python3', args, {
    cwd: APP_DIR,
    env: { ...process.env, PYTHONPATH: APP_DIR, POLLEN_TEST_BROKER: broker, POLLEN_TEST_BACKEND: backend, PYTHONUNBUFFERED: '1' },
  });
  try {
    await child.waitFor(/ready\./, 30_000);
  } catch (err) {
    await child.stop();
    throw err;
  }
  return child;
}
