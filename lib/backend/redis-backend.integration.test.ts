/**
 * The Redis result backend against a real redis-server and real Python Celery 5.2.6 (test/python/tasks.py
 * served by a solo worker; test/python/backend_client.py as the Python client). Results, exceptions,
 * result_extended fields, groups and chords must work across the two languages in both directions.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTaskMeta, type JsonValue, type TaskMeta } from '@/lib/celery';
import type { Child } from '@/test/harness/child';
import { runPython, startCeleryWorker } from '@/test/harness/celery-worker';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { until } from '@/test/harness/until';
import { chordError } from './chord-error';
import { chordKeys, encodeGroup, groupKey, MalformedResultError, taskKey } from './codec';
import { parseBackendUrl } from './backend-url';
import { createResultBackend } from './create-result-backend';
import { KeyValueResultBackend } from './kv-backend';
import { RedisStore } from './redis-backend';
import type { ChordPart, ResultBackend } from './result-backend';
import { taskMeta } from './test-meta';

const NODE = `pybackend-${process.pid}@pollen`;
const OURS = 'pollen-ours';
let server: RedisServer;
let worker: Child;
let broker: string;
let backendUrl: string;
let raw: Redis;
const opened: ResultBackend[] = [];

function open(url = backendUrl): ResultBackend {
  const backend = createResultBackend(url);
  opened.push(backend);
  return backend;
}

/** Runs backend_client.py and returns the JSON it printed last. */
async function py<T = unknown>(...args: string[]): Promise<T> {
  const output = await runPython('backend_client.py', { broker, backend: backendUrl, args, timeoutMs: 45_000 });
  const line = output.trim().split('\n').reverse().find((l) => /^[[{"n]/.test(l));
  if (line === undefined) throw new Error(`backend_client.py ${args[0]} printed no JSON:\n${output}`);
  return JSON.parse(line) as T;
}

interface PyException {
  class: string;
  module: string;
  mro: string[];
  args: JsonValue[];
  str: string;
  repr: string;
  is_value_error: boolean;
}
interface PyResult {
  id: string;
  state: string;
  value?: JsonValue;
  exception?: PyException;
  [field: string]: JsonValue | PyException | undefined;
}

/** Resolves once someone (Python's AsyncResult.get) is SUBSCRIBEd to the task's channel. */
async function subscribed(taskId: string): Promise<void> {
  await until(`a subscriber on ${taskKey(taskId)}`, async () => {
    const reply = (await raw.pubsub('NUMSUB', taskKey(taskId))) as [string, number];
    return Number(reply[1]) > 0;
  }, 20_000);
  // AsyncResult.get reads the key once right after subscribing; be past that, listening only.
  await new Promise((r) => setTimeout(r, 300));
}

const now = (): string => new Date().toISOString().replace('Z', '');

beforeAll(async () => {
  server = await startRedis();
  broker = server.url(0);
  backendUrl = server.url(1);
  raw = new Redis({ port: server.port, host: '127.0.0.1', db: 1, protocol: 2 });
  worker = await startCeleryWorker({ broker, backend: backendUrl, nodename: NODE, queues: ['celery'] });
});

afterAll(async () => {
  for (const backend of opened) await backend.close().catch(() => undefined);
  raw?.disconnect();
  await worker?.stop();
  await server?.stop();
});

describe('results a Python worker stored', () => {
  it('decode (SUCCESS and FAILURE), and waitForReady wakes on the PUBLISH', async () => {
    const backend = open();
    const addId = randomUUID();
    const failId = randomUUID();
    const waiting = [backend.waitForReady(addId, 30_000), backend.waitForReady(failId, 30_000)];
    await until('our subscriptions', async () => Number(((await raw.pubsub('NUMSUB', taskKey(addId), taskKey(failId))) as unknown[])[3]) === 1);
    expect(await backend.get(addId)).toBeNull();
    await py('send', 'tasks.add', addId, '[2, 3]');
    await py('send', 'tasks.fail', failId, '["py boom"]');
    const [added, failed] = await Promise.all(waiting);
    expect(added).toMatchObject({ taskId: addId, status: 'SUCCESS', result: 5, exception: null, traceback: null, children: [] });
    expect(added?.dateDone).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    expect(failed).toMatchObject({ status: 'FAILURE', exception: { type: 'ValueError', message: ['py boom'], module: 'builtins' } });
    expect(failed?.traceback).toContain('ValueError: py boom');
    expect(await backend.get(failId)).toEqual(failed);
    // Our encoder writes Python's bytes back exactly.
    expect(encodeTaskMeta(added as TaskMeta)).toBe(await raw.get(taskKey(addId)));
    expect(encodeTaskMeta(failed as TaskMeta)).toBe(await raw.get(taskKey(failId)));
  });

  it('a malformed stored value is a clear error', async () => {
    const backend = open();
    await raw.set(taskKey('garbage'), '{"status": 1}');
    await expect(backend.get('garbage')).rejects.toThrow(MalformedResultError);
    await expect(backend.waitForReady('garbage', 2000)).rejects.toThrow(/celery-task-meta-garbage/);
  });
});

describe('results we store, read by Python', () => {
  it("wake a waiting AsyncResult.get() through the PUBLISH (a bare SET does not)", async () => {
    const backend = open();
    const id = randomUUID();
    const value = { sum: 5, items: [1, 'two', null, 2.5], nested: { ok: true } };
    const python = py<PyResult[]>('get', id);
    await subscribed(id);
    await backend.store(taskMeta(id, 'SUCCESS', { result: value, dateDone: now() }));
    expect((await python)[0]).toMatchObject({ state: 'SUCCESS', value });

    // Control: the same value written without PUBLISH leaves Python asleep until its timeout.
    const silent = randomUUID();
    const asleep = py<PyResult[]>('get', '--timeout', '3', silent);
    await subscribed(silent);
    await raw.setex(taskKey(silent), 60, encodeTaskMeta(taskMeta(silent, 'SUCCESS', { result: 1 })));
    const [slept] = await asleep;
    expect(slept?.exception?.class).toBe('TimeoutError');
    expect(slept?.state).toBe('SUCCESS');
  });

  it('a FAILURE makes Python raise the exception it names', async () => {
    const backend = open();
    const fail = (id: string, type: string, module: string | null, message: JsonValue, status = 'FAILURE') =>
      backend.store(taskMeta(id, status, { exception: { type, module, message }, dateDone: now(), traceback: 'Traceback (from TS)\n' }));
    const ids = { builtin: randomUUID(), nullModule: randomUUID(), unknownModule: randomUUID(), notImported: randomUUID(), notAnException: randomUUID(), revoked: randomUUID(), plainMessage: randomUUID() };
    const waiting = py<PyResult[]>('get', ids.builtin);
    await subscribed(ids.builtin);
    await fail(ids.builtin, 'ValueError', 'builtins', ['boom']);
    const [builtin] = await waiting;
    expect(builtin?.exception).toMatchObject({ class: 'ValueError', module: 'builtins', args: ['boom'], repr: "ValueError('boom')", is_value_error: true });

    await fail(ids.nullModule, 'Error', null, ['kaput']);
    await fail(ids.unknownModule, 'Error', 'pollen_worker.errors', ['kaput']);
    await fail(ids.notImported, 'DOMException', 'xml.dom', ['not imported yet']);
    await fail(ids.notAnException, 'system', 'os', ['echo pwned']);
    await fail(ids.revoked, 'TaskRevokedError', 'celery.exceptions', ['revoked'], 'REVOKED');
    await fail(ids.plainMessage, 'KeyError', 'builtins', 'not a list');
    const results = await py<PyResult[]>('get', ...Object.values(ids).slice(1));
    const [nullModule, unknownModule, notImported, notAnException, revoked, plainMessage] = results.map((r) => r.exception);
    // exc_module null: a class made on the fly, named after exc_type, in celery.backends.base.
    expect(nullModule).toMatchObject({ class: 'Error', module: 'celery.backends.base', args: ['kaput'], str: 'kaput', repr: "Error('kaput')", is_value_error: false });
    expect(nullModule?.mro).toEqual(['Error', 'Exception', 'BaseException', 'object']);
    // A module not loaded in the client (absent, or merely not imported yet): made on the fly in celery.exceptions.
    expect(unknownModule).toMatchObject({ class: 'Error', module: 'celery.exceptions', args: ['kaput'], repr: "Error('kaput')" });
    expect(notImported).toMatchObject({ class: 'DOMException', module: 'celery.exceptions' });
    // Something that is not an exception class is refused.
    expect(notAnException).toMatchObject({ class: 'SecurityError', module: 'celery.exceptions' });
    expect(notAnException?.str).toContain('Expected an exception class, got os.system');
    expect(revoked).toMatchObject({ class: 'TaskRevokedError', module: 'celery.exceptions', args: ['revoked'] });
    expect(plainMessage).toMatchObject({ class: 'KeyError', args: ['not a list'] });
  });

  it('result_extended fields are read by Python', async () => {
    const backend = open();
    const id = randomUUID();
    await backend.store(taskMeta(id, 'SUCCESS', {
      result: 'ok', dateDone: now(), extended: true, name: 'tasks.echo', args: [1, 'a'], kwargs: { k: 'v' }, worker: 'ts@pollen', retries: 2, queue: 'celery',
    }));
    const [read] = await py<PyResult[]>('get', '--extended', id);
    expect(read).toMatchObject({ value: 'ok', name: 'tasks.echo', args: [1, 'a'], kwargs: { k: 'v' }, worker: 'ts@pollen', retries: 2, queue: 'celery' });
  });
});

describe('storeUnlessReady (abort) on Redis', () => {
  it('keeps a result a Python-style worker stores between the read and the write: the write is conditional in Redis', async () => {
    const id = randomUUID();
    const key = taskKey(id);
    const failure = encodeTaskMeta(taskMeta(id, 'FAILURE', { traceback: 'Traceback: late' }));
    // Between our GET and our write, another client stores the task's FAILURE.
    class Racing extends RedisStore {
      armed = true;
      override async get(k: string): Promise<string | null> {
        const value = await super.get(k);
        if (this.armed && k === key) {
          this.armed = false;
          await raw.set(k, failure);
        }
        return value;
      }
    }
    const parsed = parseBackendUrl(backendUrl);
    if (!parsed.ok || parsed.value.kind !== 'redis') throw new Error('not a redis URL');
    const backend = new KeyValueResultBackend(new Racing(parsed.value));
    opened.push(backend);
    expect(await backend.storeUnlessReady(taskMeta(id, 'ABORTED'))).toMatchObject({ status: 'FAILURE', traceback: 'Traceback: late' });
    expect(await raw.get(key)).toBe(failure);
    // Nothing stored: the write lands.
    const pending = randomUUID();
    expect(await backend.storeUnlessReady(taskMeta(pending, 'ABORTED'))).toBeNull();
    expect(JSON.parse((await raw.get(taskKey(pending))) ?? 'null')).toMatchObject({ status: 'ABORTED' });
  });
});

describe('groups', () => {
  it('round-trip with GroupResult.save() and GroupResult.restore()', async () => {
    const backend = open();
    const ours = { groupId: randomUUID(), taskIds: [randomUUID(), randomUUID()] };
    await backend.saveGroup(ours);
    expect(await py('group-restore', ours.groupId)).toEqual({ id: ours.groupId, results: ours.taskIds });
    const theirs = { groupId: randomUUID(), taskIds: [randomUUID(), randomUUID(), randomUUID()] };
    await py('group-save', theirs.groupId, ...theirs.taskIds);
    expect(await backend.getGroup(theirs.groupId)).toEqual(theirs);
    expect(await raw.get(groupKey(theirs.groupId))).toBe(encodeGroup(theirs));
    expect(await raw.ttl(groupKey(theirs.groupId))).toBeGreaterThan(86_000);
    expect(await py('group-restore', randomUUID())).toBeNull();
  });
});

interface SentChord {
  body: string;
  group: string;
  header: string[];
}
type Ids<N extends number, T extends string[] = []> = T['length'] extends N ? T : Ids<N, [...T, string]>;
/** n fresh ids, typed as a tuple so that destructuring them gives strings. */
const uuids = <N extends number>(n: N): Ids<N> => Array.from({ length: n }, () => randomUUID()) as Ids<N>;
/** A task id that starts with `first`, to control how sorted-set members with equal scores would sort. */
const sorting = (first: string): string => first + randomUUID().slice(1);
const add = (x: number, id: string, queue: string) => ({ task: 'tasks.add', args: [x, x], id, queue });

describe('chords whose header is finished partly by Python, partly by us', () => {
  /** What our worker does when it finishes a header part: store the result, then report the part. */
  async function finishOurs(backend: ResultBackend, part: ChordPart, exception?: { type: string; module: string; message: JsonValue }) {
    await backend.store(taskMeta(part.taskId, part.state, { result: part.result, exception: exception ?? null, groupId: part.groupId, dateDone: now() }));
    return backend.chordPartReturn(part);
  }

  it('ours last: we get the join, parts in header order; a failed Python part is returned with its state', async () => {
    const backend = open();
    const [c, fa, fb, fc] = uuids(4);
    // Ids that sort against header order: only the scores (group_index) can put the parts right.
    const [a, b] = [sorting('f'), sorting('0')];
    const [ok, failing] = await py<SentChord[]>('chord', JSON.stringify([
      { header: [add(1, a, OURS), add(2, b, 'celery')], body: { task: 'tasks.tsum', id: c } },
      { header: [add(1, fa, OURS), { task: 'tasks.fail', args: ['py boom'], id: fb, queue: 'celery' }], body: { task: 'tasks.tsum', id: fc } },
    ]));
    expect(ok?.header).toEqual([a, b]);
    const gid = ok?.group as string;
    await backend.waitForReady(b, 30_000);
    await backend.waitForReady(fb, 30_000);
    // Python's part is in, the chord is not complete: one member, size 2 set by the Python client.
    expect(await raw.zcard(chordKeys(gid).parts)).toBe(1);
    expect(await raw.get(chordKeys(gid).size)).toBe('2');

    const join = await finishOurs(backend, { groupId: gid, groupIndex: 0, taskId: a, state: 'SUCCESS', result: 2 });
    expect(join?.parts).toEqual([
      { groupId: gid, groupIndex: 0, taskId: a, state: 'SUCCESS', result: 2 },
      { groupId: gid, groupIndex: 1, taskId: b, state: 'SUCCESS', result: 4 },
    ]);
    expect(await raw.exists(chordKeys(gid).parts, chordKeys(gid).size, chordKeys(gid).added)).toBe(0);
    expect(await backend.get(c)).toBeNull();

    const fgid = failing?.group as string;
    const failedJoin = await finishOurs(backend, { groupId: fgid, groupIndex: 0, taskId: fa, state: 'SUCCESS', result: 2 });
    expect(failedJoin?.parts.map((p) => [p.taskId, p.state])).toEqual([[fa, 'SUCCESS'], [fb, 'FAILURE']]);
    expect(failedJoin?.parts[1]?.result).toEqual({ exc_type: 'ValueError', exc_message: ['py boom'], exc_module: 'builtins' });
    expect(chordError(failedJoin as never)?.message).toEqual([`Dependency ${fb} raised ValueError('py boom')`]);
    // As Celery: a failed chord's keys are left to expire.
    expect(await raw.exists(chordKeys(fgid).parts)).toBe(1);
  });

  it("Python last: its worker sends the body with our part's result in place (or fails it with ChordError)", async () => {
    const backend = open();
    const later = `pollen-later-${process.pid}`;
    const [a1, b1, c1, c2, a3, b3, c3] = uuids(7);
    // Python's part is first in the header but sorts last by id: only the scores give the order.
    const [b2, a2] = [sorting('f'), sorting('0')];
    const sent = await py<SentChord[]>('chord', JSON.stringify([
      { header: [add(1, a1, OURS), add(2, b1, later)], body: { task: 'tasks.tsum', id: c1 } },
      // Python's part first in the header, ours second: the body sees header order, not finishing order.
      { header: [add(1, b2, later), add(2, a2, OURS)], body: { task: 'tasks.echo', id: c2 } },
      { header: [add(1, a3, OURS), add(2, b3, later)], body: { task: 'tasks.tsum', id: c3 } },
    ]));
    const [g1, g2, g3] = sent.map((s) => s.group) as [string, string, string];
    const boom = { type: 'ValueError', module: 'builtins', message: ['boom'] };
    const ourParts: ChordPart[] = [
      { groupId: g1, groupIndex: 0, taskId: a1, state: 'SUCCESS', result: 2 },
      { groupId: g2, groupIndex: 1, taskId: a2, state: 'SUCCESS', result: 4 },
      { groupId: g3, groupIndex: 0, taskId: a3, state: 'FAILURE', result: { exc_type: 'ValueError', exc_message: ['boom'], exc_module: 'builtins' } },
    ];
    for (const [i, part] of ourParts.entries()) expect(await finishOurs(backend, part, i === 2 ? boom : undefined)).toBeNull();

    // Now let the Python worker run its parts: each one is the last of its chord.
    const reply = await py<Record<string, unknown>[]>('add-consumer', later, NODE);
    expect(JSON.stringify(reply)).toContain('add consumer');
    const [sum, echoed, failed] = await Promise.all([c1, c2, c3].map((id) => backend.waitForReady(id, 30_000)));
    expect(sum).toMatchObject({ status: 'SUCCESS', result: 6 });
    expect(echoed).toMatchObject({ status: 'SUCCESS', result: { args: [[2, 4]], kwargs: {} } });
    expect(await raw.exists(chordKeys(g1).parts, chordKeys(g1).size)).toBe(0);
    // Our part failed: Python's worker fails the body with the ChordError our chordError() predicts.
    const expected = chordError({ parts: [ourParts[2] as ChordPart, { groupId: g3, groupIndex: 1, taskId: b3, state: 'SUCCESS', result: 4 }] });
    expect(failed).toMatchObject({ status: 'FAILURE', exception: expected });
    expect(failed?.exception?.message).toEqual([`Dependency ${a3} raised ValueError('boom')`]);
    expect(await raw.exists(chordKeys(g3).parts)).toBe(1);
  });

  it('racing parts from two connections join exactly once', async () => {
    const [one, two] = [open(), open()];
    const gid = randomUUID();
    const size = 30;
    await one.setChordSize(gid, size);
    const joins = await Promise.all(
      Array.from({ length: size }, (_, i) => (i % 2 ? one : two).chordPartReturn({ groupId: gid, groupIndex: size - 1 - i, taskId: `t${i}`, state: 'SUCCESS', result: i })),
    );
    const winners = joins.filter((j) => j !== null);
    expect(winners).toHaveLength(1);
    expect(winners[0]?.parts.map((p) => p.groupIndex)).toEqual(Array.from({ length: size }, (_, i) => i));
  });
});

describe('on the wire', () => {
  it("sends Celery's commands: SETEX+PUBLISH in MULTI, the chord's ZADD/ZCOUNT/GET/EXPIRE transaction, ZRANGE, DEL", async () => {
    const monitor = await new Redis({ port: server.port, host: '127.0.0.1', protocol: 2 }).monitor();
    const seen: { args: string[]; source: string }[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => seen.push({ args, source }));
    try {
      const backend = open();
      const id = randomUUID();
      const gid = randomUUID();
      const meta = taskMeta(id, 'SUCCESS', { result: 1, groupId: gid, dateDone: now() });
      await backend.store(meta);
      await backend.setChordSize(gid, 1);
      await backend.chordPartReturn({ groupId: gid, groupIndex: 0, taskId: id, state: 'SUCCESS', result: 1 });
      const k = chordKeys(gid);
      const json = encodeTaskMeta(meta);
      await until('the commands in MONITOR', () => seen.some(({ args }) => args[0]?.toUpperCase() === 'DEL' && args[1] === k.size), 5000);
      // Our command connection is the one that asked for the task first; keep what it sent from then on.
      const first = seen.findIndex(({ args }) => args[1] === taskKey(id));
      const source = seen[first]?.source;
      const ours = seen.slice(first).filter((c) => c.source === source).map(({ args }) => [(args[0] ?? '').toUpperCase(), ...args.slice(1)]);
      expect(ours).toEqual([
        ['GET', taskKey(id)],
        ['MULTI'], ['SETEX', taskKey(id), '86400', json], ['PUBLISH', taskKey(id), json], ['EXEC'],
        ['MULTI'], ['SETEX', k.size, '86400', '1'], ['PUBLISH', k.size, '1'], ['EXEC'],
        ['MULTI'], ['ZADD', k.parts, '0', `[1, "${id}", "SUCCESS", 1]`], ['ZCOUNT', k.parts, '-inf', '+inf'], ['GET', k.added], ['GET', k.size],
        ['EXPIRE', k.parts, '86400'], ['EXPIRE', k.added, '86400'], ['EXPIRE', k.size, '86400'], ['EXEC'],
        ['MULTI'], ['ZRANGE', k.parts, '0', '-1', 'WITHSCORES'], ['EXEC'],
        ['MULTI'], ['DEL', k.parts], ['DEL', k.added], ['DEL', k.size], ['EXEC'],
      ]);
    } finally {
      monitor.disconnect();
    }
  });
});
