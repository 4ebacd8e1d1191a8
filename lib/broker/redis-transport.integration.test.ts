/**
 * The Redis transport's task queues against a real redis-server, read back with plain Redis commands:
 * kombu's lists, priorities, `unacked` hash and index, prefetch, reject, the visibility timeout, a clean
 * close, global_keyprefix and a broker restart. Interop with Python Celery is in
 * redis-celery-interop.integration.test.ts. Each test uses its own Redis database (the unacked hash is
 * per database, and a short visibility timeout restores everything in it).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CeleryMessage, decodeTaskMessage, type DecodeError, encodeTaskMessage, names, newTaskMessage, NO_PROPERTIES } from '@/lib/celery';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { until } from '@/test/harness/until';
import { parseBrokerUrl } from './broker-url';
import { RedisTransport, type RedisTransportOptions } from './redis-transport';
import { type ConsumeOptions, type Delivery, LinkStatus } from './transport';

const S = names.KOMBU_SEP;

function task(id: string, priority = 0): CeleryMessage {
  return encodeTaskMessage(newTaskMessage({ id, name: 'tasks.add', args: [1, 2], properties: { ...NO_PROPERTIES, priority } }));
}

function idOf(delivery: Delivery): string {
  const decoded = decodeTaskMessage(delivery.message);
  if (!decoded.ok) throw new Error(decoded.error.message);
  return decoded.value.id;
}

class Received {
  readonly deliveries: Delivery[] = [];
  readonly malformed: DecodeError[] = [];
  options(prefetch: number): ConsumeOptions {
    return {
      prefetch,
      deliver: (d) => this.deliveries.push(d),
      malformed: (e) => this.malformed.push(e),
    };
  }
  ids(): string[] {
    return this.deliveries.map(idOf);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Redis transport: task queues as kombu keeps them', () => {
  let server: RedisServer;
  let nextDb = 1;
  const open: RedisTransport[] = [];
  const clients: Redis[] = [];

  beforeAll(async () => {
    server = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
    for (const c of clients.splice(0)) c.disconnect();
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** A fresh database, a transport on it, and a plain client to look at it. */
  function setup(options: RedisTransportOptions = {}, query = '') {
    const db = nextDb++;
    const transport = transportOn(`${server.url(db)}${query}`, options);
    const redis = new Redis(server.url(db));
    clients.push(redis);
    return { db, transport, redis, another: (more: RedisTransportOptions = {}) => transportOn(`${server.url(db)}${query}`, { ...options, ...more }) };
  }

  function transportOn(url: string, options: RedisTransportOptions): RedisTransport {
    const broker = parseBrokerUrl(url);
    if (!broker.ok) throw new Error(broker.error);
    const transport = new RedisTransport(broker.value, options);
    open.push(transport);
    return transport;
  }

  it('publishes to the list of the message priority, declares once, and drops what no binding routes', async () => {
    const { transport, redis } = setup();
    await transport.declareQueue('jobs');
    await transport.declareQueue('jobs');
    expect(await redis.smembers('_kombu.binding.jobs')).toEqual([`jobs${S}${S}jobs`]);
    await transport.publish('', 'jobs', task('p0'));
    await transport.publish('', 'jobs', task('p5', 5));
    await transport.publish('', 'jobs', task('p9', 9));
    expect(await redis.llen('jobs')).toBe(1);
    expect(await redis.llen(`jobs${S}3`)).toBe(1);
    expect(await redis.llen(`jobs${S}9`)).toBe(1);
    const envelope = JSON.parse((await redis.lindex(`jobs${S}3`, 0)) as string);
    expect(envelope.properties).toMatchObject({ delivery_info: { exchange: '', routing_key: 'jobs' }, priority: 5, body_encoding: 'base64' });
    expect(envelope.properties.delivery_tag).toMatch(/^[0-9a-f-]{36}$/);
    // A named direct exchange goes through its binding table; an unbound routing key goes nowhere.
    await redis.sadd('_kombu.binding.ex', `rk${S}${S}jobs`, `rk${S}${S}other`, `zz${S}${S}third`);
    await transport.publish('ex', 'rk', task('routed'));
    await transport.publish('ex', 'nobody', task('dropped'));
    expect(await redis.llen('jobs')).toBe(2);
    expect(await redis.llen('other')).toBe(1);
    expect(await redis.exists('third', 'nobody')).toBe(0);
    // Queue length as Flower counts it: the four priority lists summed; a queue Redis never saw is 0.
    expect(await transport.queueLength('jobs')).toBe(4);
    expect(await transport.queueLength('never-used')).toBe(0);
    const copies = [JSON.parse((await redis.lindex('jobs', 0)) as string), JSON.parse((await redis.lindex('other', 0)) as string)];
    expect(copies[0].properties.delivery_info).toEqual({ exchange: 'ex', routing_key: 'rk' });
    expect(copies[0].properties.delivery_tag).toBe(copies[1].properties.delivery_tag);
  });

  it('delivers step 0 before 3, 6 and 9, records each delivery in unacked, and forgets it on ack', async () => {
    const { transport, redis } = setup();
    await transport.publish('', 'q', task('low', 9));
    await transport.publish('', 'q', task('mid', 4));
    await transport.publish('', 'q', task('high', 0));
    const got = new Received();
    const consumer = await transport.consume(['q'], got.options(0));
    await until('three deliveries', () => got.deliveries.length === 3, 10_000);
    expect(got.ids()).toEqual(['high', 'mid', 'low']);
    expect(await redis.hlen('unacked')).toBe(3);
    expect(await redis.zcard('unacked_index')).toBe(3);
    for (const d of got.deliveries) await d.ack();
    await got.deliveries[0]?.ack(); // settled already: a no-op
    expect(await redis.hlen('unacked')).toBe(0);
    expect(await redis.zcard('unacked_index')).toBe(0);
    expect(consumer.queues()).toEqual(['q']);
    expect(await redis.smembers('_kombu.binding.q')).toEqual([`q${S}${S}q`]);
  });

  it('takes from every queue in turn (round robin) and from a queue added later; a cancelled one is left alone', async () => {
    const { transport, redis } = setup();
    for (const q of ['a', 'b']) for (let i = 0; i < 3; i++) await transport.publish('', q, task(`${q}${i}`));
    const got = new Received();
    const consumer = await transport.consume(['a', 'b'], got.options(0));
    await until('six deliveries', () => got.deliveries.length === 6, 10_000);
    expect(got.ids()).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);
    await consumer.cancelQueue('b');
    await consumer.addQueue('c');
    await sleep(2_000); // let the BRPOP on the old queue list time out (1 s), with room for a slow CI
    await transport.publish('', 'b', task('b-after-cancel'));
    await transport.publish('', 'c', task('c0'));
    await until('the added queue', () => got.ids().includes('c0'), 10_000);
    expect(got.ids()).not.toContain('b-after-cancel');
    expect(await redis.llen('b')).toBe(1);
  });

  it('keeps at most `prefetch` deliveries unsettled', async () => {
    const { transport, redis } = setup();
    for (let i = 0; i < 5; i++) await transport.publish('', 'pf', task(`m${i}`));
    const got = new Received();
    const consumer = await transport.consume(['pf'], got.options(2));
    await until('two deliveries', () => got.deliveries.length === 2, 10_000);
    await sleep(1_500);
    expect(got.deliveries.length).toBe(2);
    expect(await redis.llen('pf')).toBe(3);
    expect(await redis.hlen('unacked')).toBe(2);
    await got.deliveries[0]?.ack();
    await until('a third delivery after an ack', () => got.deliveries.length === 3, 10_000);
    await sleep(500);
    expect(got.deliveries.length).toBe(3);
    consumer.setPrefetch(0);
    await until('all five once unlimited', () => got.deliveries.length === 5, 10_000);
    expect(got.ids()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  it('reject(true) puts it at the back of its queue marked redelivered; reject(false) drops it', async () => {
    const { transport, redis } = setup();
    await transport.publish('', 'rj', task('A'));
    await transport.publish('', 'rj', task('B'));
    const got = new Received();
    await transport.consume(['rj'], got.options(1));
    await until('A', () => got.deliveries.length === 1, 10_000);
    const first = got.deliveries[0] as Delivery;
    expect([idOf(first), first.message.delivery?.redelivered]).toEqual(['A', false]);
    await first.reject(true);
    await until('B', () => got.deliveries.length === 2, 10_000);
    // kombu requeues with LPUSH: behind B, which was waiting.
    expect(idOf(got.deliveries[1] as Delivery)).toBe('B');
    await got.deliveries[1]?.ack();
    await until('A again', () => got.deliveries.length === 3, 10_000);
    const again = got.deliveries[2] as Delivery;
    expect(idOf(again)).toBe('A');
    expect(again.message.delivery?.redelivered).toBe(true);
    expect(again.message.headers['redelivered']).toBe(true);
    await again.reject(false);
    await again.ack(); // settled already: a no-op
    await sleep(1_200);
    expect(got.deliveries.length).toBe(3);
    expect([await redis.llen('rj'), await redis.hlen('unacked'), await redis.zcard('unacked_index')]).toEqual([0, 0, 0]);
  });

  it('reports an item that is not an envelope, drops it, and goes on; so it does after callbacks that throw', async () => {
    const { transport, redis } = setup();
    await redis.lpush('bad', 'garbage{');
    for (const id of ['fine', 'also-fine']) await transport.publish('', 'bad', task(id));
    const got = new Received();
    const options = got.options(0);
    await transport.consume(['bad'], {
      ...options,
      deliver: (d) => {
        options.deliver(d);
        throw new Error('a broken worker');
      },
      malformed: (e, raw) => {
        options.malformed(e, raw);
        throw new Error('a broken logger');
      },
    });
    await until('the good ones', () => got.deliveries.length === 2, 10_000);
    expect(got.ids()).toEqual(['fine', 'also-fine']);
    expect(got.malformed).toHaveLength(1);
    expect([await redis.llen('bad'), await redis.hlen('unacked')]).toEqual([0, 2]);
  });

  it('close() puts unsettled deliveries back at the front of their queue, oldest first', async () => {
    const { transport, redis, another } = setup();
    for (const id of ['A', 'B', 'C']) await transport.publish('', 'cl', task(id));
    const got = new Received();
    const consumer = await transport.consume(['cl'], got.options(2));
    await until('A and B', () => got.deliveries.length === 2, 10_000);
    await consumer.close();
    expect([await redis.llen('cl'), await redis.hlen('unacked')]).toEqual([3, 0]);
    await got.deliveries[0]?.ack(); // after close: no effect, it is back in the queue
    expect(await redis.llen('cl')).toBe(3);
    const next = new Received();
    await another().consume(['cl'], next.options(0));
    await until('all three again', () => next.deliveries.length === 3, 10_000);
    expect(next.ids()).toEqual(['A', 'B', 'C']);
    expect(next.deliveries.map((d) => d.message.delivery?.redelivered)).toEqual([true, true, false]);
  });

  it('a consumer that vanishes leaves its delivery in unacked; one with a 1 s visibility timeout restores it', async () => {
    const { db, transport, redis, another } = setup();
    await transport.publish('', 'vis', task('lost'));
    const dead = new Received();
    await transport.consume(['vis'], dead.options(0));
    await until('the delivery', () => dead.deliveries.length === 1, 10_000);
    transport._abandon();
    const tag = dead.deliveries[0]?.message.delivery?.tag as string;
    const entry = JSON.parse((await redis.hget('unacked', tag)) as string);
    expect(entry.slice(1)).toEqual(['', 'vis']);
    expect(entry[0].properties.delivery_tag).toBe(tag);
    expect(Math.abs(Number(await redis.zscore('unacked_index', tag)) - Date.now() / 1000)).toBeLessThan(10);
    // A default consumer (visibility timeout 3600 s) leaves it alone.
    const patient = new Received();
    await another().consume(['vis'], patient.options(0));
    await sleep(1_500);
    expect(patient.deliveries).toHaveLength(0);
    const rescuer = new Received();
    // The URL sets it (kombu's transport option spelled as a query parameter).
    const broker = parseBrokerUrl(`${server.url(db)}?visibility_timeout=1`);
    if (!broker.ok) throw new Error(broker.error);
    const fast = new RedisTransport(broker.value);
    open.push(fast);
    await fast.consume(['vis'], rescuer.options(0));
    await until('the restored delivery', () => rescuer.deliveries.length + patient.deliveries.length === 1, 10_000);
    const restored = (rescuer.deliveries[0] ?? patient.deliveries[0]) as Delivery;
    expect([idOf(restored), restored.message.delivery?.redelivered]).toEqual(['lost', true]);
    await restored.ack();
    expect(await redis.hlen('unacked')).toBe(0);
    expect(await redis.exists('unacked_mutex')).toBe(0);
  });

  it('honours global_keyprefix on lists, bindings and the unacked keys', async () => {
    const { transport, redis } = setup({ keyprefix: 'pfx:' });
    await transport.publish('', 'kp', task('k1', 6));
    expect(await redis.llen(`pfx:kp${S}6`)).toBe(1);
    const got = new Received();
    await transport.consume(['kp'], got.options(0));
    await until('the delivery', () => got.deliveries.length === 1, 10_000);
    expect(got.deliveries[0]?.queue).toBe('kp');
    expect(await redis.smembers('pfx:_kombu.binding.kp')).toEqual([`kp${S}${S}kp`]);
    expect([await redis.hlen('pfx:unacked'), await redis.exists('unacked', 'kp')]).toEqual([1, 0]);
  });
});

describe('Redis transport: task queues across a broker restart', () => {
  let server: RedisServer;
  let transport: RedisTransport;

  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await transport?.close();
    await server?.stop();
  });

  it('keeps consuming, acking and answering pidbox replies after Redis restarts', async () => {
    const broker = parseBrokerUrl(server.url(0));
    if (!broker.ok) throw new Error(broker.error);
    transport = new RedisTransport(broker.value);
    const got = new Received();
    await transport.consume(['rs'], got.options(0));
    const replies: CeleryMessage[] = [];
    const reply = await transport.openReplyQueue((m) => replies.push(m));
    await transport.publish('', 'rs', task('before'));
    await until('before', () => got.deliveries.length === 1, 10_000);
    const states: string[] = [];
    transport.onStateChange((s) => states.push(s.status));
    await server.restart();
    await until('reconnected', () => states.includes(LinkStatus.Reconnecting) && transport.state().status === LinkStatus.Connected, 30_000);
    await until('a delivery after the restart', async () => {
      if (!got.ids().includes('after')) await transport.publish('', 'rs', task('after')).catch(() => undefined);
      return got.ids().includes('after');
    }, 30_000);
    const after = got.deliveries.find((d) => idOf(d) === 'after') as Delivery;
    await after.ack();
    const redis = new Redis(server.url(0));
    expect(await redis.hlen('unacked')).toBe(0);
    // The reply queue's binding is back, so a reply still reaches it.
    await until('the binding again', async () => (await redis.sismember('_kombu.binding.reply.celery.pidbox', `${reply.oid}${S}${S}${reply.oid}.reply.celery.pidbox`)) === 1, 10_000);
    await transport.publish(names.REPLY_EXCHANGE, reply.oid, task(randomUUID()));
    await until('the reply', () => replies.length === 1, 10_000);
    redis.disconnect();
  });
});
