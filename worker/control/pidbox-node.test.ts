import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBroker, MemoryTransport, parseBrokerUrl } from '@/lib/broker';
import { decodeControlReply, encodeControlRequest, encodeRedisEnvelope, encodeTaskMessage, type JsonObject, type JsonValue, names, newTaskMessage } from '@/lib/celery';
import { createApp } from '../task/app';
import { Worker } from '../worker';

const url = parseBrokerUrl('memory://');
let worker: Worker | null = null;
afterEach(async () => {
  await worker?.stop({ graceful: false });
  worker = null;
});

async function setup() {
  if (!url.ok) throw new Error(url.error);
  const bus = new MemoryBroker();
  const app = createApp()
    .task('t.add', { rateLimit: '100/s' }, () => 1)
    .task('t.hold', () => new Promise(() => undefined));
  worker = new Worker({ app, transport: new MemoryTransport(url.value, bus), backend: null, hostname: 'ts@ctl', concurrency: 2, logger: pino({ level: 'silent' }) });
  await worker.start();
  const client = new MemoryTransport(url.value, bus);
  const replies: { node: string; value: JsonValue; ticket: string | null }[] = [];
  const queue = await client.openReplyQueue((m) => {
    const r = decodeControlReply(m);
    if (r.ok) replies.push(r.value);
  });
  /** Sends a request and waits for the reply with its ticket (or none after 100 ms). */
  const call = async (method: string, args: JsonObject = {}, destination: string[] | null = ['ts@ctl']): Promise<JsonValue | undefined> => {
    const ticket = crypto.randomUUID();
    const request = encodeControlRequest({ method, arguments: args, destination, pattern: null, matcher: null, ticket, replyTo: { exchange: names.REPLY_EXCHANGE, routingKey: queue.oid }, clock: 7, expires: null, extra: null });
    await client.publishFanout(names.PIDBOX_EXCHANGE, '', request);
    for (let i = 0; i < 20; i++) {
      const reply = replies.find((r) => r.ticket === ticket);
      if (reply) return reply.value;
      await new Promise((r) => setTimeout(r, 5));
    }
    return undefined;
  };
  const send = (id: string, name: string) => bus.route('', 'celery', encodeRedisEnvelope(encodeTaskMessage(newTaskMessage({ id, name })), { exchange: '', routingKey: 'celery' }));
  return { call, send, worker };
}

describe('remote control', () => {
  it('answers ping to its name, a matching glob and to all, and ignores requests for others', async () => {
    const { call } = await setup();
    expect(await call('ping')).toEqual({ ok: 'pong' });
    expect(await call('ping', {}, null)).toEqual({ ok: 'pong' });
    expect(await call('ping', {}, ['other@host'])).toBeUndefined();
    expect(await call('no_such_command')).toEqual({ error: "KeyError('no_such_command')" });
  });

  it('inspects registered, active, stats and active_queues in Python shapes', async () => {
    const { call, send, worker } = await setup();
    expect(await call('registered')).toEqual(['t.add [rate_limit=100/s]', 't.hold']);
    send('h1', 't.hold');
    for (let i = 0; i < 50 && worker.pool.active.size === 0; i++) await new Promise((r) => setTimeout(r, 5));
    const active = (await call('active')) as JsonObject[];
    expect(active.map((r) => [r['id'], r['name'], r['acknowledged'], r['worker_pid']])).toEqual([['h1', 't.hold', true, process.pid]]);
    const stats = (await call('stats')) as JsonObject;
    expect(stats['total']).toEqual({ 't.hold': 1 });
    expect((stats['pool'] as JsonObject)['max-concurrency']).toBe(2);
    expect(typeof stats['clock']).toBe('string');
    expect(((await call('active_queues')) as JsonObject[]).map((q) => q['name'])).toEqual(['celery']);
    expect(await call('query_task', { ids: ['h1'] })).toMatchObject({ h1: ['active', { id: 'h1' }] });
    send('h2', 't.hold');
    send('h3', 't.hold');
    for (let i = 0; i < 50 && worker.pool.reserved().length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(((await call('reserved')) as JsonObject[]).map((r) => [r['id'], r['acknowledged'], r['worker_pid']])).toEqual([['h3', false, null]]);
    expect(await call('conf')).toMatchObject({ broker_url: 'memory://', worker_concurrency: 2, task_default_queue: 'celery' });
  });

  it('changes rate and time limits, the pool and the queues', async () => {
    const { call, worker } = await setup();
    expect(await call('rate_limit', { task_name: 't.add', rate_limit: '5/m' })).toEqual({ ok: 'new rate limit set successfully' });
    expect(worker.app.get('t.add')?.options.rate).toBeCloseTo(5 / 60);
    expect(await call('rate_limit', { task_name: 't.add', rate_limit: 'abc' })).toMatchObject({ error: expect.stringContaining('Invalid rate limit string') });
    expect(await call('rate_limit', { task_name: 'nope', rate_limit: '1/s' })).toEqual({ error: 'unknown task' });
    expect(await call('time_limit', { task_name: 't.add', soft: 10, hard: 20 })).toEqual({ ok: 'time limits set successfully' });
    expect([worker.app.get('t.add')?.options.softTimeLimit, worker.app.get('t.add')?.options.timeLimit]).toEqual([10, 20]);
    expect(await call('pool_grow', { n: 3 })).toEqual({ ok: 'pool will grow' });
    expect(worker.pool.concurrency).toBe(5);
    expect(await call('pool_shrink', { n: 1 })).toEqual({ ok: 'pool will shrink' });
    expect(worker.pool.concurrency).toBe(4);
    expect(await call('autoscale', { max: 6, min: 2 })).toEqual({ ok: 'autoscale now max=6 min=2' });
    expect(worker.pool.concurrency).toBe(6);
    expect(await call('pool_grow', { n: -1 })).toMatchObject({ error: expect.stringContaining('ValueError') });
    expect(await call('add_consumer', { queue: 'extra' })).toEqual({ ok: 'add consumer extra' });
    expect(worker.consumer?.queues()).toEqual(['celery', 'extra']);
    expect(await call('cancel_consumer', { queue: 'celery' })).toEqual({ ok: 'no longer consuming from celery' });
    expect(worker.consumer?.queues()).toEqual(['extra']);
  });

  it('revokes ids for later and answers shutdown with silence, then stops', async () => {
    const { call, worker } = await setup();
    expect(await call('revoke', { task_id: ['x', 'y'] })).toEqual({ ok: 'tasks x, y flagged as revoked' });
    expect(await call('revoked')).toEqual(['x', 'y']);
    expect(await call('revoke', { task_id: 'z', terminate: true, signal: 'SIGTERM' })).toEqual({ ok: 'terminate: tasks unknown' });
    expect(await call('shutdown')).toBeUndefined();
    await worker.stopped();
  });
});
