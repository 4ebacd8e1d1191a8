/**
 * Remote control and events encoded by lib/celery, understood by REAL Python Celery over Redis: a Python
 * worker answers our pidbox requests (and we decode its replies), and Python's own EventReceiver reads
 * the events we encode, batches included.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Child, startChild } from '@/test/harness/child';
import { startCeleryWorker } from '@/test/harness/celery-worker';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { decodeEventBody, encodeEventMessage } from './event';
import type { CeleryEvent } from './event-types';
import { KOMBU_SEP, PIDBOX_EXCHANGE, REPLY_EXCHANGE, redisBindingKey, redisPidboxChannel, replyQueue, EVENT_EXCHANGE, redisFanoutChannel } from './names';
import { decodeControlReply, encodeControlRequest } from './pidbox';
import { decodeRedisEnvelope, encodeRedisEnvelope } from './redis-envelope';

const NODE = `pidbox-${process.pid}@pollen`;
const APP_DIR = fileURLToPath(new URL('../../test/python/', import.meta.url));

// Python's EventReceiver, printing each event it reads as one JSON line (flush: the test reads it live).
const RECEIVER = `
import json, os, sys
from tasks import app
with app.connection() as conn:
    recv = app.events.Receiver(conn, handlers={'*': lambda e: print(json.dumps(e), flush=True)})
    print('receiving', flush=True)
    recv.capture(limit=int(sys.argv[1]), timeout=30, wakeup=False)
`;

describe('pidbox and events between Pollen and Python Celery over Redis', () => {
  let redis: RedisServer;
  let worker: Child;
  let client: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    worker = await startCeleryWorker({ broker: redis.url(0), backend: redis.url(1), nodename: NODE });
    client = new Redis(redis.url(0));
  });

  afterAll(async () => {
    client?.disconnect();
    await worker?.stop();
    await redis?.stop();
  });

  /** A control request as Celery's broadcast() makes it on Redis (CELERY-WIRE.md §6.4), and its replies. */
  async function broadcast(method: string, args: Record<string, string | number | null> = {}, destination: string[] | null = [NODE]) {
    const oid = randomUUID();
    const ticket = randomUUID();
    // The reply binding must exist before the request is published, or the worker drops its reply.
    await client.sadd(redisBindingKey(REPLY_EXCHANGE), `${oid}${KOMBU_SEP}${KOMBU_SEP}${replyQueue(oid)}`);
    const request = encodeControlRequest({
      method, arguments: args, destination, pattern: null, matcher: null, ticket,
      replyTo: { exchange: REPLY_EXCHANGE, routingKey: oid }, clock: 1, expires: Date.now() / 1000 + 5, extra: null,
    });
    await client.publish(redisPidboxChannel({ db: 0 }), encodeRedisEnvelope(request, { exchange: PIDBOX_EXCHANGE, routingKey: '' }));
    const popped = await client.brpop(replyQueue(oid), 10);
    await client.srem(redisBindingKey(REPLY_EXCHANGE), `${oid}${KOMBU_SEP}${KOMBU_SEP}${replyQueue(oid)}`);
    expect(popped).not.toBeNull();
    const envelope = decodeRedisEnvelope((popped as [string, string])[1]);
    if (!envelope.ok) throw new Error(envelope.error.message);
    const reply = decodeControlReply(envelope.value);
    if (!reply.ok) throw new Error(reply.error.message);
    expect(reply.value.ticket).toBe(ticket);
    return reply.value;
  }

  it('a Python worker answers our ping, and we decode its reply', async () => {
    expect(await broadcast('ping')).toMatchObject({ node: NODE, value: { ok: 'pong' } });
  });

  it('a Python worker runs our control commands with arguments', async () => {
    expect((await broadcast('rate_limit', { task_name: 'tasks.add', rate_limit: '10/m' })).value).toEqual({ ok: 'new rate limit set successfully' });
    const registered = await broadcast('registered');
    expect(registered.value).toEqual(expect.arrayContaining(['tasks.add [rate_limit=10/m]', 'tasks.echo']));
    const stats = (await broadcast('stats')).value as { pid: number; clock: string };
    expect(stats.pid).toBe(worker.process.pid);
    expect(typeof stats.clock).toBe('string');
    expect((await broadcast('no_such_command')).value).toEqual({ error: "KeyError('no_such_command')" });
  });

  it("Python's EventReceiver reads the events we encode, single and batched", async () => {
    const receiver = startChild('/usr/bin/python3', ['-c', RECEIVER, '1000'], {
      cwd: APP_DIR,
      env: { ...process.env, PYTHONPATH: APP_DIR, POLLEN_TEST_BROKER: redis.url(0), POLLEN_TEST_BACKEND: redis.url(1) },
    });
    try {
      await receiver.waitFor(/receiving/, 20_000);
      const base = { hostname: 'ts@pollen', utcoffset: 0, pid: 4242, clock: 7, timestamp: Date.now() / 1000 };
      const events = decodeEventBody([
        { ...base, type: 'worker-heartbeat', freq: 2.0, active: 1, processed: 9, loadavg: [0.1, 0.2, 0.3], sw_ident: 'ts-celery', sw_ver: '0.1.0', sw_sys: 'Linux' },
        { ...base, type: 'task-received', uuid: 'u-1', name: 'tasks.add', args: '(1, 2)', kwargs: '{}', root_id: 'u-1', parent_id: null, retries: 0, eta: null, expires: null },
        { ...base, type: 'task-succeeded', uuid: 'u-1', result: '3', runtime: 0.01 },
      ]).events;
      const [heartbeat, ...taskEvents] = events as [CeleryEvent, ...CeleryEvent[]];
      // The receiver's queue is bound once its consumer runs; publish until it has read all three.
      const deadline = Date.now() + 20_000;
      // Until every type was read: the receiver may bind between two publishes of one round.
      const readAll = () => ['worker-heartbeat', 'task-received', 'task-succeeded'].every((type) => receiver.output().includes(`"type": "${type}"`));
      while (!readAll() && Date.now() < deadline) {
        for (const batch of [heartbeat, taskEvents]) {
          const { message, routingKey } = encodeEventMessage(batch, 'ts@pollen');
          const channel = redisFanoutChannel(EVENT_EXCHANGE, routingKey, { db: 0 });
          await client.publish(channel, encodeRedisEnvelope(message, { exchange: EVENT_EXCHANGE, routingKey }));
        }
        await new Promise((r) => setTimeout(r, 300));
      }
      const seen = receiver
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(seen.find((e) => e['type'] === 'worker-heartbeat')).toMatchObject({ hostname: 'ts@pollen', active: 1, processed: 9, sw_ident: 'ts-celery' });
      expect(seen.find((e) => e['type'] === 'task-received')).toMatchObject({ uuid: 'u-1', name: 'tasks.add', args: '(1, 2)' });
      expect(seen.find((e) => e['type'] === 'task-succeeded')).toMatchObject({ uuid: 'u-1', result: '3', runtime: 0.01 });
    } finally {
      await receiver.stop();
    }
  });
});
