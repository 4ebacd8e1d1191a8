import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBroker, MemoryTransport, parseBrokerUrl } from '@/lib/broker';
import { PidboxClient } from '@/lib/control';
import { createApp } from '@/worker/task/app';
import { Worker } from '@/worker/worker';
import { InspectCache } from './inspect-cache';
import { WorkerControl } from './worker-control';

// A Pollen worker on the in-process broker stands in for a Celery worker: it answers pidbox as Python 5.2 does
// (proven against the real one in worker/remote-control.integration.test.ts).
const url = parseBrokerUrl('memory://');
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function setup() {
  if (!url.ok) throw new Error(url.error);
  const bus = new MemoryBroker();
  const worker = new Worker({ app: createApp().task('t.add', () => 1), transport: new MemoryTransport(url.value, bus), backend: null, hostname: 'w1@test', concurrency: 2, logger: pino({ level: 'silent' }) });
  await worker.start();
  closers.push(() => worker.stop({ graceful: false }));
  const pidbox = new PidboxClient(new MemoryTransport(url.value, bus));
  closers.push(() => pidbox.close());
  const known = new Set(['w1@test', 'gone@test']);
  const control = new WorkerControl(pidbox, { timeoutMs: 200, knownWorker: (name) => known.has(name) });
  return { worker, pidbox, control };
}

describe('WorkerControl', () => {
  it('answers with Flower’s messages when the worker says ok', async () => {
    const { control, worker } = await setup();
    expect(await control.poolGrow('w1@test', 2)).toEqual({ ok: true, message: "Growing 'w1@test' worker's pool by 2" });
    expect(worker.pool.concurrency).toBe(4);
    expect(await control.autoscale('w1@test', 1, 6)).toEqual({ ok: true, message: "Autoscaling 'w1@test' worker (min=1, max=6)" });
    expect(await control.addConsumer('w1@test', 'extra')).toEqual({ ok: true, message: 'add consumer extra' });
    expect(await control.rateLimit('w1@test', 't.add', '5/m')).toEqual({ ok: true, message: 'new rate limit set successfully' });
    expect(await control.timeLimit('w1@test', 't.add', 1, 2)).toEqual({ ok: true, message: 'time limits set successfully' });
  });

  it('gives 404 for an unknown worker or task, 403 with Flower’s text when refused, 504 when nobody answers', async () => {
    const { control } = await setup();
    expect(await control.poolGrow('nobody@x', 1)).toEqual({ ok: false, status: 404, reason: "Unknown worker 'nobody@x'" });
    expect(await control.shutdown('nobody@x')).toEqual({ ok: false, status: 404, reason: "Unknown worker 'nobody@x'" });
    expect(await control.poolRestart('w1@test')).toEqual({
      ok: false,
      status: 403,
      reason: "Failed to restart the 'w1@test' pool: ValueError('Pool restarts not enabled')",
    });
    expect(await control.rateLimit('w1@test', 'no.such', '1/s')).toEqual({ ok: false, status: 404, reason: "Unknown task 'no.such'" });
    expect(await control.timeLimit('w1@test', 'no.such', 1, null)).toEqual({ ok: false, status: 404, reason: "Unknown task 'no.such'" });
    const silent = await control.poolGrow('gone@test', 1);
    expect(silent).toMatchObject({ ok: false, status: 504 });
  });

  it('gives 503 when the command cannot be sent', async () => {
    const { control, pidbox } = await setup();
    await pidbox.close();
    expect(await control.poolGrow('w1@test', 1)).toMatchObject({ ok: false, status: 503, reason: expect.stringContaining('pool_grow') });
    expect(await control.revoke('abc', false, 'SIGTERM')).toMatchObject({ ok: false, status: 503 });
  });

  it('casts shutdown and revoke without waiting', async () => {
    const { control, worker } = await setup();
    expect(await control.revoke('abc', false, 'SIGTERM')).toEqual({ ok: true, message: "Revoked 'abc'" });
    for (let i = 0; i < 50 && !worker.revoked.has('abc'); i++) await new Promise((r) => setTimeout(r, 5));
    expect(worker.revoked.has('abc')).toBe(true);
    expect(await control.shutdown('w1@test')).toEqual({ ok: true, message: 'Shutting down!' });
    await worker.stopped();
  });
});

describe('InspectCache', () => {
  it('keeps each method’s reply with its time and coalesces refreshes', async () => {
    const { pidbox } = await setup();
    let now = 1_000;
    const cache = new InspectCache(pidbox, { timeoutMs: 100, now: () => now });
    expect(cache.snapshot('w1@test')).toEqual({});
    const first = cache.refresh();
    expect(cache.refresh()).toBe(first);
    await first;
    const snap = cache.snapshot('w1@test');
    expect(snap.registered).toEqual({ value: ['t.add'], at: 1_000 });
    expect((snap.stats?.value as Record<string, unknown>)['pid']).toBe(process.pid);
    expect(snap.active_queues?.value).toMatchObject([{ name: 'celery' }]);
    expect(cache.isStale(60_000)).toBe(false);
    expect(cache.isStale(60_000, ['w1@test', 'never-answered@x'])).toBe(true);
    now = 70_000;
    expect(cache.isStale(60_000)).toBe(true);
    now = 2_000;
    await cache.refresh(['w1@test']);
    expect(cache.snapshot('w1@test').registered?.at).toBe(2_000);
  });

  it('keeps replies as --redact masks them', async () => {
    const { pidbox } = await setup();
    const cache = new InspectCache(pidbox, { timeoutMs: 100, redact: (value) => JSON.parse(JSON.stringify(value).replace(/t\.add/g, '[redacted]')) });
    await cache.refresh();
    expect(cache.snapshot('w1@test').registered?.value).toEqual(['[redacted]']);
  });
});
