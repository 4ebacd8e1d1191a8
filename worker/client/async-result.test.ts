import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBackend, MemoryStore, ResultTimeoutError } from '@/lib/backend';
import { MemoryBroker, MemoryTransport, parseBrokerUrl } from '@/lib/broker';
import { type ControlRequest, decodeControlRequest, decodeRedisEnvelope, type JsonValue, names, type TaskMeta } from '@/lib/celery';
import { Client } from './client';
import { pythonExceptionStr, RemoteTaskError } from './remote-error';

const url = parseBrokerUrl('memory://');
if (!url.ok) throw new Error(url.error);

const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});

function setup() {
  const bus = new MemoryBroker();
  const backend = new MemoryBackend(new MemoryStore());
  const client = new Client({ transport: new MemoryTransport(url.ok ? url.value : (undefined as never), bus), backend });
  clients.push(client);
  const requests: ControlRequest[] = [];
  bus.subscribe(names.PIDBOX_EXCHANGE, (envelope) => {
    const message = decodeRedisEnvelope(envelope);
    const request = message.ok ? decodeControlRequest(message.value) : null;
    if (request?.ok) requests.push(request.value);
  });
  return { client, backend, requests };
}

function meta(taskId: string, status: string, fields: Partial<TaskMeta> = {}): TaskMeta {
  return {
    taskId, status, result: null, exception: null, traceback: null, children: [],
    dateDone: ['SUCCESS', 'FAILURE', 'REVOKED'].includes(status) ? '2026-11-21T13:36:34.341124' : null,
    groupId: null, parentId: null, extended: false, name: null, args: null, kwargs: null, worker: null,
    retries: null, queue: null, extra: null, ...fields,
  };
}

const later = (ms: number, fn: () => Promise<void>) => setTimeout(() => void fn(), ms);

describe('AsyncResult', () => {
  it('is PENDING while nothing is stored, then shows each stored state and its info', async () => {
    const { client, backend } = setup();
    const r = client.asyncResult('t1');
    expect([await r.state(), await r.info(), await r.meta(), await r.ready()]).toEqual(['PENDING', null, null, false]);
    await backend.store(meta('t1', 'PROGRESS', { result: { current: 1, total: 3 } }));
    expect([await r.state(), await r.info(), await r.ready()]).toEqual(['PROGRESS', { current: 1, total: 3 }, false]);
    await backend.store(meta('t1', 'SUCCESS', { result: [1, 'two'] }));
    expect([await r.state(), await r.ready(), await r.successful(), await r.failed()]).toEqual(['SUCCESS', true, true, false]);
    expect((await r.meta())?.dateDone).toBe('2026-11-21T13:36:34.341124');
  });

  it('get() waits for the result stored later', async () => {
    const { client, backend } = setup();
    later(50, () => backend.store(meta('t2', 'SUCCESS', { result: 5 })));
    const started = Date.now();
    expect(await client.asyncResult('t2').get<number>({ timeout: 2000 })).toBe(5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
  });

  it('get() throws the remote exception for FAILURE, or returns it without propagate', async () => {
    const { client, backend } = setup();
    const traceback = 'Traceback (most recent call last):\n  File "tasks.py", line 32, in fail\n    raise ValueError(msg)\nValueError: boom\n';
    await backend.store(meta('t3', 'FAILURE', { exception: { type: 'ValueError', message: ['boom'], module: 'builtins' }, traceback }));
    const r = client.asyncResult('t3');
    const error = await r.get({ timeout: 1000 }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteTaskError);
    const remote = error as RemoteTaskError;
    expect([remote.type, remote.module, remote.message, remote.traceback, remote.taskId, remote.state]).toEqual([
      'ValueError', 'builtins', 'boom', traceback, 't3', 'FAILURE',
    ]);
    expect(remote.args).toEqual(['boom']);
    expect(String(remote)).toBe('RemoteTaskError: ValueError: boom');
    expect(remote.stack).toContain('raise ValueError(msg)');
    const returned = await r.get({ timeout: 1000, propagate: false });
    expect(returned).toBeInstanceOf(RemoteTaskError);
    expect(await r.failed()).toBe(true);
  });

  it('get() throws TaskRevokedError for REVOKED', async () => {
    const { client, backend } = setup();
    await backend.store(meta('t4', 'REVOKED', { exception: { type: 'TaskRevokedError', message: ['expired'], module: 'celery.exceptions' } }));
    await expect(client.asyncResult('t4').get({ timeout: 1000 })).rejects.toMatchObject({ type: 'TaskRevokedError', message: 'expired', state: 'REVOKED' });
  });

  it('get() gives up with a ResultTimeoutError naming the task and its last state', async () => {
    const { client, backend } = setup();
    await backend.store(meta('t5', 'STARTED'));
    const started = Date.now();
    const error = await client.asyncResult('t5').get({ timeout: 100 }).then(() => null, (e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(error).toBeInstanceOf(ResultTimeoutError);
    expect((error as Error).message).toMatch(/t5 did not reach a ready state within 100 ms \(last state: STARTED\)/);
    await expect(client.asyncResult('t5').get({ timeout: -1 })).rejects.toThrow(RangeError);
  });

  it('forget() deletes the result', async () => {
    const { client, backend } = setup();
    await backend.store(meta('t6', 'SUCCESS', { result: 1 }));
    await client.asyncResult('t6').forget();
    expect(await client.asyncResult('t6').state()).toBe('PENDING');
  });

  it('revoke() broadcasts Celery arguments as a cast (signal null unless given)', async () => {
    const { client, requests } = setup();
    expect(await client.asyncResult('t7').revoke()).toEqual([]);
    await client.asyncResult('t8').revoke({ terminate: true, signal: 'SIGKILL' });
    expect(requests.map((r) => [r.method, r.arguments, r.replyTo, r.destination])).toEqual([
      ['revoke', { task_id: 't7', terminate: false, signal: null }, null, null],
      ['revoke', { task_id: 't8', terminate: true, signal: 'SIGKILL' }, null, null],
    ]);
  });

  it('refuses to wait without a result backend', async () => {
    const client = new Client({ transport: new MemoryTransport(url.ok ? url.value : (undefined as never), new MemoryBroker()), backend: null });
    clients.push(client);
    await expect(client.asyncResult('x').get()).rejects.toThrow(/no result backend/);
    await expect(client.restoreGroup('g')).rejects.toThrow(/no result backend/);
  });
});

describe('GroupResult', () => {
  it('get() lists the members in order within one timeout; the first failure propagates', async () => {
    const { client, backend } = setup();
    const g = client.groupResult('g1', ['a', 'b', 'c']);
    later(30, () => backend.store(meta('c', 'SUCCESS', { result: 3 })));
    later(10, () => backend.store(meta('a', 'SUCCESS', { result: 1 })));
    later(20, () => backend.store(meta('b', 'SUCCESS', { result: { two: 2 } })));
    expect(await g.get({ timeout: 2000 })).toEqual([1, { two: 2 }, 3]);
    expect([await g.ready(), await g.successful(), await g.completedCount()]).toEqual([true, true, 3]);

    const h = client.groupResult('g2', ['d', 'e']);
    await backend.store(meta('d', 'FAILURE', { exception: { type: 'KeyError', message: ['k'], module: 'builtins' } }));
    await backend.store(meta('e', 'SUCCESS', { result: 5 }));
    await expect(h.get({ timeout: 1000 })).rejects.toMatchObject({ type: 'KeyError', message: 'k' });
    const outcomes = await h.get({ timeout: 1000, propagate: false });
    expect(outcomes[0]).toBeInstanceOf(RemoteTaskError);
    expect(outcomes[1]).toBe(5);
    expect([await h.failed(), await h.completedCount()]).toEqual([true, 1]);
  });

  it('the timeout covers the whole group', async () => {
    const { client, backend } = setup();
    await backend.store(meta('x1', 'SUCCESS', { result: 1 }));
    const started = Date.now();
    await expect(client.groupResult('g3', ['x1', 'x2', 'x3']).get({ timeout: 120 })).rejects.toBeInstanceOf(ResultTimeoutError);
    expect(Date.now() - started).toBeLessThan(400);
  });

  it('revoke() revokes every member in one broadcast; save() and restoreGroup() round-trip', async () => {
    const { client, requests } = setup();
    const g = client.groupResult('g4', ['m1', 'm2']);
    await g.revoke({ terminate: true });
    expect(requests.map((r) => r.arguments)).toEqual([{ task_id: ['m1', 'm2'], terminate: true, signal: null }]);
    await g.save();
    expect((await client.restoreGroup('g4'))?.ids).toEqual(['m1', 'm2']);
    expect(await client.restoreGroup('nope')).toBeNull();
  });
});

describe('pythonExceptionStr', () => {
  it.each<[JsonValue, string]>([
    [['boom'], 'boom'],
    [[], ''],
    [['a', 2], "('a', 2)"],
    [[1], '1'],
    [[1.5], '1.5'],
    [[null], 'None'],
    [[true], 'True'],
    [[{ a: [1, 'x'] }], "{'a': [1, 'x']}"],
    ['bare message', 'bare message'],
  ])('str(Exception(*%j)) = %j', (args, expected) => {
    expect(pythonExceptionStr(args)).toBe(expected);
  });
});
