/** The client against Pollen's own worker, in memory: canvases complete and control reaches the worker. */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBackend, MemoryStore } from '@/lib/backend';
import { MemoryBroker, MemoryTransport, parseBrokerUrl } from '@/lib/broker';
import { createApp } from '../task/app';
import { Worker } from '../worker';
import { chain, chord, group, si, signature } from './canvas-builders';
import { Client } from './client';
import { RemoteTaskError } from './remote-error';

const url = parseBrokerUrl('memory://');
if (!url.ok) throw new Error(url.error);
const broker = url.value;

const app = () =>
  createApp()
    .task('tasks.add', { params: ['x', 'y'] }, (_ctx, x: number, y: number) => x + y)
    .task('tasks.tsum', { params: ['numbers'] }, (_ctx, numbers: number[]) => numbers.reduce((a, b) => a + b, 0))
    .task('tasks.echo', (ctx) => ({ args: ctx.args, kwargs: ctx.kwargs }))
    .task('tasks.fail', { params: ['msg'] }, (_ctx, msg = 'boom') => {
      throw new TypeError(String(msg));
    });

let worker: Worker;
let client: Client;
beforeAll(async () => {
  const bus = new MemoryBroker();
  const backend = new MemoryBackend(new MemoryStore());
  worker = new Worker({ app: app(), transport: new MemoryTransport(broker, bus), backend, hostname: 'ts@test', concurrency: 4, logger: pino({ level: 'silent' }) });
  await worker.start();
  client = new Client({ transport: new MemoryTransport(broker, bus), backend });
});
afterAll(async () => {
  await client?.close();
  await worker?.stop({ graceful: false });
});

const add = (...args: number[]) => signature('tasks.add', args);
const T = { timeout: 5000 };

describe('Client with a Pollen worker', () => {
  it('sendTask: a value, kwargs, a failure', async () => {
    expect(await (await client.sendTask('tasks.add', [2, 3])).get(T)).toBe(5);
    expect(await (await client.sendTask('tasks.echo', [1], { k: 'v' })).get(T)).toEqual({ args: [1], kwargs: { k: 'v' } });
    await expect((await client.sendTask('tasks.fail', ['bad'])).get(T)).rejects.toMatchObject({ type: 'TypeError', message: 'bad' });
  });

  it('a chain passes each result on; an immutable step ignores it', async () => {
    expect(await (await client.apply(chain(add(1, 2), add(10), add(100)))).get(T)).toBe(113);
    expect(await (await client.apply(chain(add(1, 2), si('tasks.add', [5, 5])))).get(T)).toBe(10);
  });

  it('a group gives its members results in order', async () => {
    const result = await client.apply(group(add(1, 1), add(2, 2), add(3, 3)));
    expect(await result.get(T)).toEqual([2, 4, 6]);
  });

  it('a chord runs its body with the header results, also with a chain in the header and a group of groups', async () => {
    expect(await (await client.apply(chord([add(1, 1), add(2, 2), add(3, 3)], signature('tasks.tsum')))).get(T)).toBe(12);
    expect(await (await client.apply(chord([chain(add(1, 1), add(10)), add(2, 2)], signature('tasks.tsum')))).get(T)).toBe(16);
    expect(await (await client.apply(chord(group(add(1, 1), group(add(2, 2), add(3, 3))), signature('tasks.tsum')))).get(T)).toBe(12);
  });

  it('a chain through a group into a task is a chord in the middle of a chain', async () => {
    // add(1, 1) = 2, then [2 + 10, 2 + 20], then tsum = 34, then + 1.
    const canvas = chain(add(1, 1), group(add(10), add(20)), signature('tasks.tsum'), add(1));
    expect(await (await client.apply(canvas)).get(T)).toBe(35);
  });

  it('a chain ending in a group gives a GroupResult', async () => {
    const result = await client.applyGroup(chain(add(1, 1), group(add(10), add(20))));
    expect(await result.get(T)).toEqual([12, 22]);
  });

  it('a failing chord part fails the body with ChordError', async () => {
    const body = await client.apply(chord([add(1, 1), signature('tasks.fail')], signature('tasks.tsum')));
    const error = await body.get(T).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteTaskError);
    expect((error as RemoteTaskError).type).toBe('ChordError');
  });

  it('control reaches the worker: ping, inspect; revoke of a waiting task ends it REVOKED', async () => {
    expect(await client.control.ping({ timeout: 500 })).toEqual({ 'ts@test': { ok: 'pong' } });
    const registered = await client.control.inspect('registered', {}, { destination: ['ts@test'] });
    expect(registered['ts@test']).toEqual(expect.arrayContaining(['tasks.add', 'tasks.tsum']));
    const waiting = await client.sendTask('tasks.add', [1, 1], {}, { countdown: 1 });
    await waiting.revoke();
    const error = await waiting.get(T).then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ type: 'TaskRevokedError', state: 'REVOKED' });
  });
});
