import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryBroker, MemoryTransport, parseBrokerUrl, type Transport } from '@/lib/broker';
import {
  type CeleryMessage,
  type ControlRequest,
  decodeControlRequest,
  decodeRedisEnvelope,
  encodeControlReply,
  type JsonValue,
  names,
} from '@/lib/celery';
import { PidboxClient } from './pidbox-client';

const url = parseBrokerUrl('memory://');
if (!url.ok) throw new Error(url.error);
const broker = url.value;

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

interface Seen {
  readonly request: ControlRequest;
  readonly message: CeleryMessage;
}

/**
 * A bus with fake workers: each hears every pidbox request (fanout), records it, and when it is addressed
 * to it and a reply is wanted, answers through the reply exchange after `delayMs`.
 */
function setup(nodes: { name: string; delayMs?: number; answer?: (r: ControlRequest) => JsonValue }[] = []) {
  const bus = new MemoryBroker();
  const seen: Seen[] = [];
  const transport = new MemoryTransport(broker, bus);
  const workerSide = new MemoryTransport(broker, bus);
  bus.subscribe(names.PIDBOX_EXCHANGE, (envelope) => {
    const message = decodeRedisEnvelope(envelope);
    if (!message.ok) throw new Error(message.error.message);
    const decoded = decodeControlRequest(message.value);
    if (!decoded.ok) throw new Error(decoded.error.message);
    const request = decoded.value;
    seen.push({ request, message: message.value });
    for (const node of nodes) {
      if (request.destination && !request.destination.includes(node.name)) continue;
      if (!request.replyTo) continue;
      const reply = encodeControlReply({ node: node.name, value: node.answer?.(request) ?? { ok: 'pong' }, ticket: request.ticket, clock: 100 });
      const send = () => void workerSide.publish(request.replyTo!.exchange, request.replyTo!.routingKey, reply);
      setTimeout(send, node.delayMs ?? 0);
    }
  });
  const client = new PidboxClient(transport);
  cleanup.push(async () => {
    await client.close();
    await transport.close();
    await workerSide.close();
  });
  return { bus, seen, transport, workerSide, client };
}

describe('PidboxClient', () => {
  it('casts a request as Celery does: fanout to celery.pidbox, no ticket or reply_to, headers clock and expires', async () => {
    const { client, seen } = setup([{ name: 'a@x' }]);
    const before = Date.now() / 1000;
    const replies = await client.broadcast('rate_limit', { task_name: 'tasks.add', rate_limit: '10/m' }, { timeout: 2000 });
    expect(replies).toEqual([]);
    expect(seen).toHaveLength(1);
    const { request, message } = seen[0]!;
    expect(request).toMatchObject({
      method: 'rate_limit',
      arguments: { task_name: 'tasks.add', rate_limit: '10/m' },
      destination: null,
      pattern: null,
      matcher: null,
      ticket: null,
      replyTo: null,
    });
    expect(message.headers['clock']).toBe(1);
    const expires = message.headers['expires'] as number;
    expect(expires).toBeGreaterThanOrEqual(before + 2 - 0.01);
    expect(expires).toBeLessThan(Date.now() / 1000 + 2 + 0.01);
    expect(message.properties.deliveryMode).toBe(2);
    expect(message.delivery).toMatchObject({ exchange: names.PIDBOX_EXCHANGE, routingKey: '' });
    // The body has exactly kombu's keys for a cast.
    expect(Object.keys(JSON.parse(Buffer.from(message.body).toString()))).toEqual(['method', 'arguments', 'destination', 'pattern', 'matcher']);
  });

  it('calls with a ticket and reply_to naming its reply queue, and returns the replies', async () => {
    const { client, seen } = setup([{ name: 'a@x' }, { name: 'b@x', delayMs: 20 }]);
    const replies = await client.broadcast('ping', {}, { reply: true, timeout: 300 });
    expect(replies.map((r) => [r.node, r.value]).sort()).toEqual([['a@x', { ok: 'pong' }], ['b@x', { ok: 'pong' }]]);
    const { request } = seen[0]!;
    expect(request.ticket).toMatch(/^[0-9a-f-]{36}$/);
    expect(request.replyTo?.exchange).toBe(names.REPLY_EXCHANGE);
    expect(replies.every((r) => r.ticket === request.ticket)).toBe(true);
  });

  it('stops at the limit, which defaults to the number of destinations', async () => {
    const { client, seen } = setup([{ name: 'a@x' }, { name: 'b@x' }, { name: 'c@x', delayMs: 5 }]);
    const started = Date.now();
    const replies = await client.broadcast('ping', {}, { reply: true, destination: ['a@x', 'b@x'], timeout: 5000 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(replies.map((r) => r.node).sort()).toEqual(['a@x', 'b@x']);
    expect(seen[0]!.request.destination).toEqual(['a@x', 'b@x']);
    const limited = await client.broadcast('ping', {}, { reply: true, limit: 1, timeout: 5000 });
    expect(limited).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('gives up at the timeout with the replies that came in time', async () => {
    const { client } = setup([{ name: 'fast@x' }, { name: 'slow@x', delayMs: 400 }]);
    const started = Date.now();
    const replies = await client.broadcast('ping', {}, { reply: true, timeout: 150 });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(390);
    expect(replies.map((r) => r.node)).toEqual(['fast@x']);
  });

  it('hands each reply to the call whose ticket it carries, over one reply queue', async () => {
    const { client, transport } = setup([
      { name: 'a@x', delayMs: 30, answer: (r) => ({ method: r.method }) },
      { name: 'b@x', delayMs: 10, answer: (r) => ({ method: r.method }) },
    ]);
    const open = vi.spyOn(transport, 'openReplyQueue');
    const [stats, active] = await Promise.all([
      client.request('stats', {}, { timeout: 200 }),
      client.request('active', {}, { timeout: 200 }),
    ]);
    expect(stats).toEqual({ 'a@x': { method: 'stats' }, 'b@x': { method: 'stats' } });
    expect(active).toEqual({ 'a@x': { method: 'active' }, 'b@x': { method: 'active' } });
    await client.ping({ timeout: 50 });
    expect(open).toHaveBeenCalledTimes(1);
  });

  it('drops replies for unknown tickets and moves its clock past the replies', async () => {
    const { client, seen, workerSide } = setup([{ name: 'a@x' }]);
    const call = client.broadcast('ping', {}, { reply: true, timeout: 150 });
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    const routingKey = seen[0]!.request.replyTo!.routingKey;
    await workerSide.publish(names.REPLY_EXCHANGE, routingKey, encodeControlReply({ node: 'stranger@x', value: 1, ticket: 'not-ours', clock: 7 }));
    const replies = await call;
    expect(replies.map((r) => r.node)).toEqual(['a@x']);
    await client.broadcast('ping', {}, { timeout: 10 });
    // Replies carried clock 100: the next request goes out with a clock past it.
    expect(seen[1]!.message.headers['clock']).toBeGreaterThan(100);
  });

  it('sends pattern and matcher only without a destination', async () => {
    const { client, seen } = setup();
    await client.broadcast('ping', {}, { pattern: 'celery@*', matcher: 'glob' });
    await client.broadcast('ping', {}, { pattern: 'celery@*', destination: ['a@x'] });
    expect([seen[0]!.request.pattern, seen[0]!.request.matcher]).toEqual(['celery@*', 'glob']);
    expect([seen[1]!.request.pattern, seen[1]!.request.matcher, seen[1]!.request.destination]).toEqual([null, null, ['a@x']]);
  });

  it('revoke sends Celery arguments as a cast; close ends calls in progress and removes the reply queue', async () => {
    const { client, seen, transport } = setup([{ name: 'slow@x', delayMs: 2000 }]);
    await client.revoke('t-1', { terminate: true, signal: 'SIGKILL' });
    expect(seen[0]!.request).toMatchObject({ method: 'revoke', arguments: { task_id: 't-1', terminate: true, signal: 'SIGKILL' }, ticket: null });
    const real = transport.openReplyQueue.bind(transport);
    const closed = vi.fn();
    vi.spyOn(transport, 'openReplyQueue').mockImplementation(async (onReply) => {
      const queue = await real(onReply);
      return { oid: queue.oid, close: () => (closed(), queue.close()) };
    });
    const started = Date.now();
    const pending = client.ping({ timeout: 10_000 });
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    await client.close();
    expect(await pending).toEqual({});
    expect(Date.now() - started).toBeLessThan(1000);
    expect(closed).toHaveBeenCalledTimes(1);
    await expect(client.broadcast('ping')).rejects.toThrow(/closed/);
  });

  it('retries opening the reply queue after a failure', async () => {
    const { client, transport } = setup([{ name: 'a@x' }]);
    const real = transport.openReplyQueue.bind(transport);
    const open = vi.spyOn(transport as Transport, 'openReplyQueue').mockRejectedValueOnce(new Error('broker down')).mockImplementation(real);
    await expect(client.ping({ timeout: 50 })).rejects.toThrow('broker down');
    expect(await client.ping({ timeout: 100 })).toEqual({ 'a@x': { ok: 'pong' } });
    expect(open).toHaveBeenCalledTimes(2);
  });
});

describe('PidboxClient.close while the broker is away', () => {
  it('does not wait for a reply queue that is still opening, and closes it once it opens', async () => {
    const transport = new MemoryTransport(broker, new MemoryBroker());
    let open!: (queue: { oid: string; close: () => Promise<void> }) => void;
    const closeQueue = vi.fn(async () => undefined);
    // A reply queue that waits for a broker that is not there (as on Redis while it is down).
    transport.openReplyQueue = () => new Promise((resolve) => (open = resolve));
    const client = new PidboxClient(transport);
    const call = client.broadcast('ping', {}, { reply: true, timeout: 60_000 });
    await client.close();
    expect(await call).toEqual([]);
    open({ oid: 'late', close: closeQueue });
    await new Promise((r) => setImmediate(r));
    expect(closeQueue).toHaveBeenCalledOnce();
  });
});
