import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBackend, MemoryStore } from '@/lib/backend/memory-backend';
import { type CeleryEvent, decodeEventBody, newTaskMeta, type TaskEvent } from '@/lib/celery';
import { createLogger } from '@/lib/runtime/logger';
import { MemoryTaskStore } from '../store/memory-task-store';
import type { Settlement } from '../state/task-record';
import { GapSettlement } from './gap-settlement';

const event = (type: string, uuid: string, timestamp: number, extra: object = {}) =>
  decodeEventBody({ type, uuid, hostname: 'w@h', timestamp, pid: 1, ...extra }).events[0] as CeleryEvent;

const GAP = { from: 1_000_000, to: 1_020_000, reason: 'connect ECONNREFUSED' };

function setUp() {
  const state = new MemoryTaskStore({ maxTasks: 100, purgeOfflineAfter: 3600 });
  for (const id of ['done', 'failed', 'revoked', 'later', 'pending']) {
    state.apply(event('task-received', id, 999, { name: 'tasks.x' }), 999);
    if (id !== 'pending') state.apply(event('task-started', id, 999.5), 999.5);
  }
  const backend = new MemoryBackend(new MemoryStore());
  const applied: { event: TaskEvent; settlement: Settlement }[] = [];
  state.onSettled((_, event, settlement) => applied.push({ event, settlement }));
  const settlement = new GapSettlement(
    { store: state, backend, inspect: null, log: createLogger('silent') },
    { firstPassMs: 10, followUpEveryMs: 20, followUpForMs: 60_000 },
  );
  return { state, backend, applied, settlement };
}

let running: GapSettlement | null = null;
afterEach(() => running?.stop());

describe('settling tasks in flight after a gap', () => {
  it('takes the ready states the result backend holds, as the events they stand for, and says how', async () => {
    const { state, backend, applied, settlement } = setUp();
    running = settlement;
    await backend.store(newTaskMeta('done', 'SUCCESS', { result: { total: 3 }, dateDone: '2026-12-07T02:30:00.500000' }));
    await backend.store(newTaskMeta('failed', 'FAILURE', { exception: { type: 'ValueError', message: ['boom'], module: 'builtins' }, traceback: 'Traceback ...\nValueError: boom', dateDone: '2026-12-07T02:30:01' }));
    await backend.store(newTaskMeta('revoked', 'REVOKED', { exception: { type: 'TaskRevokedError', message: ['revoked'], module: 'celery.exceptions' }, dateDone: '2026-12-07T02:30:02' }));
    // A custom state is not an end: the task stays as the events left it.
    await backend.store(newTaskMeta('later', 'PROGRESS', { result: { done: 1 } }));
    settlement.afterGap(GAP);
    expect((await settlement.settle(true))).toMatchObject({ checked: 5, fromBackend: 3, error: null });
    expect(state.task('done')).toMatchObject({ state: 'SUCCESS', result: "{'total': 3}", succeeded: Date.parse('2026-12-07T02:30:00.500Z') / 1000 });
    expect(state.task('failed')).toMatchObject({ state: 'FAILURE', exception: "ValueError('boom')", traceback: 'Traceback ...\nValueError: boom' });
    expect(state.task('revoked')?.state).toBe('REVOKED');
    expect(state.task('later')?.state).toBe('STARTED');
    expect(state.task('done')?.settled).toMatchObject({ source: 'result backend', gap: { from: 1000, to: 1020, reason: 'connect ECONNREFUSED' } });
    expect(applied.map((a) => a.event.type)).toEqual(['task-succeeded', 'task-failed', 'task-revoked']);
  });

  it('keeps looking up the tasks still in flight, until they end (their worker may tell the broker later than Pollen can hear)', async () => {
    const { state, backend, settlement } = setUp();
    running = settlement;
    settlement.afterGap(GAP);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(state.task('later')?.state).toBe('STARTED');
    await backend.store(newTaskMeta('later', 'SUCCESS', { result: 1, dateDone: '2026-12-07T02:31:00' }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(state.task('later')).toMatchObject({ state: 'SUCCESS', settled: { source: 'result backend' } });
  });

  it('leaves alone a task whose own event arrived: the event is the truth, and it clears the settled mark', async () => {
    const { state, backend, settlement } = setUp();
    running = settlement;
    settlement.afterGap(GAP);
    state.apply(event('task-succeeded', 'done', 1001, { result: '7', runtime: 2 }), 1001);
    await backend.store(newTaskMeta('done', 'SUCCESS', { result: 7, dateDone: '2026-12-07T02:30:00' }));
    expect((await settlement.settle(false)).fromBackend).toBe(0);
    expect(state.task('done')).toMatchObject({ state: 'SUCCESS', result: '7', runtime: 2, settled: null });
    // Settled first, then the late event itself: no longer learnt without it.
    await backend.store(newTaskMeta('failed', 'FAILURE', { exception: { type: 'KeyError', message: ['k'], module: 'builtins' }, dateDone: '2026-12-07T02:30:00' }));
    await settlement.settle(false);
    expect(state.task('failed')?.settled).not.toBeNull();
    state.apply(event('task-failed', 'failed', Date.parse('2026-12-07T02:30:00Z') / 1000 + 0.1, { exception: "KeyError('k')", traceback: 'tb' }), 1002);
    expect(state.task('failed')).toMatchObject({ state: 'FAILURE', traceback: 'tb', settled: null });
  });

  it('on a read, takes a stored end at its word only once its events are overdue, or a gap explains their absence', () => {
    const { state, settlement } = setUp();
    running = settlement;
    const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('Z', '');
    const now = Date.now() / 1000;
    // Stored a second ago, no gap: a prefork worker's events come in batches after the result.
    expect(settlement.settleStored(newTaskMeta('done', 'SUCCESS', { result: 1, dateDone: iso(now - 1) }))).toBe(false);
    expect(state.task('done')?.state).toBe('STARTED');
    // Stored a minute ago and still no event: the model takes it, and keeps the worker it knew.
    expect(settlement.settleStored(newTaskMeta('done', 'SUCCESS', { result: 1, dateDone: iso(now - 60) }))).toBe(true);
    expect(state.task('done')).toMatchObject({ state: 'SUCCESS', worker: 'w@h', settled: { source: 'result backend', gap: null } });
    // After a gap that the task's events may have fallen into, at once.
    settlement.afterGap({ from: now * 1000 - 5_000, to: now * 1000, reason: 'stalled' });
    expect(settlement.settleStored(newTaskMeta('failed', 'FAILURE', { exception: { type: 'E', message: [], module: null }, dateDone: iso(now) }))).toBe(true);
    expect(state.task('failed')?.settled?.gap?.reason).toBe('stalled');
  });

  it('reports a dead backend instead of hanging or throwing', async () => {
    const state = new MemoryTaskStore({ maxTasks: 10, purgeOfflineAfter: 3600 });
    state.apply(event('task-received', 't', 1, { name: 'x' }), 1);
    const stuck = { get: () => new Promise<never>(() => undefined) } as unknown as MemoryBackend;
    const settlement = new GapSettlement({ store: state, backend: stuck, inspect: null, log: createLogger('silent') }, { firstPassMs: 60_000, batchDeadlineMs: 50 });
    running = settlement;
    settlement.afterGap(GAP);
    const report = await settlement.settle(false);
    expect(report.error).toMatch(/result backend: the result backend did not answer within 50 ms/);
    expect(state.task('t')?.state).toBe('RECEIVED');
  });
});
