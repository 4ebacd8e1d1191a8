/**
 * A retry's task-sent is a write like any event's: it reaches the listeners of the collector (metrics,
 * Prometheus, push) when it is made, once, whether or not the broker's copy of it ever comes back.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBroker, MemoryTransport, parseBrokerUrl } from '@/lib/broker';
import type { CeleryEvent, TaskEvent } from '@/lib/celery';
import { Client } from '@/worker/client';
import { Collector } from '../collector/collector';
import { Metrics } from '../metrics';
import { Exposition } from '../prometheus/exposition';
import { parseExposition, sampleValue } from '../prometheus/exposition-test-parser';
import { feedPrometheus, PrometheusMetrics } from '../prometheus/prometheus-metrics';
import { MemoryTaskStore } from '../store/memory-task-store';
import { RetrySession } from './retry-sender';

const url = parseBrokerUrl('memory://');
let collector: Collector | null = null;
afterEach(async () => {
  await collector?.stop();
  collector = null;
});

const failed = (uuid: string, at: number): TaskEvent[] => [
  { type: 'task-received', known: true, uuid, hostname: 'w@h', timestamp: at, utcoffset: 0, pid: 1, clock: 1, extra: null, absentFields: null, name: 'tasks.add', args: '(1, 2)', kwargs: '{}', rootId: uuid, parentId: null, retries: 0, eta: null, expires: null },
  { type: 'task-failed', known: true, uuid, hostname: 'w@h', timestamp: at, utcoffset: 0, pid: 1, clock: 2, extra: null, absentFields: null, exception: "TypeError('x')", traceback: null },
] as unknown as TaskEvent[];

/**
 * A collector with metrics and a change log on one broker, and a client sending on `sendOn` (the same
 * broker, or another whose copy of the announcement never reaches the collector).
 */
async function setup(sameBroker: boolean) {
  if (!url.ok) throw new Error(url.error);
  const bus = new MemoryBroker();
  const state = new MemoryTaskStore({ maxTasks: 100, purgeOfflineAfter: 60 });
  collector = new Collector(new MemoryTransport(url.value, bus), state, { enableEvents: false }, pino({ level: 'silent' }));
  await collector.start();
  const metrics = new Metrics();
  const prometheus = new PrometheusMetrics();
  feedPrometheus(state, prometheus);
  const seen: CeleryEvent[] = [];
  collector.store.onChange((change, event) => {
    metrics.onEvent(event, Date.now(), change.task);
    seen.push(event);
  });
  const at = Date.now() / 1000;
  for (const event of failed('orig', at)) collector.store.apply(event, at);
  const client = sameBroker ? new Client({ transport: collector.transport, backend: null }) : new Client({ transport: new MemoryTransport(url.value, new MemoryBroker()), backend: null });
  const own = collector;
  const session = new RetrySession({ state, backend: null, inspect: null, client, apply: (event, localAt) => own.applyOwn(event, localAt) }, { queue: 'celery' });
  return { state, metrics, prometheus, seen, session, origin: client.producer.origin };
}

const window = () => ({ from: Date.now() - 60_000, to: Date.now() + 60_000 });

describe('a retry goes through the collector', () => {
  it.each([
    ['the broker echoes the announcement back', true],
    ['the announcement is lost', false],
  ])('tells metrics, Prometheus and the listeners (push) of the new task once when %s', async (_, sameBroker) => {
    const { state, metrics, prometheus, seen, session, origin } = await setup(sameBroker);
    const plan = await session.plan('orig');
    if (!plan.ok) throw new Error(plan.reason);
    const id = await session.send(plan);
    expect(state.task(id)).toMatchObject({ state: 'PENDING', name: 'tasks.add', queue: 'celery' });
    const sent = seen.filter((e) => e.type === 'task-sent');
    expect(sent.map((e) => (e as TaskEvent).uuid)).toEqual([id]);
    expect(metrics.totals('task', 'tasks.add', window())).toMatchObject({ sent: 1 });
    expect(metrics.totals('queue', 'celery', window())).toMatchObject({ sent: 1 });
    const out = new Exposition();
    prometheus.flower.write(out);
    prometheus.tasks.write(out);
    const scraped = parseExposition(out.text());
    expect(sampleValue(scraped, 'flower_events_total', { worker: origin, type: 'task-sent', task: 'tasks.add' })).toBe(1);
    expect(sampleValue(scraped, 'pollen_tasks_total', { name: 'tasks.add', state: 'sent' })).toBe(1);
  });
});
