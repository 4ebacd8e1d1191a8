import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryBackend, MemoryStore } from '@/lib/backend';
import { MemoryBroker, MemoryTransport, parseBrokerUrl } from '@/lib/broker';
import { type CeleryMessage, decodeEventBody, type JsonObject } from '@/lib/celery';
import { flatEvents } from '@/test/fixtures/celery-5.2/captures';
import { Client } from '../client/client';
import { createApp } from '../task/app';
import { Worker } from '../worker';

const url = parseBrokerUrl('memory://');
if (!url.ok) throw new Error(url.error);

interface Fanout {
  readonly exchange: string;
  readonly routingKey: string;
  readonly message: CeleryMessage;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function transportWithFanoutSpy(broker = new MemoryBroker()) {
  const transport = new MemoryTransport(url.ok ? url.value : (undefined as never), broker);
  const fanouts: Fanout[] = [];
  const original = transport.publishFanout.bind(transport);
  vi.spyOn(transport, 'publishFanout').mockImplementation(async (exchange, routingKey, message) => {
    fanouts.push({ exchange, routingKey, message });
    await original(exchange, routingKey, message);
  });
  return { transport, fanouts, broker };
}

const body = (m: CeleryMessage): JsonObject => JSON.parse(Buffer.from(m.body).toString('utf8')) as JsonObject;
const sentEvents = (fanouts: readonly Fanout[]): JsonObject[] => fanouts.filter((f) => f.routingKey === 'task.sent').map((f) => body(f.message));

describe('task-sent events (task_send_sent_event)', () => {
  it('a client announces each task as Celery 5.2 did in the captures: same fields, same order, same values', async () => {
    const { transport, fanouts } = transportWithFanoutSpy();
    const client = new Client({ transport, backend: null, sendSentEvents: true, origin: 'gen1@test' });
    closers.push(() => client.close());
    const python = flatEvents('redis').filter((e) => e.event['type'] === 'task-sent').map((e) => e.event);
    const first = python.find((e) => e['queue'] === 'celery' && e['args'] === '(2, 3)') as JsonObject;
    const solo = python.find((e) => e['queue'] === 'solo') as JsonObject;

    await client.sendTask('tasks.add', [2, 3], {}, { taskId: first['uuid'] as string });
    await client.sendTask('tasks.add', [4, 5], {}, { taskId: solo['uuid'] as string, queue: 'solo' });

    const ours = sentEvents(fanouts);
    expect(ours).toHaveLength(2);
    expect(fanouts.every((f) => f.exchange === 'celeryev')).toBe(true);
    expect(fanouts[0]?.message.headers).toEqual({ hostname: 'gen1@test' });
    for (const [mine, theirs] of [[ours[0], first], [ours[1], solo]] as [JsonObject, JsonObject][]) {
      expect(Object.keys(mine)).toEqual(Object.keys(theirs));
      const sender = new Set(['hostname', 'pid', 'clock', 'timestamp', 'utcoffset']);
      const facts = (e: JsonObject) => Object.fromEntries(Object.entries(e).filter(([k]) => !sender.has(k)));
      expect(facts(mine)).toEqual(facts(theirs));
    }
    expect(ours.map((e) => e['clock'])).toEqual([1, 2]);
    expect(ours[0]?.['hostname']).toBe('gen1@test');
    expect(Math.abs((ours[0]?.['timestamp'] as number) - Date.now() / 1000)).toBeLessThan(5);
  });

  it('decodes as a task-sent event naming its queue, with the eta and expiry the message carries', async () => {
    const { transport, fanouts } = transportWithFanoutSpy();
    const client = new Client({ transport, backend: null, sendSentEvents: true });
    closers.push(() => client.close());
    const eta = new Date(Date.now() + 60_000);
    await client.sendTask('reports.generate', ['sales'], { pages: 3 }, { queue: 'reports', eta, expires: 120 });
    const decoded = decodeEventBody(sentEvents(fanouts)[0] as JsonObject);
    const event = decoded.events[0];
    expect(decoded.errors).toEqual([]);
    expect(event).toMatchObject({ type: 'task-sent', name: 'reports.generate', args: "('sales',)", kwargs: "{'pages': 3}", queue: 'reports', routingKey: 'reports', exchange: '' });
    if (event?.type !== 'task-sent' || !event.known) throw new Error('not a task-sent event');
    expect(Date.parse(event.eta ?? '')).toBe(eta.getTime());
    expect(Date.parse(event.expires ?? '') - Date.now()).toBeGreaterThan(100_000);
  });

  it('is off by default, as in Celery', async () => {
    const { transport, fanouts } = transportWithFanoutSpy();
    const client = new Client({ transport, backend: null });
    closers.push(() => client.close());
    await client.sendTask('tasks.add', [1, 1]);
    expect(sentEvents(fanouts)).toEqual([]);
  });

  it("a worker announces its own follow-ups (a retry) under the producer's name gen<pid>@host, not its own", async () => {
    const { transport, fanouts, broker } = transportWithFanoutSpy();
    const app = createApp();
    app.task('flaky', { maxRetries: 1, defaultRetryDelay: 0 }, (ctx) => {
      if (ctx.retries === 0) ctx.retry({ exc: new Error('try again') });
      return 'ok';
    });
    const backend = new MemoryBackend(new MemoryStore());
    const worker = new Worker({ app, transport, backend, hostname: 'w1@test', concurrency: 1, sendSentEvents: true, heartbeatInterval: 60 });
    await worker.start();
    closers.push(() => worker.stop({ graceful: false }));
    const client = new Client({ transport: new MemoryTransport(url.ok ? url.value : (undefined as never), broker), backend });
    closers.push(() => client.close());
    const result = await client.sendTask('flaky');
    await expect(result.get({ timeout: 5000 })).resolves.toBe('ok');

    const retry = sentEvents(fanouts).find((e) => e['uuid'] === result.id);
    expect(retry).toMatchObject({ name: 'flaky', retries: 1, queue: 'celery', type: 'task-sent' });
    expect(retry?.['hostname']).toMatch(/^gen\d+@/);
  });
});
