import { describe, expect, it } from 'vitest';
import { decodeControlReply, encodeControlReply, encodeTaskMessage, names, newTaskMessage } from '@/lib/celery';
import { parseBrokerUrl } from './broker-url';
import { MemoryBroker, MemoryTransport } from './memory-transport';
import type { Delivery } from './transport';

const url = parseBrokerUrl('memory://');
const transport = (bus: MemoryBroker) => {
  if (!url.ok) throw new Error(url.error);
  return new MemoryTransport(url.value, bus);
};
const task = (id: string) => encodeTaskMessage(newTaskMessage({ id, name: 't' }));
const tick = () => new Promise((r) => setImmediate(r));

describe('memory transport task queues', () => {
  it('delivers in order up to the prefetch, requeues on reject, and gives unsettled ones back on close', async () => {
    const bus = new MemoryBroker();
    const t = transport(bus);
    for (const id of ['a', 'b', 'c']) await t.publish('', 'q', task(id));
    expect(await t.queueLength('q')).toBe(3);
    const seen: Delivery[] = [];
    const consumer = await t.consume(['q'], { prefetch: 2, deliver: (d) => seen.push(d), malformed: () => undefined });
    await tick();
    expect(seen.map((d) => d.message.headers['id'])).toEqual(['a', 'b']);
    await seen[0]?.reject(true);
    await tick();
    expect(seen.map((d) => d.message.headers['id'])).toEqual(['a', 'b', 'a']);
    expect(seen[2]?.message.headers['redelivered']).toBe(true);
    await consumer.close();
    expect(await t.queueLength('q')).toBe(3);
  });

  it('routes replies to the reply queue bound with their oid', async () => {
    const bus = new MemoryBroker();
    const t = transport(bus);
    const replies: string[] = [];
    const queue = await t.openReplyQueue((m) => {
      const r = decodeControlReply(m);
      if (r.ok) replies.push(r.value.node);
    });
    await t.publish(names.REPLY_EXCHANGE, queue.oid, encodeControlReply({ node: 'w@h', value: { ok: 'pong' }, ticket: 'x', clock: 1 }));
    await t.publish(names.REPLY_EXCHANGE, 'someone-else', encodeControlReply({ node: 'other@h', value: null, ticket: 'y', clock: 1 }));
    await tick();
    expect(replies).toEqual(['w@h']);
    await queue.close();
  });

  it('tells what it holds: every queue with its length, bindings and listeners, none left by a closed reply queue', async () => {
    const bus = new MemoryBroker();
    const t = transport(bus);
    await t.publish('', 'q', task('a'));
    await t.publish('', 'q', task('b'));
    const replies = await t.openReplyQueue(() => undefined);
    const held = bus.holdings();
    expect(held.queues.get('q')).toBe(2);
    expect(held.bindings).toBe(1);
    await replies.close();
    expect(bus.holdings().bindings).toBe(0);
  });
});
