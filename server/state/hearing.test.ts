/**
 * Liveness through a cut event stream (issue 15, "Pollen must not believe its own blindness"): while
 * Pollen cannot hear the broker, silence says nothing of the workers; expiry is judged again only from
 * the moment the stream is back; a task is lost only when its worker is seen to go.
 */
import { describe, expect, it } from 'vitest';
import { type CeleryEvent, decodeEventBody, type TaskEvent } from '@/lib/celery';
import { ClusterState } from './cluster-state';

const heartbeat = (hostname: string, timestamp: number, extra: object = {}) =>
  decodeEventBody({ type: 'worker-heartbeat', hostname, timestamp, freq: 2, pid: 100, active: 0, processed: 0, loadavg: [0, 0, 0], ...extra }).events[0] as CeleryEvent;
const workerEvent = (type: string, hostname: string, timestamp: number, pid: number) =>
  decodeEventBody({ type, hostname, timestamp, freq: 2, pid, active: 0, processed: 0, loadavg: [0, 0, 0] }).events[0] as CeleryEvent;
const taskEvent = (type: string, uuid: string, hostname: string, timestamp: number, extra: object = {}) =>
  decodeEventBody({ type, uuid, hostname, timestamp, pid: 100, ...extra }).events[0] as CeleryEvent;

/** w@h beats at 1000 and has t1 running. */
function running(): ClusterState {
  const state = new ClusterState({ maxTasks: 100, purgeOfflineAfter: 3600 });
  state.apply(heartbeat('w@h', 1000), 1000);
  state.apply(taskEvent('task-received', 't1', 'w@h', 1000, { name: 'a' }), 1000);
  state.apply(taskEvent('task-started', 't1', 'w@h', 1000), 1000);
  return state;
}

describe('a cut event stream', () => {
  it('leaves workers alive but unknown, and no task lost, however long it lasts', () => {
    const state = running();
    const worker = state.worker('w@h');
    state.streamInterrupted(1001);
    expect(state.sweep(1030)).toEqual([]);
    expect(worker?.alive(1030)).toBe(true);
    expect(worker?.status(1030)).toBe('unknown');
    expect(state.task('t1')?.lost).toBe(false);
    expect(state.onlineWorkers(1030)).toEqual(['w@h']);
  });

  it('judges expiry again from the moment the stream is back, with time for the worker to reconnect too', () => {
    const state = running();
    const worker = state.worker('w@h');
    state.streamInterrupted(1001);
    state.streamResumed(1020);
    // Unknown until it speaks: its window (2 × freq = 4 s) runs from 1020, plus the outage's 19 s.
    expect(worker?.status(1021)).toBe('unknown');
    expect(state.sweep(1040)).toEqual([]);
    state.apply(heartbeat('w@h', 1040), 1040);
    expect(worker?.status(1041)).toBe('online');
    // A worker that stays silent after the stream is back is heard to go.
    const silent = running();
    silent.streamInterrupted(1001);
    silent.streamResumed(1020);
    expect(silent.sweep(1042.9)).toEqual([]);
    expect(silent.sweep(1043.1).map((w) => w.hostname)).toEqual(['w@h']);
    expect(silent.worker('w@h')?.offlineSince).toBe(1043);
    expect(silent.task('t1')?.lost).toBe(true);
    // However long the outage, the grace to reconnect is at most 30 s.
    const long = running();
    long.streamInterrupted(1001);
    long.streamResumed(2000);
    expect(long.sweep(2033.9)).toEqual([]);
    expect(long.sweep(2034.1).map((w) => w.hostname)).toEqual(['w@h']);
  });

  it('keeps a worker offline that had expired before the stream was cut', () => {
    const state = running();
    state.streamInterrupted(1010);
    expect(state.worker('w@h')?.alive(1011)).toBe(false);
    expect(state.sweep(1011).map((w) => w.hostname)).toEqual(['w@h']);
    expect(state.task('t1')?.lost).toBe(true);
  });

  it('revives workers the sweep expired while Pollen was already behind (the gap starts earlier than its notice)', () => {
    const state = running();
    // Expired at 1004 by silence, but the stream is found to have been cut since 1002.
    expect(state.sweep(1005).map((w) => w.hostname)).toEqual(['w@h']);
    expect(state.task('t1')?.lost).toBe(true);
    expect(state.streamInterrupted(1002).map((w) => w.hostname)).toEqual(['w@h']);
    expect(state.worker('w@h')?.status(1006)).toBe('unknown');
    expect(state.task('t1')?.lost).toBe(false);
  });

  it('still takes a worker offline when it is heard to go (worker-offline), and its tasks lost', () => {
    const state = running();
    state.apply(workerEvent('worker-offline', 'w@h', 1001, 100), 1001);
    state.streamInterrupted(1002);
    expect(state.worker('w@h')?.status(1003)).toBe('offline');
    expect(state.streamInterrupted(1002)).toEqual([]);
    expect(state.task('t1')?.lost).toBe(true);
  });
});

describe('a cut right after another', () => {
  it('keeps the grace of a worker not heard since the first: it was not heard to go', () => {
    const state = running();
    state.streamInterrupted(1001);
    state.streamResumed(1006);
    // Cut again before the worker could reconnect (its grace runs to 1006 + 4 + 5).
    state.streamInterrupted(1008);
    expect(state.worker('w@h')?.status(1012)).toBe('unknown');
    expect(state.sweep(1012)).toEqual([]);
    state.streamResumed(1013);
    expect(state.sweep(1016)).toEqual([]);
    expect(state.worker('w@h')?.status(1016)).toBe('unknown');
  });
});

describe('silence Pollen has not confirmed it could hear', () => {
  it('is no sign of death: the worker is unknown until the transport confirms the stream past its expiry', () => {
    const state = running();
    // The transport's probe last came back at 1001 (a dead link is not noticed at once).
    state.hearing.heard(1001);
    expect(state.sweep(1010)).toEqual([]);
    expect(state.worker('w@h')?.status(1010)).toBe('unknown');
    expect(state.task('t1')?.lost).toBe(false);
    // Heard past its expiry (1004) without a word from it: it went.
    state.hearing.heard(1005);
    expect(state.sweep(1010).map((w) => w.hostname)).toEqual(['w@h']);
    expect(state.task('t1')?.lost).toBe(true);
  });
});

describe('a worker marked offline that speaks again', () => {
  it('with the same pid never died: the lost marks of its tasks go', () => {
    const state = running();
    // A broker reconnection makes a Celery worker send worker-offline, then worker-online, from one process.
    state.apply(workerEvent('worker-offline', 'w@h', 1001, 100), 1001);
    expect(state.task('t1')?.lost).toBe(true);
    state.apply(workerEvent('worker-online', 'w@h', 1005, 100), 1005);
    expect(state.task('t1')?.lost).toBe(false);
  });

  it('with a new pid is a new process: the tasks of the old one stay lost', () => {
    const state = running();
    state.sweep(1010);
    expect(state.task('t1')?.lost).toBe(true);
    state.apply(workerEvent('worker-online', 'w@h', 1015, 200), 1015);
    expect(state.worker('w@h')?.status(1015)).toBe('online');
    expect(state.task('t1')?.lost).toBe(true);
  });
});

describe('settling a task whose events were missed', () => {
  it('applies the state learnt, says how, and does not take it as a sign of the worker', () => {
    const state = running();
    state.sweep(1010);
    const succeeded = decodeEventBody({ type: 'task-succeeded', uuid: 't1', hostname: 'w@h', timestamp: 1008, result: '3', runtime: null }).events[0] as TaskEvent;
    const gap = { from: 1001, to: 1009, reason: 'connect ECONNREFUSED' };
    const change = state.settle(succeeded, { source: 'result backend', at: 1012, gap });
    expect(change).toMatchObject({ taskStateChanged: true, worker: null });
    expect(state.task('t1')).toMatchObject({ state: 'SUCCESS', result: '3', lost: false, settled: { source: 'result backend', gap } });
    expect(state.worker('w@h')?.alive(1012)).toBe(false);
  });
});
