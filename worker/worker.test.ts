import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBroker, MemoryTransport, parseBrokerUrl } from '@/lib/broker';
import { decodeEventMessage, decodeRedisEnvelope, encodeControlRequest, encodeRedisEnvelope, encodeTaskMessage, type KnownEvent, names, newTaskMessage, type NewTask } from '@/lib/celery';
import { createApp } from './task/app';
import { Worker } from './worker';

const url = parseBrokerUrl('memory://');
let worker: Worker | null = null;
afterEach(async () => {
  await worker?.stop({ graceful: false });
  worker = null;
});

function app() {
  return createApp()
    .task('t.add', { params: ['x', 'y'] }, (_ctx, x: number, y: number) => x + y)
    .task('t.fail', () => {
      throw new TypeError('bad input');
    })
    .task('t.wait', { params: ['ms'] }, (ctx, ms: number) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => resolve(ms), ms);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(ctx.signal.reason);
        });
      }),
    )
    .task('t.flaky', { params: ['times'] }, (ctx, times: number) => (ctx.retries < times ? ctx.retry({ countdown: 0.01 }) : ctx.retries))
    .task('t.slow', { rateLimit: '10/s' }, () => Date.now());
}

async function setup(options: { concurrency?: number } = {}) {
  if (!url.ok) throw new Error(url.error);
  const bus = new MemoryBroker();
  const events: KnownEvent[] = [];
  bus.subscribe(names.EVENT_EXCHANGE, (envelope) => {
    const message = decodeRedisEnvelope(envelope);
    if (message.ok) for (const e of decodeEventMessage(message.value).events) if (e.known) events.push(e);
  });
  worker = new Worker({ app: app(), transport: new MemoryTransport(url.value, bus), backend: null, hostname: 'ts@test', concurrency: options.concurrency ?? 4, logger: pino({ level: 'silent' }) });
  await worker.start();
  const send = (task: NewTask, queue = 'celery') => {
    const message = encodeTaskMessage(newTaskMessage(task));
    bus.route('', queue, encodeRedisEnvelope(message, { exchange: '', routingKey: queue }));
  };
  const until = async (check: () => boolean, ms = 3000) => {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error(`timed out; events: ${events.map((e) => `${e.type}`).join(', ')}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const typesOf = (id: string) => events.filter((e) => 'uuid' in e && e.uuid === id).map((e) => e.type);
  return { bus, events, send, until, typesOf, worker };
}

describe('worker', () => {
  it('announces itself, runs a task with kwargs mapped to parameters, and reports it', async () => {
    const { send, until, typesOf, events } = await setup();
    expect(events[0]?.type).toBe('worker-online');
    send({ id: 'a', name: 't.add', args: [2], kwargs: { y: 3 } });
    await until(() => typesOf('a').includes('task-succeeded'));
    expect(typesOf('a')).toEqual(['task-received', 'task-started', 'task-succeeded']);
    const done = events.find((e) => e.type === 'task-succeeded');
    expect(done && 'result' in done ? done.result : null).toBe('5');
  });

  it('fails with the error type and a Python-shaped traceback; an unknown task fails NotRegistered without traceback', async () => {
    const { send, until, events } = await setup();
    send({ id: 'f', name: 't.fail' });
    send({ id: 'u', name: 'nobody.registered' });
    await until(() => events.filter((e) => e.type === 'task-failed').length === 2);
    const failed = events.filter((e) => e.type === 'task-failed') as (KnownEvent & { exception: string; traceback: string | null; uuid: string })[];
    const f = failed.find((e) => e.uuid === 'f');
    expect(f?.exception).toBe("TypeError('bad input')");
    expect(f?.traceback).toMatch(/^Traceback \(most recent call last\):\n[\s\S]*TypeError: bad input\n$/);
    const u = failed.find((e) => e.uuid === 'u');
    expect(u?.exception).toBe("NotRegistered('nobody.registered')");
    expect(u?.absentFields).toContain('traceback');
  });

  it('retries with retries + 1 until it succeeds', async () => {
    const { send, until, typesOf } = await setup();
    send({ id: 'r', name: 't.flaky', args: [2] });
    await until(() => typesOf('r').includes('task-succeeded'));
    expect(typesOf('r').filter((t) => t === 'task-retried')).toHaveLength(2);
  });

  it('revokes a waiting task and terminates a running one', async () => {
    const { bus, send, until, typesOf, events } = await setup({ concurrency: 1 });
    send({ id: 'run', name: 't.wait', args: [5000] });
    send({ id: 'wait', name: 't.wait', args: [10] });
    await until(() => typesOf('run').includes('task-started'));
    const revoke = (id: string, terminate: boolean) =>
      bus.publish(names.PIDBOX_EXCHANGE, encodeRedisEnvelope(encodeControlRequest({ method: 'revoke', arguments: { task_id: [id], terminate, signal: 'SIGKILL' }, destination: null, pattern: null, matcher: null, ticket: null, replyTo: null, clock: 1, expires: null, extra: null }), { exchange: names.PIDBOX_EXCHANGE, routingKey: '' }));
    revoke('wait', false);
    revoke('run', true);
    await until(() => typesOf('run').includes('task-revoked') && typesOf('wait').includes('task-revoked'));
    const terminated = events.find((e) => e.type === 'task-revoked' && 'uuid' in e && e.uuid === 'run') as KnownEvent & { terminated: boolean; signum: number };
    expect([terminated.terminated, terminated.signum]).toEqual([true, 9]);
    expect(typesOf('wait')).not.toContain('task-started');
  });

  it('waits for the ETA, drops an expired task, and holds a rate limit', async () => {
    const { send, until, typesOf, events } = await setup();
    const soon = new Date(Date.now() + 300).toISOString();
    send({ id: 'eta', name: 't.add', args: [1, 1], eta: soon });
    send({ id: 'old', name: 't.add', args: [1, 1], expires: new Date(Date.now() - 1000).toISOString() });
    for (let i = 0; i < 3; i++) send({ id: `s${i}`, name: 't.slow' });
    await until(() => typesOf('eta').includes('task-succeeded') && typesOf('s2').includes('task-succeeded'));
    const started = events.find((e) => e.type === 'task-started' && 'uuid' in e && e.uuid === 'eta');
    expect(started!.timestamp * 1000).toBeGreaterThanOrEqual(Date.parse(soon) - 5);
    expect(typesOf('old')).toEqual(['task-revoked']);
    const runs = ['s0', 's1', 's2'].map((id) => events.find((e) => e.type === 'task-started' && 'uuid' in e && e.uuid === id)!.timestamp);
    expect(runs[2]! - runs[0]!).toBeGreaterThanOrEqual(0.18);
  });
});
