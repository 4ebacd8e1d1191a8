import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBackend, MemoryStore } from '@/lib/backend';
import { MemoryBroker, MemoryTransport, parseBrokerUrl } from '@/lib/broker';
import { encodeRedisEnvelope, encodeTaskMessage, newTaskMessage, type NewTask, type Signature, type TaskMeta } from '@/lib/celery';
import { createApp } from './task/app';
import { applySignature } from './canvas/apply-signature';
import { Worker } from './worker';

const url = parseBrokerUrl('memory://');
const workers: Worker[] = [];
afterEach(async () => {
  for (const w of workers.splice(0)) await w.stop({ graceful: false });
});

const app = () =>
  createApp()
    .task('t.add', { params: ['x', 'y'] }, (_ctx, x: number, y: number) => x + y)
    .task('t.tsum', { params: ['numbers'] }, (_ctx, numbers: number[]) => numbers.reduce((a, b) => a + b, 0))
    .task('t.fail', () => {
      throw new RangeError('out of range');
    })
    .task('t.progress', async (ctx) => {
      await ctx.updateState('PROGRESS', { current: 1, total: 2 });
      await new Promise((r) => setTimeout(r, 50));
      return 'done';
    })
    .task('t.late', { acksLate: true }, (ctx) => new Promise((resolve) => setTimeout(() => resolve(ctx.retries), 30)));

async function setup() {
  if (!url.ok) throw new Error(url.error);
  const bus = new MemoryBroker();
  const backend = new MemoryBackend(new MemoryStore());
  const start = async (name: string) => {
    const worker = new Worker({ app: app(), transport: new MemoryTransport(url.value, bus), backend, hostname: name, concurrency: 4, logger: pino({ level: 'silent' }) });
    workers.push(worker);
    await worker.start();
    return worker;
  };
  const send = (task: NewTask) => bus.route('', 'celery', encodeRedisEnvelope(encodeTaskMessage(newTaskMessage(task)), { exchange: '', routingKey: 'celery' }));
  const sig = (task: string, args: unknown[] = [], options: Record<string, unknown> = {}): Signature =>
    ({ task, args, kwargs: {}, options, subtaskType: null, immutable: false, extra: null }) as Signature;
  return { bus, backend, start, send, sig };
}

describe('worker results', () => {
  it('stores STARTED, custom states and SUCCESS with the extended fields', async () => {
    const { backend, start, send } = await setup();
    await start('ts@a');
    const seen: string[] = [];
    await backend.watch('p', (meta) => seen.push(meta.status));
    send({ id: 'p', name: 't.progress' });
    const meta: TaskMeta = await backend.waitForReady('p', 3000);
    expect(seen).toEqual(['STARTED', 'PROGRESS', 'SUCCESS']);
    expect([meta.result, meta.name, meta.worker, meta.queue, meta.retries]).toEqual(['done', 't.progress', 'ts@a', 'celery', 0]);
    expect(meta.dateDone).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
  });

  it('stores FAILURE with the exception class Python will rebuild', async () => {
    const { backend, start, send } = await setup();
    await start('ts@a');
    send({ id: 'f', name: 't.fail' });
    const meta = await backend.waitForReady('f', 3000);
    expect(meta.status).toBe('FAILURE');
    expect(meta.exception).toEqual({ type: 'RangeError', module: null, message: ['out of range'] });
    expect(meta.traceback).toContain('RangeError: out of range');
  });

  it('runs a chain, link callbacks and a chord, passing results along', async () => {
    const { backend, start, sig, bus } = await setup();
    await start('ts@a');
    await start('ts@b');
    if (!url.ok) throw new Error(url.error);
    const producer = { transport: new MemoryTransport(url.value, bus), backend, origin: 'client@test', defaultQueue: 'celery', sentEvents: null };
    const chainId = await applySignature(producer, { ...sig('celery.chain'), kwargs: { tasks: [sig('t.add', [1, 2]), sig('t.add', [10]), sig('t.add', [100])] as never } });
    expect((await backend.waitForReady(chainId, 3000)).result).toBe(113);
    const chordId = await applySignature(producer, {
      ...sig('celery.chord'),
      kwargs: { header: [sig('t.add', [1, 1]), sig('t.add', [2, 2]), sig('t.add', [3, 3])] as never, body: sig('t.tsum') as never },
    });
    expect((await backend.waitForReady(chordId, 3000)).result).toBe(12);
    const failing = await applySignature(producer, {
      ...sig('celery.chord'),
      kwargs: { header: [sig('t.add', [1, 1]), sig('t.fail')] as never, body: sig('t.tsum') as never },
    });
    const body = await backend.waitForReady(failing, 3000);
    expect(body.status).toBe('FAILURE');
    expect(body.exception?.type).toBe('ChordError');
    expect(JSON.stringify(body.exception?.message)).toContain("raised RangeError('out of range')");
  });

  it('gives an acks-late task back when its worker stops before it is done', async () => {
    const { backend, start, send } = await setup();
    const first = await start('ts@a');
    send({ id: 'late', name: 't.late' });
    await new Promise((r) => setTimeout(r, 10));
    expect(first.pool.active.has('late')).toBe(true);
    await first.stop({ graceful: false });
    await start('ts@b');
    const meta = await backend.waitForReady('late', 3000);
    expect([meta.status, meta.worker]).toEqual(['SUCCESS', 'ts@b']);
  });
});
