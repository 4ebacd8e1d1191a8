/**
 * The AMQP transport's task queues and remote control, against a real RabbitMQ and real Python Celery 5.2
 * (py-amqp 5.1): our declarations and Celery's coexist, tasks go both ways, acknowledgements, prefetch
 * and redelivery behave as a Celery worker's, pidbox requests and replies interoperate in both directions,
 * and a big integer header written by py-amqp does not knock the consumer offline; an event published
 * just before close() is not lost.
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import amqp, { type ChannelModel } from 'amqplib';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  controlRequestIsFor,
  decodeControlReply,
  decodeControlRequest,
  encodeControlReply,
  encodeControlRequest,
  encodeEventJson,
  encodeTaskMessage,
  type CeleryMessage,
  type ControlRequest,
  type JsonValue,
  names,
  newTaskMessage,
} from '@/lib/celery';
import type { Child } from '@/test/harness/child';
import { runPython, startCeleryWorker } from '@/test/harness/celery-worker';
import { type RabbitServer, startRabbit } from '@/test/harness/rabbitmq-server';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { until } from '@/test/harness/until';
import { declareExchange } from './amqp-entities';
import { parseBrokerUrl } from './broker-url';
import { createTransport } from './create-transport';
import type { ConsumeOptions, Delivery, Transport } from './transport';

const PY_NODE = 'py@pollen';
let rabbit: RabbitServer;
let redis: RedisServer;
let worker: Child | undefined;
let admin: ChannelModel;
let results: Redis;
const transports: Transport[] = [];

function transport(): Transport {
  const broker = parseBrokerUrl(rabbit.url());
  if (!broker.ok) throw new Error(broker.error);
  const created = createTransport(broker.value);
  transports.push(created);
  return created;
}

const python = (script: string, args: string[]) => runPython(script, { broker: rabbit.url(), backend: redis.url(0), args });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const task = (args: JsonValue[], id: string = randomUUID()) => encodeTaskMessage(newTaskMessage({ id, name: 'tasks.add', args }));
const idOf = (delivery: Delivery | undefined) => delivery?.message.properties.correlationId;
const collect = (into: Delivery[], prefetch: number): ConsumeOptions => ({ prefetch, deliver: (d) => void into.push(d), malformed: () => undefined });

/** A queue's ready messages (unacknowledged ones are not counted) and consumers, or null if there is no such queue. */
async function checkQueue(queue: string): Promise<{ messageCount: number; consumerCount: number } | null> {
  const channel = await admin.createChannel();
  channel.on('error', () => undefined);
  try {
    return await channel.checkQueue(queue);
  } catch {
    return null;
  } finally {
    await channel.close().catch(() => undefined);
  }
}

async function messageCount(queue: string): Promise<number | null> {
  return (await checkQueue(queue))?.messageCount ?? null;
}

/**
 * Cuts a transport's connection as a network failure would (the socket errors). A bare destroy() is not
 * enough: amqplib watches only 'end' and 'error', so it would wait for a missed heartbeat.
 */
function cutConnection(t: Transport): void {
  const socket = (t as unknown as { connection: { connection: { stream: Socket } } }).connection.connection.stream;
  socket.destroy(new Error('simulated network failure'));
}

beforeAll(async () => {
  [rabbit, redis] = await Promise.all([startRabbit(), startRedis()]);
  admin = await amqp.connect(rabbit.url());
  admin.on('error', () => undefined);
  results = new Redis(redis.url(0));
  // Declared by us before the Python worker declares it (and `celery` the other way round, below).
  await transport().declareQueue('pollen.ours');
  worker = await startCeleryWorker({ broker: rabbit.url(), backend: redis.url(0), queues: ['pollen.ours', 'celery'], nodename: PY_NODE });
}, 90_000);

afterAll(async () => {
  for (const t of transports) await t.close().catch(() => undefined);
  await worker?.stop();
  results?.disconnect();
  await admin?.close().catch(() => undefined);
  await Promise.all([rabbit?.stop(), redis?.stop()]);
});

describe('AMQP task queues with Python Celery', () => {
  it('a task we declare and publish runs on a Python worker; its result is in the Redis backend', async () => {
    const t = transport();
    await t.declareQueue('celery'); // the worker declared it first: same flags, or PRECONDITION_FAILED
    await t.declareQueue('celery');
    const [ours, theirs] = [randomUUID(), randomUUID()];
    await t.publish('', 'pollen.ours', task([2, 3], ours));
    await t.publish('', 'celery', task([4, 5], theirs));
    const meta = async (id: string) => JSON.parse((await until(`the result of ${id}`, () => results.get(names.taskMetaKey(id)), 30_000)) as string);
    expect(await meta(ours)).toMatchObject({ status: 'SUCCESS', result: 5, task_id: ours });
    expect(await meta(theirs)).toMatchObject({ status: 'SUCCESS', result: 9, task_id: theirs });
  });

  it('takes tasks Python sent: ack removes one, reject(true) redelivers it, reject(false) drops it', async () => {
    const queue = 'pollen.consume';
    const t = transport();
    await t.declareQueue(queue);
    const ids = [...(await python('amqp_send.py', ['tasks.add', queue, '[1, 2]', 'null', '3'])).matchAll(/^SENT (\S+)$/gm)].map((m) => m[1]);
    expect(ids).toHaveLength(3);
    // Waiting messages by a passive declare; a queue that does not exist counts 0 and breaks nothing.
    expect(await t.queueLength(queue)).toBe(3);
    expect(await t.queueLength('pollen.no-such-queue')).toBe(0);
    const seen: Delivery[] = [];
    const consumer = await t.consume([queue], {
      prefetch: 10,
      deliver: (d) => {
        seen.push(d);
        throw new Error('a careless callback must not stop the consumer');
      },
      malformed: () => undefined,
    });
    await until('three deliveries', () => seen.length >= 3);
    expect(seen.map(idOf)).toEqual(ids);
    expect(seen[0]?.queue).toBe(queue);
    expect(seen[0]?.message.headers).toMatchObject({ task: 'tasks.add', id: ids[0], lang: 'py' });
    expect(seen[0]?.message.delivery).toMatchObject({ exchange: '', routingKey: queue, redelivered: false });
    await seen[0]?.ack();
    await seen[0]?.ack(); // settled already: a no-op
    await seen[1]?.reject(true);
    await seen[2]?.reject(false);
    await until('the requeued task again', () => seen.length >= 4);
    expect(idOf(seen[3])).toBe(ids[1]);
    expect(seen[3]?.message.delivery?.redelivered).toBe(true);
    await sleep(300);
    expect(seen).toHaveLength(4); // neither the acked nor the dropped one came back

    // Closing gives the unsettled one back; settling it afterwards is a no-op.
    await consumer.close();
    await seen[3]?.ack();
    await until('the unsettled task back in its queue', async () => (await messageCount(queue)) === 1);
    const again: Delivery[] = [];
    const second = await t.consume([queue], collect(again, 1));
    await until('the returned task', () => again.length === 1);
    expect(idOf(again[0])).toBe(ids[1]);
    await again[0]?.ack();
    await second.close();
    expect(await messageCount(queue)).toBe(0);
  });

  it('holds at most `prefetch` unsettled deliveries across all its queues, and the limit can change while consuming', async () => {
    const queues = ['pollen.prefetch.a', 'pollen.prefetch.b'];
    const t = transport();
    for (const queue of queues) {
      await t.declareQueue(queue);
      for (let i = 0; i < 3; i++) await t.publish('', queue, task([i, i]));
    }
    const seen: Delivery[] = [];
    const consumer = await t.consume(queues, collect(seen, 2));
    await until('two deliveries', () => seen.length >= 2);
    await sleep(500);
    expect(seen).toHaveLength(2); // shared by both queues (per queue, there would be four)
    await seen[0]?.ack();
    await until('a third after an ack', () => seen.length >= 3);
    await sleep(300);
    expect(seen).toHaveLength(3);
    consumer.setPrefetch(0);
    await until('the rest once unlimited', () => seen.length === 6);
    expect(new Set(seen.map((d) => d.queue))).toEqual(new Set(queues));
    expect(seen[0]?.message.properties.deliveryMode).toBe(2); // persistent, as the task message says
    for (const d of seen) await d.ack();
    await consumer.close();
    for (const queue of queues) expect(await messageCount(queue)).toBe(0);
  });

  it('publish resolves once RabbitMQ has the message, and rejects what it refuses without harm to later ones', async () => {
    const t = transport();
    await expect(t.publish('pollen.no-such-exchange', 'x', task([1, 1]))).rejects.toThrow(/NOT_FOUND/);
    await t.declareQueue('pollen.published');
    await t.publish('', 'pollen.published', task([1, 1]));
    expect(await messageCount('pollen.published')).toBe(1); // confirmed: already in the queue
  });

  it('adds and cancels queues while consuming, and declares a queue again when it is deleted under it', async () => {
    const t = transport();
    const seen: Delivery[] = [];
    const consumer = await t.consume(['pollen.first'], collect(seen, 0));
    await consumer.addQueue('pollen.added'); // declares it, so the publish below is routed
    expect(consumer.queues()).toEqual(['pollen.first', 'pollen.added']);
    await t.publish('', 'pollen.added', task([1, 1]));
    await until('a task from the added queue', () => seen.length === 1);
    expect(seen[0]?.queue).toBe('pollen.added');
    await seen[0]?.ack();

    await consumer.cancelQueue('pollen.added');
    expect(consumer.queues()).toEqual(['pollen.first']);
    await t.publish('', 'pollen.added', task([2, 2]));
    await until('the task waiting in the cancelled queue', async () => (await messageCount('pollen.added')) === 1);
    expect(seen).toHaveLength(1);

    const channel = await admin.createChannel();
    await channel.deleteQueue('pollen.first');
    await channel.close();
    await until('pollen.first declared again', async () => (await messageCount('pollen.first')) !== null, 10_000);
    const id = randomUUID();
    await until('a task through the declared-again queue', async () => {
      if (seen.length === 1) await t.publish('', 'pollen.first', task([3, 3], id)); // the consumer may take a moment
      await sleep(200);
      return seen.length > 1;
    }, 10_000);
    expect(idOf(seen[1])).toBe(id);
    await consumer.close();
  });

  it('a consumer whose connection dies unacked: another consumer gets the message, and the first comes back by itself', async () => {
    const queue = 'pollen.crash';
    const [a, b] = [transport(), transport()];
    await a.declareQueue(queue);
    const seenA: Delivery[] = [];
    const seenB: Delivery[] = [];
    await a.consume([queue], collect(seenA, 1));
    const first = randomUUID();
    await a.publish('', queue, task([1, 1], first));
    await until('the task at A', () => seenA.length === 1);
    const consumerB = await b.consume([queue], collect(seenB, 1));
    const statesA: string[] = [];
    a.onStateChange((s) => statesA.push(s.status));

    cutConnection(a);
    await until('the task at B', () => seenB.length === 1);
    expect(idOf(seenB[0])).toBe(first);
    expect(seenB[0]?.message.delivery?.redelivered).toBe(true);
    await seenB[0]?.ack();

    await until('A connected again', () => statesA.includes('reconnecting') && a.state().status === 'connected', 20_000);
    // Its channel is gone: a no-op, not a crash, nor an ack of an unknown tag on the new channel.
    await seenA[0]?.ack();
    await seenA[0]?.reject(true);
    await consumerB.close();
    const second = randomUUID();
    await b.publish('', queue, task([2, 2], second));
    await until("A's consumer back on the new connection", () => seenA.length === 2, 20_000);
    expect(idOf(seenA[1])).toBe(second);
    await seenA[1]?.ack();
    await until('nothing left', async () => (await messageCount(queue)) === 0);
  });

  it('a big integer header from a Python producer (py-amqp type L) arrives, and the connection stays up', async () => {
    const queue = 'pollen.bigint';
    const t = transport();
    await t.declareQueue(queue);
    const states: string[] = [];
    t.onStateChange((s) => states.push(s.status));
    const seen: Delivery[] = [];
    const malformed: unknown[] = [];
    await t.consume([queue], { prefetch: 10, deliver: (d) => void (seen.push(d), d.ack()), malformed: (e) => void malformed.push(e) });
    const headers = { big: 2 ** 40, neg: -(2 ** 40), edge: -(2 ** 31), nested: { deep: 2 ** 35 }, small: 7 };
    await python('amqp_send.py', ['tasks.add', queue, '[1, 2]', JSON.stringify(headers)]);
    await python('amqp_send.py', ['tasks.add', queue, '[3, 4]']);
    await until('both tasks', () => seen.length >= 2 || states.length > 0, 20_000);
    expect(seen[0]?.message.headers).toMatchObject({ ...headers, task: 'tasks.add' });
    expect(seen[1]?.message.headers).toMatchObject({ task: 'tasks.add' });
    expect(malformed).toEqual([]);
    expect(states).toEqual([]); // never lost the connection
    expect(t.state().status).toBe('connected');
    await until('both acked', async () => (await messageCount(queue)) === 0);
  });
});

describe('AMQP remote control (pidbox) with Python Celery', () => {
  it("a Python client's ping reaches our pidbox listener, and it prints our reply", async () => {
    const node = 'ts@x';
    const t = transport();
    const requests: ControlRequest[] = [];
    const listener = await t.listenPidbox(node, (message: CeleryMessage) => {
      const request = decodeControlRequest(message);
      if (!request.ok) return;
      requests.push(request.value);
      const { replyTo, ticket } = request.value;
      if (controlRequestIsFor(request.value, node) && replyTo) {
        void t.publish(names.REPLY_EXCHANGE, replyTo.routingKey, encodeControlReply({ node, value: { ok: 'pong' }, ticket, clock: 0 }));
      }
      throw new Error('a careless callback must not stop the listener');
    });
    const ping = async () => JSON.parse(/^REPLIES (.*)$/m.exec(await python('amqp_ping.py', [node, '10']))?.[1] ?? 'null');
    expect(await ping()).toEqual({ [node]: { ok: 'pong' } });
    expect(requests[0]).toMatchObject({ method: 'ping', destination: [node], replyTo: { exchange: names.REPLY_EXCHANGE } });

    // After a lost connection the listener is back by itself (its auto-delete queue went with the connection).
    cutConnection(t);
    await until('the pidbox queue consumed again', async () => (await checkQueue(names.pidboxQueue(node)))?.consumerCount === 1, 20_000);
    expect(await ping()).toEqual({ [node]: { ok: 'pong' } });
    expect(requests).toHaveLength(2);

    await listener.close();
    await until('the auto-delete pidbox queue gone', async () => (await checkQueue(names.pidboxQueue(node))) === null);
  });

  it("declares a pidbox queue exactly as Celery does (sharing the Python worker's mailbox is not refused)", async () => {
    const t = transport();
    const listener = await t.listenPidbox(PY_NODE, () => undefined);
    expect((await checkQueue(names.pidboxQueue(PY_NODE)))?.consumerCount).toBe(2);
    await listener.close();
    expect((await checkQueue(names.pidboxQueue(PY_NODE)))?.consumerCount).toBe(1);
  });

  it("our reply queue gets a Python worker's pong to the ping we broadcast", async () => {
    const t = transport();
    const replies: CeleryMessage[] = [];
    const queue = await t.openReplyQueue((m) => void replies.push(m));
    expect(await messageCount(names.replyQueue(queue.oid))).toBe(0);
    const ticket = randomUUID();
    const ping = encodeControlRequest({
      method: 'ping', arguments: {}, destination: [PY_NODE], pattern: null, matcher: null, ticket,
      replyTo: { exchange: names.REPLY_EXCHANGE, routingKey: queue.oid }, clock: null, expires: null, extra: null,
    });
    await t.publishFanout(names.PIDBOX_EXCHANGE, '', ping);
    await until('the pong', () => replies.length === 1, 20_000);
    expect(decodeControlReply(replies[0] as CeleryMessage)).toMatchObject({ ok: true, value: { node: PY_NODE, value: { ok: 'pong' }, ticket } });
    await queue.close();
    expect(await messageCount(names.replyQueue(queue.oid))).toBeNull();
  });
});

describe('AMQP transport close', () => {
  it('an event published just before close() still arrives (a stopping worker says worker-offline last)', async () => {
    const watcher = await admin.createChannel();
    await declareExchange(watcher, names.EVENT_EXCHANGE);
    const { queue } = await watcher.assertQueue('', { exclusive: true });
    await watcher.bindQueue(queue, names.EVENT_EXCHANGE, 'worker.#');
    const keys: string[] = [];
    await watcher.consume(queue, (m) => void (m && keys.push(m.fields.routingKey)), { noAck: true });
    const t = transport();
    const offline = encodeEventJson({ hostname: 'closing@pollen', type: 'worker-offline', timestamp: Date.now() / 1000 }, 'closing@pollen');
    await t.publishFanout(names.EVENT_EXCHANGE, offline.routingKey, offline.message);
    await t.close();
    await until('worker-offline', () => keys.includes('worker.offline'), 5_000);
    await watcher.close();
  });
});
