import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBroker, MemoryTransport, parseBrokerUrl } from '@/lib/broker';
import { encodeRedisEnvelope, jsonMessage, type JsonValue } from '@/lib/celery';
import { MemoryTaskStore } from '../store/memory-task-store';
import { Collector } from './collector';

const broker = parseBrokerUrl('memory://');
let collector: Collector | null = null;
afterEach(async () => {
  await collector?.stop();
  collector = null;
});

async function setup(): Promise<{ bus: MemoryBroker; collector: Collector; state: MemoryTaskStore }> {
  if (!broker.ok) throw new Error(broker.error);
  const bus = new MemoryBroker();
  const state = new MemoryTaskStore({ maxTasks: 100, purgeOfflineAfter: 60 });
  collector = new Collector(new MemoryTransport(broker.value, bus), state, { enableEvents: false }, pino({ level: 'silent' }));
  await collector.start();
  return { bus, collector, state };
}

/** Publishes event JSON as it is, valid or not, as a worker would put it on the wire. */
function publish(bus: MemoryBroker, raw: JsonValue): void {
  const routingKey = Array.isArray(raw) ? 'task.multi' : 'task.progress';
  const message = jsonMessage(raw, { hostname: 'w@h' }, { deliveryMode: 1 });
  bus.publish('celeryev', encodeRedisEnvelope(message, { exchange: 'celeryev', routingKey }));
}

const now = () => Date.now() / 1000;

describe('collector', () => {
  it('applies batches to the model and counts events', async () => {
    const { bus, collector, state } = await setup();
    publish(bus, [
      { type: 'task-received', uuid: 'a', hostname: 'w@h', timestamp: now(), name: 'tasks.add' },
      { type: 'task-started', uuid: 'a', hostname: 'w@h', timestamp: now() },
      { type: 'task-succeeded', uuid: 'a', hostname: 'w@h', timestamp: now(), result: '3', runtime: 0.1 },
    ]);
    expect(state.task('a')).toMatchObject({ state: 'SUCCESS', name: 'tasks.add', worker: 'w@h' });
    expect(state.worker('w@h')?.alive(now())).toBe(true);
    expect(collector.health.snapshot(Date.now())).toMatchObject({ eventsTotal: 3, messagesTotal: 1, malformedTotal: 0 });
  });

  it('counts and samples malformed messages and bad events, and keeps the good ones', async () => {
    const { bus, collector, state } = await setup();
    bus.publish('celeryev', 'not json at all');
    publish(bus, [{ type: 'task-started', hostname: 'w@h', timestamp: now() }, { type: 'task-started', uuid: 'ok', hostname: 'w@h', timestamp: now() }]);
    const health = collector.health.snapshot(Date.now());
    expect(health.malformedTotal).toBe(2);
    expect(health.malformedSamples.map((s) => s.error.code)).toEqual(['syntax', 'missing']);
    expect(health.malformedSamples[0]?.raw).toBe('not json at all');
    expect(state.task('ok')?.state).toBe('STARTED');
  });

  it('counts custom event types and survives a throwing change listener', async () => {
    const { bus, collector, state } = await setup();
    const seen: string[] = [];
    collector.store.onChange(() => {
      throw new Error('listener bug');
    });
    collector.store.onChange((_, event) => seen.push(event.type));
    publish(bus, { type: 'task-progress', uuid: 'p', hostname: 'w@h', timestamp: now(), current: 1 });
    publish(bus, { type: 'task-progress', uuid: 'p', hostname: 'w@h', timestamp: now(), current: 2 });
    expect(collector.health.snapshot(Date.now()).customEventTypes).toEqual({ 'task-progress': 2 });
    expect(seen).toEqual(['task-progress', 'task-progress']);
    expect(state.task('p')).toMatchObject({ state: 'PROGRESS', extra: { current: 2 } });
  });

  it('broadcasts enable_events on the pidbox exchange when asked to', async () => {
    if (!broker.ok) throw new Error(broker.error);
    const bus = new MemoryBroker();
    const requests: string[] = [];
    bus.subscribe('celery.pidbox', (envelope) => requests.push(envelope));
    collector = new Collector(new MemoryTransport(broker.value, bus), new MemoryTaskStore({ maxTasks: 10, purgeOfflineAfter: 60 }), { enableEvents: true }, pino({ level: 'silent' }));
    await collector.start();
    expect(requests).toHaveLength(1);
    const body = JSON.parse(Buffer.from((JSON.parse(requests[0] as string) as { body: string }).body, 'base64').toString()) as Record<string, unknown>;
    expect(body).toMatchObject({ method: 'enable_events', arguments: {}, destination: null });
    expect(body).not.toHaveProperty('reply_to');
  });
});
