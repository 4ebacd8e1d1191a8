/**
 * The result-backend behaviour shared by the Redis and memory backends (kv-backend.ts), run on the memory
 * store: Celery's store rules, watchers, waiting, groups and chords.
 */
import { describe, expect, it } from 'vitest';
import { encodeTaskMeta, type TaskMeta } from '@/lib/celery';
import { chordError } from './chord-error';
import { chordKeys, groupKey, MalformedResultError, ResultTimeoutError, taskKey } from './codec';
import type { ChannelWatcher } from './kv-store';
import { MemoryBackend, MemoryStore, SWEEP_INTERVAL_MS } from './memory-backend';
import type { ChordJoin, ChordPart } from './result-backend';
import { taskMeta } from './test-meta';

function setup(options: { now?: () => number; expires?: number; errors?: Error[] } = {}) {
  const memory = new MemoryStore(options.now);
  const backend = new MemoryBackend(memory, { expires: options.expires, onError: (e) => options.errors?.push(e) });
  return { memory, backend };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('store and get', () => {
  it('round-trips every field, null when nothing is stored', async () => {
    const { backend, memory } = setup();
    expect(await backend.get('t1')).toBeNull();
    const meta = taskMeta('t1', 'SUCCESS', {
      result: { total: [1, 2] }, groupId: 'g', parentId: 'p', extended: true, name: 'tasks.add', args: [1, 2], kwargs: { z: 1 },
      worker: 'w@h', retries: 0, queue: 'celery', children: [[['c', null], null]], extra: { custom: true },
    });
    await backend.store(meta);
    expect(await backend.get('t1')).toEqual(meta);
    expect(await memory.get(taskKey('t1'))).toBe(encodeTaskMeta(meta));
  });

  it("expires after Celery's result_expires (1 day by default, configurable, 0 = never)", async () => {
    let now = 1_000_000;
    const { backend, memory } = setup({ now: () => now });
    await backend.store(taskMeta('t', 'SUCCESS'));
    expect(memory.ttl(taskKey('t'))).toBe(86_400);
    now += 86_400_000;
    expect(await backend.get('t')).toBeNull();
    const short = setup({ now: () => now, expires: 5 });
    await short.backend.store(taskMeta('t', 'STARTED'));
    expect(short.memory.ttl(taskKey('t'))).toBe(5);
    const forever = setup({ expires: 0 });
    await forever.backend.store(taskMeta('t', 'STARTED'));
    expect(forever.memory.ttl(taskKey('t'))).toBe(-1);
    expect(() => new MemoryBackend(new MemoryStore(), { expires: -1 })).toThrow(RangeError);
  });

  it('never overwrites a SUCCESS (Celery skips the write), but does overwrite other states', async () => {
    const { backend } = setup();
    await backend.store(taskMeta('t', 'STARTED'));
    await backend.store(taskMeta('t', 'FAILURE'));
    expect((await backend.get('t'))?.status).toBe('FAILURE');
    await backend.store(taskMeta('t', 'SUCCESS', { result: 5 }));
    await backend.store(taskMeta('t', 'REVOKED'));
    expect(await backend.get('t')).toMatchObject({ status: 'SUCCESS', result: 5 });
  });

  it('gives a clear error for a malformed stored value, and overwrites it', async () => {
    const { backend, memory } = setup();
    memory.set(taskKey('bad'), '{"status": "SUCCESS"');
    await expect(backend.get('bad')).rejects.toThrow(MalformedResultError);
    await expect(backend.get('bad')).rejects.toThrow(/celery-task-meta-bad/);
    memory.set(taskKey('bad2'), '{"status": "SUCCESS", "result": 1}');
    await expect(backend.get('bad2')).rejects.toThrow(/task_id/);
    await backend.store(taskMeta('bad', 'SUCCESS', { result: 1 }));
    expect((await backend.get('bad'))?.result).toBe(1);
  });

  it('forget deletes the result', async () => {
    const { backend } = setup();
    await backend.store(taskMeta('t', 'SUCCESS'));
    await backend.forget('t');
    expect(await backend.get('t')).toBeNull();
  });
});

describe('storeUnlessReady (abort)', () => {
  it('stores over a state that is not ready, and leaves SUCCESS, FAILURE and REVOKED as they are', async () => {
    const { memory, backend } = setup();
    expect(await backend.storeUnlessReady(taskMeta('t', 'ABORTED'))).toBeNull();
    await backend.store(taskMeta('t', 'STARTED'));
    expect(await backend.storeUnlessReady(taskMeta('t', 'ABORTED'))).toBeNull();
    expect((await backend.get('t'))?.status).toBe('ABORTED');
    for (const ready of ['SUCCESS', 'FAILURE', 'REVOKED']) {
      const meta = taskMeta(ready, ready, { traceback: ready === 'FAILURE' ? 'Traceback' : null });
      await backend.store(meta);
      const before = await memory.get(taskKey(ready));
      expect(await backend.storeUnlessReady(taskMeta(ready, 'ABORTED'))).toMatchObject({ status: ready });
      expect(await memory.get(taskKey(ready))).toBe(before);
    }
  });

  it('keeps a result stored between its read and its write (the task finished at that moment)', async () => {
    // The task's FAILURE lands right after the read that found it RECEIVED.
    class Racing extends MemoryStore {
      armed = false;
      override async get(key: string): Promise<string | null> {
        const value = await super.get(key);
        if (this.armed && key === taskKey('t')) {
          this.armed = false;
          this.set(key, encodeTaskMeta(taskMeta('t', 'FAILURE', { traceback: 'Traceback: late' })));
        }
        return value;
      }
    }
    const memory = new Racing();
    const backend = new MemoryBackend(memory);
    await backend.store(taskMeta('t', 'RECEIVED'));
    memory.armed = true;
    expect(await backend.storeUnlessReady(taskMeta('t', 'ABORTED'))).toMatchObject({ status: 'FAILURE', traceback: 'Traceback: late' });
    expect(await backend.get('t')).toMatchObject({ status: 'FAILURE', traceback: 'Traceback: late' });
  });
});

describe('watch', () => {
  it('tells every watcher each stored state, until it stops', async () => {
    const { backend, memory } = setup();
    const a: string[] = [];
    const b: string[] = [];
    const stopA = await backend.watch('t', (m) => a.push(m.status));
    const stopB = await backend.watch('t', (m) => b.push(m.status));
    expect(memory.subscribers(taskKey('t'))).toBe(2);
    await backend.store(taskMeta('t', 'STARTED'));
    await backend.store(taskMeta('t', 'PROGRESS', { result: { current: 1 } }));
    await tick();
    await stopA();
    await backend.store(taskMeta('t', 'SUCCESS'));
    await backend.store(taskMeta('other', 'SUCCESS'));
    await tick();
    expect(a).toEqual(['STARTED', 'PROGRESS']);
    expect(b).toEqual(['STARTED', 'PROGRESS', 'SUCCESS']);
    await stopB();
    expect(memory.subscribers(taskKey('t'))).toBe(0);
  });

  it('reports malformed messages and throwing listeners without stopping the others', async () => {
    const errors: Error[] = [];
    const { backend, memory } = setup({ errors });
    const seen: string[] = [];
    await backend.watch('t', () => {
      throw new Error('listener broke');
    });
    await backend.watch('t', (m) => seen.push(m.status));
    memory.publish(taskKey('t'), 'garbage');
    await backend.store(taskMeta('t', 'SUCCESS'));
    await tick();
    expect(seen).toEqual(['SUCCESS']);
    // Each watcher decodes on its own: the garbage is reported once per watcher, the throw once.
    const malformed = expect.stringMatching(/^malformed value under celery-task-meta-t \(\$: not valid JSON/);
    expect(errors.map((e) => e.message)).toEqual([malformed, malformed, 'listener broke']);
    expect(errors[0]).toBeInstanceOf(MalformedResultError);
  });

  it('after a reconnection, delivers what was stored meanwhile (once)', async () => {
    const { backend, memory } = setup();
    const seen: string[] = [];
    await backend.watch('t', (m) => seen.push(m.status));
    await backend.store(taskMeta('t', 'STARTED'));
    await tick();
    memory.resyncAll();
    await tick();
    expect(seen).toEqual(['STARTED']);
    memory.set(taskKey('t'), encodeTaskMeta(taskMeta('t', 'SUCCESS')));
    memory.resyncAll();
    await tick();
    expect(seen).toEqual(['STARTED', 'SUCCESS']);
  });
});

describe('waitForReady', () => {
  it('resolves at once for a stored ready state, later for one stored afterwards, and skips the others', async () => {
    const { backend, memory } = setup();
    await backend.store(taskMeta('done', 'FAILURE', { exception: { type: 'ValueError', message: ['boom'], module: 'builtins' } }));
    expect((await backend.waitForReady('done', 1000)).exception?.type).toBe('ValueError');
    const waiting = backend.waitForReady('t', 2000);
    await tick();
    await backend.store(taskMeta('t', 'STARTED'));
    await backend.store(taskMeta('t', 'RETRY'));
    await backend.store(taskMeta('t', 'PROGRESS'));
    await backend.store(taskMeta('t', 'REVOKED'));
    expect((await waiting).status).toBe('REVOKED');
    expect(memory.subscribers(taskKey('t'))).toBe(0);
  });

  it('rejects with a clear timeout error naming the last state, and unsubscribes', async () => {
    const { backend, memory } = setup();
    await backend.store(taskMeta('t', 'STARTED'));
    const error = await backend.waitForReady('t', 50).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultTimeoutError);
    expect((error as Error).message).toBe('task t did not reach a ready state within 50 ms (last state: STARTED)');
    await expect(backend.waitForReady('never', 20)).rejects.toThrow('(last state: PENDING)');
    expect(memory.subscribers(taskKey('t'))).toBe(0);
  });

  it('rejects on a malformed stored value', async () => {
    const { backend, memory } = setup();
    memory.set(taskKey('bad'), '[]');
    await expect(backend.waitForReady('bad', 1000)).rejects.toThrow(MalformedResultError);
  });

  it('subscribes before reading: a state stored while subscribing is not missed', async () => {
    const memory = new MemoryStore();
    // A store whose SUBSCRIBE takes effect only after a result was stored (and published to nobody).
    const late = Object.create(memory) as MemoryStore;
    late.subscribe = async (channel: string, watcher: ChannelWatcher) => {
      await memory.setAndPublish(channel, encodeTaskMeta(taskMeta('t', 'SUCCESS', { result: 7 })), 0);
      return memory.subscribe(channel, watcher);
    };
    const backend = new MemoryBackend(late);
    expect((await backend.waitForReady('t', 500)).result).toBe(7);
  });
});

describe('groups', () => {
  it('saves and restores a group under celery-taskset-meta-<gid>, announcing it', async () => {
    const { backend, memory } = setup();
    const published: string[] = [];
    await memory.subscribe(groupKey('g'), { message: (t) => published.push(t), resync: () => undefined });
    expect(await backend.getGroup('g')).toBeNull();
    await backend.saveGroup({ groupId: 'g', taskIds: ['a', 'b', 'c'] });
    expect(await backend.getGroup('g')).toEqual({ groupId: 'g', taskIds: ['a', 'b', 'c'] });
    expect(memory.ttl(groupKey('g'))).toBe(86_400);
    await tick();
    expect(published).toEqual([await memory.get(groupKey('g'))]);
    memory.set(groupKey('bad'), '{"result": [["bad", null], [[[5]]]]}');
    await expect(backend.getGroup('bad')).rejects.toThrow(/celery-taskset-meta-bad/);
  });
});

describe('chords', () => {
  const part = (groupIndex: number, result: unknown = groupIndex * 10, state = 'SUCCESS', groupId = 'g'): ChordPart => ({
    groupId, groupIndex, taskId: `t${groupIndex}`, state, result: result as never,
  });

  it('joins once, when the last part arrives, with every part in header order, and clears the keys', async () => {
    const { backend, memory } = setup();
    await backend.setChordSize('g', 3);
    expect(await memory.get(chordKeys('g').size)).toBe('3');
    expect(await backend.chordPartReturn(part(2))).toBeNull();
    expect(await backend.chordPartReturn(part(0))).toBeNull();
    expect(memory.ttl(chordKeys('g').parts)).toBe(86_400);
    const join = await backend.chordPartReturn(part(1));
    expect(join?.parts).toEqual([part(0), part(1), part(2)]);
    for (const key of Object.values(chordKeys('g'))) expect(memory.has(key)).toBe(false);
  });

  it('joins exactly once among racing parts', async () => {
    const { backend } = setup();
    const size = 25;
    await backend.setChordSize('race', size);
    const order = Array.from({ length: size }, (_, i) => (i * 7) % size);
    const joins = (await Promise.all(order.map((i) => backend.chordPartReturn(part(i, i, 'SUCCESS', 'race'))))).filter((j): j is ChordJoin => j !== null);
    expect(joins).toHaveLength(1);
    expect(joins[0]?.parts.map((p) => p.result)).toEqual(Array.from({ length: size }, (_, i) => i));
  });

  it('never completes a chord whose size was not set (as Celery)', async () => {
    const { backend } = setup();
    expect(await backend.chordPartReturn(part(0))).toBeNull();
    expect(await backend.chordPartReturn(part(1))).toBeNull();
  });

  it('counts parts added late (.t)', async () => {
    const { backend, memory } = setup();
    await backend.setChordSize('g', 2);
    await memory.incr(chordKeys('g').added);
    expect(await backend.chordPartReturn(part(0))).toBeNull();
    expect(await backend.chordPartReturn(part(1))).toBeNull();
    expect((await backend.chordPartReturn(part(2)))?.parts).toHaveLength(3);
  });

  it('orders parts with the same index by member, as a sorted set does', async () => {
    const { backend } = setup();
    await backend.setChordSize('g', 2);
    await backend.chordPartReturn({ ...part(0), taskId: 'b' });
    const join = await backend.chordPartReturn({ ...part(0), taskId: 'a' });
    expect(join?.parts.map((p) => p.taskId)).toEqual(['a', 'b']);
  });

  it('puts a part without a group_index (+inf, as Celery scores it) last', async () => {
    const { backend } = setup();
    await backend.setChordSize('g', 2);
    await backend.chordPartReturn({ ...part(0), taskId: 'z', groupIndex: Infinity });
    const join = await backend.chordPartReturn(part(5));
    expect(join?.parts.map((p) => [p.taskId, p.groupIndex])).toEqual([['t5', 5], ['z', Infinity]]);
  });

  it('returns failed parts with their state and leaves the keys to expire, as Celery', async () => {
    const { backend, memory } = setup();
    await backend.setChordSize('g', 2);
    const boom = { exc_type: 'ValueError', exc_message: ['boom'], exc_module: 'builtins' };
    await backend.chordPartReturn(part(1, boom, 'FAILURE'));
    const join = (await backend.chordPartReturn(part(0))) as ChordJoin;
    expect(join.parts.map((p) => p.state)).toEqual(['SUCCESS', 'FAILURE']);
    expect(join.parts[1]?.result).toEqual(boom);
    expect(chordError(join)?.message).toEqual(["Dependency t1 raised ValueError('boom')"]);
    expect(memory.has(chordKeys('g').parts)).toBe(true);
  });

  it('gives a clear error for a malformed size', async () => {
    const { backend, memory } = setup();
    memory.set(chordKeys('g').size, 'two');
    await expect(backend.chordPartReturn(part(0))).rejects.toThrow(MalformedResultError);
    await expect(backend.setChordSize('g', -1)).rejects.toThrow(RangeError);
  });
});

describe('active expiry (the demo writes results it never reads again)', () => {
  const part = (groupId: string, groupIndex: number): ChordPart => ({ groupId, groupIndex, taskId: `${groupId}-${groupIndex}`, state: 'SUCCESS', result: groupIndex });

  it('drops expired results nobody reads on a later write past the sweep interval; keeps live and unexpiring keys', async () => {
    let now = 1_000_000;
    const memory = new MemoryStore(() => now);
    const short = new MemoryBackend(memory, { expires: 5 });
    const long = new MemoryBackend(memory, { expires: 60 });
    await short.store(taskMeta('a', 'SUCCESS'));
    await short.store(taskMeta('b', 'FAILURE'));
    await long.store(taskMeta('kept', 'SUCCESS'));
    memory.set('forever', 'x');
    expect(memory.size).toBe(4);
    now += 5000;
    // Nothing reads a or b; only another write comes.
    await long.store(taskMeta('c', 'SUCCESS'));
    expect(memory.size).toBe(3);
    expect(memory.ttl(taskKey('kept'))).toBe(55);
    expect(memory.ttl('forever')).toBe(-1);
    expect(memory.has(taskKey('c'))).toBe(true);
  });

  it('sweeps at most once per interval of its clock', async () => {
    let now = 1_000_000;
    const memory = new MemoryStore(() => now);
    const backend = new MemoryBackend(memory, { expires: 1 });
    memory.set('x', '1'); // sweeps, the next one is due in SWEEP_INTERVAL_MS
    now += 500;
    await backend.store(taskMeta('a', 'SUCCESS')); // expires at +1500
    now += 500;
    memory.set('y', '1'); // sweeps, a still live
    now += 600;
    memory.set('z', '1'); // a expired, but the next sweep is not due
    expect(memory.size).toBe(4);
    now = 1_000_000 + 2 * SWEEP_INTERVAL_MS;
    memory.set('z', '2');
    expect(memory.size).toBe(3);
    expect(memory.ttl(taskKey('a'))).toBe(-2);
  });

  it('drops the chord keys (sorted set .j, .s) once they expire, keeps a chord stored without expiry', async () => {
    let now = 1_000_000;
    const memory = new MemoryStore(() => now);
    const expiring = new MemoryBackend(memory, { expires: 5 });
    const forever = new MemoryBackend(memory, { expires: 0 });
    await expiring.setChordSize('g', 3);
    await expiring.chordPartReturn(part('g', 0));
    await forever.setChordSize('h', 3);
    await forever.chordPartReturn(part('h', 0));
    expect(memory.size).toBe(4);
    expect(memory.ttl(chordKeys('g').parts)).toBe(5);
    now += 5000;
    memory.set('later', 'x');
    expect(memory.size).toBe(3);
    expect(memory.ttl(chordKeys('h').parts)).toBe(-1);
    expect(memory.ttl(chordKeys('h').size)).toBe(-1);
    // The part that would have completed g finds no size and no earlier part: it never joins, as on Redis.
    expect(await expiring.chordPartReturn(part('g', 1))).toBeNull();
  });
});

describe('memory:// sharing', () => {
  it('backends on the same store see each other (worker and dashboard in one process)', async () => {
    const memory = new MemoryStore();
    const worker = new MemoryBackend(memory);
    const dashboard = new MemoryBackend(memory);
    const waiting = dashboard.waitForReady('shared', 1000);
    await tick();
    await worker.store(taskMeta('shared', 'SUCCESS', { result: 'ok' }) satisfies TaskMeta);
    expect((await waiting).result).toBe('ok');
    await worker.close();
    expect((await dashboard.get('shared'))?.result).toBe('ok');
  });
});
