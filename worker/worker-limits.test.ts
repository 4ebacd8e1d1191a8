import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBackend, MemoryStore } from '@/lib/backend';
import { MemoryBroker, MemoryTransport, parseBrokerUrl } from '@/lib/broker';
import { decodeEventMessage, decodeRedisEnvelope, encodeRedisEnvelope, encodeTaskMessage, type KnownEvent, names, newTaskMessage, type NewTask } from '@/lib/celery';
import { createApp } from './task/app';
import { Worker } from './worker';

const url = parseBrokerUrl('memory://');
const workers: Worker[] = [];
afterEach(async () => {
  for (const w of workers.splice(0)) await w.stop({ graceful: false });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function app() {
  return createApp()
    .task('t.cooperative', { softTimeLimit: 0.05 }, async (ctx) => {
      await new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
    })
    .task('t.stubborn', { timeLimit: 0.05 }, () => new Promise(() => undefined))
    .task('t.picky', { acksLate: true }, (ctx) => ctx.reject(false, 'not for me'))
    .task('t.boom', () => {
      throw new Error('boom');
    })
    .task('t.echo', (_ctx, ...args: unknown[]) => args)
    .task('t.slow', async () => {
      await sleep(80);
      return 'finished';
    });
}

async function setup() {
  if (!url.ok) throw new Error(url.error);
  const bus = new MemoryBroker();
  const backend = new MemoryBackend(new MemoryStore());
  const events: KnownEvent[] = [];
  bus.subscribe(names.EVENT_EXCHANGE, (envelope) => {
    const message = decodeRedisEnvelope(envelope);
    if (message.ok) for (const e of decodeEventMessage(message.value).events) if (e.known) events.push(e);
  });
  const worker = new Worker({ app: app(), transport: new MemoryTransport(url.value, bus), backend, hostname: 'ts@limits', concurrency: 4, logger: pino({ level: 'silent' }) });
  workers.push(worker);
  await worker.start();
  const send = (task: NewTask, protocol: 1 | 2 = 2) =>
    bus.route('', 'celery', encodeRedisEnvelope(encodeTaskMessage(newTaskMessage(task, protocol)), { exchange: '', routingKey: 'celery' }));
  const eventOf = (id: string, type: string) => events.find((e) => e.type === type && 'uuid' in e && e.uuid === id) as (KnownEvent & Record<string, unknown>) | undefined;
  return { backend, send, eventOf, worker, bus };
}

describe('worker limits and endings', () => {
  it('fires the signal at the soft time limit and fails a run past its hard limit', async () => {
    const { backend, send } = await setup();
    send({ id: 'soft', name: 't.cooperative' });
    send({ id: 'hard', name: 't.stubborn' });
    const soft = await backend.waitForReady('soft', 2000);
    const hard = await backend.waitForReady('hard', 2000);
    expect(soft.exception).toMatchObject({ type: 'SoftTimeLimitExceeded', module: 'celery.exceptions' });
    expect(hard.exception).toEqual({ type: 'TimeLimitExceeded', module: 'celery.exceptions', message: [0.05] });
  });

  it('uses the time limits a message carries over the task defaults', async () => {
    const { backend, send } = await setup();
    send({ id: 'msg', name: 't.slow', timeLimit: { hard: 0.02, soft: null } });
    expect((await backend.waitForReady('msg', 2000)).exception?.type).toBe('TimeLimitExceeded');
  });

  it('sends task-rejected when a task rejects its message', async () => {
    const { send, eventOf } = await setup();
    send({ id: 'rej', name: 't.picky' });
    for (let i = 0; i < 100 && !eventOf('rej', 'task-rejected'); i++) await sleep(5);
    expect(eventOf('rej', 'task-rejected')?.['requeue']).toBe(false);
  });

  it('sends link_error errbacks the failed task id', async () => {
    const { backend, send } = await setup();
    send({ id: 'bad', name: 't.boom', errbacks: [{ task: 't.echo', args: [], kwargs: {}, options: { task_id: 'eb' }, subtaskType: null, immutable: false, extra: null }] });
    expect((await backend.waitForReady('eb', 2000)).result).toEqual(['bad']);
  });

  it('runs protocol v1 messages', async () => {
    const { backend, send } = await setup();
    send({ id: 'v1', name: 't.echo', args: [1, 'two'] }, 1);
    expect((await backend.waitForReady('v1', 2000)).result).toEqual([1, 'two']);
  });

  it('lets running tasks finish on a warm shutdown and gives waiting ones back', async () => {
    const { backend, send, worker, bus } = await setup();
    send({ id: 'running', name: 't.slow' });
    send({ id: 'later', name: 't.echo', eta: new Date(Date.now() + 60_000).toISOString() });
    for (let i = 0; i < 100 && worker.pool.active.size === 0; i++) await sleep(5);
    await worker.stop();
    expect((await backend.get('running'))?.result).toBe('finished');
    expect(bus.length('celery')).toBe(1);
  });
});

describe('revoke with terminate before the run begins', () => {
  it('ends the task REVOKED and never calls the function', async () => {
    if (!url.ok) throw new Error(url.error);
    const bus = new MemoryBroker();
    const backend = new MemoryBackend(new MemoryStore());
    // STARTED is stored before the run: a slow store leaves a window in which a terminate can arrive.
    const store = backend.store.bind(backend);
    backend.store = async (meta) => {
      if (meta.status === 'STARTED') await sleep(50);
      return store(meta);
    };
    let called = false;
    const app = createApp().task('t.never', () => {
      called = true;
      return 1;
    });
    const worker = new Worker({ app, transport: new MemoryTransport(url.value, bus), backend, hostname: 'ts@early', concurrency: 1, logger: pino({ level: 'silent' }) });
    workers.push(worker);
    await worker.start();
    bus.route('', 'celery', encodeRedisEnvelope(encodeTaskMessage(newTaskMessage({ id: 'early', name: 't.never' })), { exchange: '', routingKey: 'celery' }));
    for (let i = 0; i < 100 && !worker.pool.active.has('early'); i++) await sleep(2);
    expect(worker.pool.revoke(['early'], true, 15)).toEqual(['early']);
    const meta = await backend.waitForReady('early', 2000);
    expect([meta.status, meta.exception?.message, called]).toEqual(['REVOKED', ['terminated'], false]);
  });
});
