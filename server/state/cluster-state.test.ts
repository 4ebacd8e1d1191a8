import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CeleryEvent, decodeEventBody, decodeTaskMeta } from '@/lib/celery';
import { BROKERS, flatEvents, must, storedResults } from '@/test/fixtures/celery-5.2/captures';
import { ClusterState } from './cluster-state';

interface Received {
  readonly event: CeleryEvent;
  readonly at: number;
}

function capturedEvents(broker: (typeof BROKERS)[number]): Received[] {
  return flatEvents(broker).map((f) => {
    const { events } = decodeEventBody(f.event);
    return { event: events[0] as CeleryEvent, at: f.t };
  });
}

function replay(events: readonly Received[], maxTasks = 100_000): ClusterState {
  const state = new ClusterState({ maxTasks, purgeOfflineAfter: 3600 });
  for (const { event, at } of events) state.apply(event, at);
  return state;
}

/** The last state the result backend stored for each task (ready states only). */
function storedFinal(broker: (typeof BROKERS)[number]): Map<string, string> {
  const final = new Map<string, string>();
  for (const { json } of storedResults(broker)) {
    const meta = must(decodeTaskMeta(json));
    final.set(meta.taskId, meta.status);
  }
  return final;
}

describe.each(BROKERS)('replaying the %s capture', (broker) => {
  const events = capturedEvents(broker);
  const state = replay(events);
  const task = (predicate: (t: NonNullable<ReturnType<typeof state.task>>) => boolean) => [...state.taskValues()].find(predicate);

  it('ends every task in the state the result backend recorded', () => {
    let compared = 0;
    for (const [id, status] of storedFinal(broker)) {
      const record = state.task(id);
      if (!record || status === 'RETRY') continue;
      expect({ id, state: record.state }).toEqual({ id, state: status });
      compared++;
    }
    expect(compared).toBeGreaterThan(15);
  });

  it('keeps the fields of each kind of task', () => {
    const added = task((t) => t.name === 'tasks.add' && t.args === '(2, 3)');
    expect(added).toMatchObject({ state: 'SUCCESS', kwargs: '{}', result: '5', worker: 'prefork@proto', retries: 0, lost: false });
    expect(added?.runtime).toBeGreaterThan(0);
    expect(added?.sent).not.toBeNull();
    expect(added?.received).toBeLessThanOrEqual(added?.started ?? 0);

    const failed = task((t) => t.name === 'tasks.fail' && t.worker === 'prefork@proto');
    expect(failed).toMatchObject({ state: 'FAILURE', exception: "ValueError('boom')" });
    expect(failed?.traceback).toContain('ValueError: boom');

    const flaky = task((t) => t.name === 'tasks.flaky');
    expect(flaky).toMatchObject({ state: 'SUCCESS', retries: 1, result: "'ok after 1 retries'" });
    expect(flaky?.retryHistory).toHaveLength(1);
    expect(flaky?.retryHistory?.[0]).toMatchObject({ retries: 0, exception: "RuntimeError('transient failure')" });

    expect(task((t) => t.name === 'tasks.reject')).toMatchObject({ state: 'REJECTED', requeue: false });
    expect(task((t) => t.name === 'tasks.does_not_exist')).toMatchObject({ state: 'FAILURE', exception: "NotRegistered('tasks.does_not_exist')", traceback: null });
    expect(task((t) => t.terminated)).toMatchObject({ state: 'REVOKED', signum: 15, name: 'tasks.sleep' });
    expect(task((t) => t.expired)).toMatchObject({ state: 'REVOKED' });
  });

  it('keeps workflows: a chain links parent and root', () => {
    const last = task((t) => t.name === 'tasks.add' && t.args === '(6, 4)');
    expect(last?.parentId).not.toBeNull();
    const middle = state.task(last?.parentId ?? '');
    expect(middle?.args).toBe('(3, 3)');
    expect(last?.rootId).toBe(middle?.rootId);
    expect(state.task(last?.rootId ?? '')?.args).toBe('(1, 2)');
  });

  it('sees both workers, their software, and their clean shutdown', () => {
    expect([...state.workerValues()].map((w) => w.hostname).sort()).toEqual(['prefork@proto', 'solo@proto']);
    const prefork = state.worker('prefork@proto');
    expect(prefork).toMatchObject({ swIdent: 'py-celery', swVer: '5.2.6', swSys: 'Linux', freq: 2 });
    const end = events[events.length - 1]?.at ?? 0;
    // Both sent worker-offline at the end of the capture.
    expect(prefork?.alive(end)).toBe(false);
    expect(prefork?.offlineSince).not.toBeNull();
  });

  it('reaches the same final states whatever the order and however often events arrive', () => {
    const expected = new Map([...state.taskValues()].map((t) => [t.uuid, t.state]));
    fc.assert(
      fc.property(fc.array(fc.nat({ max: events.length - 1 }), { maxLength: 40 }), fc.integer(), (duplicates, seed) => {
        const shuffled = [...events, ...duplicates.map((i) => events[i] as Received)];
        let s = seed;
        for (let i = shuffled.length - 1; i > 0; i--) {
          s = (s * 1103515245 + 12345) & 0x7fffffff;
          const j = s % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j] as Received, shuffled[i] as Received];
        }
        const again = replay(shuffled);
        for (const [id, final] of expected) {
          // Celery's own rule leaves a revoked-then-received race open; every ready state must hold.
          if (['SUCCESS', 'FAILURE', 'REVOKED', 'REJECTED'].includes(final)) expect({ id, state: again.task(id)?.state }).toEqual({ id, state: final });
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe('liveness', () => {
  const heartbeat = (hostname: string, timestamp: number, freq = 2) =>
    decodeEventBody({ type: 'worker-heartbeat', hostname, timestamp, freq, active: 0, processed: 0, loadavg: [0, 0, 0], sw_ident: 'py-celery', sw_ver: '5.2.6', sw_sys: 'Linux' }).events[0] as CeleryEvent;
  const taskEvent = (type: string, uuid: string, hostname: string, timestamp: number, extra: object = {}) =>
    decodeEventBody({ type, uuid, hostname, timestamp, ...extra }).events[0] as CeleryEvent;

  it('expires a worker 2 × freq after its last heartbeat and marks its in-flight tasks lost', () => {
    const state = new ClusterState({ maxTasks: 100, purgeOfflineAfter: 60 });
    expect(state.apply(heartbeat('w1@h', 1000), 1000).workerCameOnline).toBe(true);
    state.apply(taskEvent('task-received', 't1', 'w1@h', 1001, { name: 'a' }), 1001);
    state.apply(taskEvent('task-started', 't1', 'w1@h', 1001.5), 1001.5);
    state.apply(taskEvent('task-received', 't2', 'w1@h', 1001.6, { name: 'b' }), 1001.6);
    state.apply(taskEvent('task-succeeded', 't2', 'w1@h', 1001.7, { result: '1', runtime: 0.1 }), 1001.7);
    const worker = state.worker('w1@h');
    expect(worker?.alive(1005)).toBe(true); // task events count as heartbeats: last at 1001.7
    expect(state.sweep(1005)).toEqual([]);
    expect(state.sweep(1006)).toEqual([worker]);
    expect(state.task('t1')).toMatchObject({ state: 'STARTED', lost: true });
    expect(state.task('t2')).toMatchObject({ state: 'SUCCESS', lost: false });
    // It comes back: online again, and a late event clears the lost mark.
    expect(state.apply(heartbeat('w1@h', 1010), 1010).workerCameOnline).toBe(true);
    state.apply(taskEvent('task-succeeded', 't1', 'w1@h', 1011, { result: '2', runtime: 9 }), 1011);
    expect(state.task('t1')).toMatchObject({ state: 'SUCCESS', lost: false });
    // Offline for longer than purgeOfflineAfter: forgotten.
    state.sweep(1020);
    expect(state.worker('w1@h') !== undefined).toBe(true);
    state.sweep(1100);
    expect(state.worker('w1@h') !== undefined).toBe(false);
  });

  it('judges liveness by our receive time, not the worker clock', () => {
    const state = new ClusterState({ maxTasks: 100, purgeOfflineAfter: 60 });
    // The worker's clock is an hour ahead (or its utcoffset is wrong): receive time decides.
    state.apply(heartbeat('skewed@h', 5000 + 3600), 5000);
    const worker = state.worker('skewed@h');
    expect(worker?.alive(5003)).toBe(true);
    expect(worker?.alive(5005)).toBe(false);
    expect(worker?.clockSkew).toBe(3600);
  });

  it('keeps at most maxWorkers, forgetting the longest offline first (Flower\'s --max_workers)', () => {
    const state = new ClusterState({ maxTasks: 100, purgeOfflineAfter: 3600, maxWorkers: 2 });
    state.apply(heartbeat('old@h', 1000), 1000);
    state.apply(heartbeat('live@h', 1010), 1010);
    state.apply(heartbeat('new@h', 1011), 1011);
    expect([...state.workerValues()].map((w) => w.hostname)).toEqual(['live@h', 'new@h']);
    // Both alive: the first seen goes.
    state.apply(heartbeat('newer@h', 1012), 1012);
    expect([...state.workerValues()].map((w) => w.hostname)).toEqual(['new@h', 'newer@h']);
  });

  it('does not take a producer (task-sent) for a worker', () => {
    const state = new ClusterState({ maxTasks: 100, purgeOfflineAfter: 60 });
    state.apply(taskEvent('task-sent', 't', 'gen123@h', 1, { name: 'x' }), 1);
    expect(state.workerCount).toBe(0);
    expect(state.task('t')).toMatchObject({ state: 'PENDING', sender: 'gen123@h' });
  });
});

describe('bounded memory', () => {
  const ev = (type: string, uuid: string, timestamp: number) => decodeEventBody({ type, uuid, hostname: 'w@h', timestamp }).events[0] as CeleryEvent;

  it('keeps the newest maxTasks, evicting finished tasks first', () => {
    const state = new ClusterState({ maxTasks: 3, purgeOfflineAfter: 60 });
    state.apply(ev('task-started', 'running-old', 1), 1);
    state.apply(ev('task-succeeded', 'done-1', 2), 2);
    state.apply(ev('task-succeeded', 'done-2', 3), 3);
    state.apply(ev('task-started', 'new-1', 4), 4);
    expect([...state.taskValues()].map((t) => t.uuid).sort()).toEqual(['done-2', 'new-1', 'running-old']);
    state.apply(ev('task-started', 'new-2', 5), 5);
    expect([...state.taskValues()].map((t) => t.uuid).sort()).toEqual(['new-1', 'new-2', 'running-old']);
    // No finished task left: the oldest goes.
    state.apply(ev('task-started', 'new-3', 6), 6);
    expect([...state.taskValues()].map((t) => t.uuid).sort()).toEqual(['new-1', 'new-2', 'new-3']);
    expect(state.evicted).toBe(3);
  });

  it('stays at maxTasks over a long run', () => {
    const state = new ClusterState({ maxTasks: 1000, purgeOfflineAfter: 60 });
    for (let i = 0; i < 50_000; i++) {
      state.apply(ev('task-received', `t${i}`, i), i);
      if (i % 3 !== 0) state.apply(ev('task-succeeded', `t${i}`, i + 0.5), i);
    }
    expect(state.taskCount).toBe(1000);
    expect(state.task('t49999') !== undefined).toBe(true);
  });
});
