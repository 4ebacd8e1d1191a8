/**
 * Flower's per-worker counters (issue 16, "What Flower users look for"): task-succeeded, task-failed and
 * task-retried events each worker sent, counted as they are heard, since Pollen started — not recounted
 * from the tasks in memory, which --max-tasks bounds.
 */
import { describe, expect, it } from 'vitest';
import { type CeleryEvent, decodeEventBody } from '@/lib/celery';
import { flatEvents } from '@/test/fixtures/celery-5.2/captures';
import { ClusterState } from './cluster-state';

const taskEvent = (type: string, uuid: string, hostname: string, timestamp: number, extra: object = {}) =>
  decodeEventBody({ type, uuid, hostname, timestamp, pid: 100, ...extra }).events[0] as CeleryEvent;

describe('worker task counters', () => {
  it('counts the succeeded, failed and retried events each worker sent', () => {
    const state = new ClusterState({ maxTasks: 100, purgeOfflineAfter: 3600 });
    state.apply(taskEvent('task-received', 'a', 'w1@h', 1, { name: 'x' }), 1);
    state.apply(taskEvent('task-started', 'a', 'w1@h', 1), 1);
    state.apply(taskEvent('task-succeeded', 'a', 'w1@h', 2, { result: '1', runtime: 1 }), 2);
    state.apply(taskEvent('task-received', 'b', 'w1@h', 2, { name: 'x' }), 2);
    state.apply(taskEvent('task-retried', 'b', 'w1@h', 3, { exception: 'E()' }), 3);
    state.apply(taskEvent('task-retried', 'b', 'w2@h', 4, { exception: 'E()' }), 4);
    state.apply(taskEvent('task-failed', 'b', 'w2@h', 5, { exception: 'E()' }), 5);
    state.apply(taskEvent('task-failed', 'c', 'w2@h', 5, { exception: 'E()' }), 5);
    // A producer's task-sent is no worker's.
    state.apply(taskEvent('task-sent', 'd', 'client@h', 6, { name: 'x' }), 6);
    expect(state.worker('w1@h')?.taskEvents).toEqual({ succeeded: 1, failed: 0, retried: 1 });
    expect(state.worker('w2@h')?.taskEvents).toEqual({ succeeded: 0, failed: 2, retried: 1 });
    expect(state.worker('client@h') !== undefined).toBe(false);
  });

  it('keeps counting past the tasks evicted from memory', () => {
    const state = new ClusterState({ maxTasks: 10, purgeOfflineAfter: 3600 });
    for (let i = 0; i < 500; i++) {
      state.apply(taskEvent('task-received', `t${i}`, 'w@h', i, { name: 'x' }), i);
      state.apply(taskEvent(i % 5 === 0 ? 'task-failed' : 'task-succeeded', `t${i}`, 'w@h', i + 0.5, { exception: 'E()', result: '1' }), i + 0.5);
    }
    expect(state.taskCount).toBe(10);
    expect(state.worker('w@h')?.taskEvents).toEqual({ succeeded: 400, failed: 100, retried: 0 });
  });

  it('counts a real Celery worker\'s events as its capture holds them', () => {
    const state = new ClusterState({ maxTasks: 1000, purgeOfflineAfter: 3600 });
    const sent = new Map<string, { succeeded: number; failed: number; retried: number }>();
    for (const f of flatEvents('redis')) {
      const event = decodeEventBody(f.event).events[0] as CeleryEvent;
      state.apply(event, f.t);
      const kind = { 'task-succeeded': 'succeeded', 'task-failed': 'failed', 'task-retried': 'retried' }[event.type] as 'succeeded' | 'failed' | 'retried' | undefined;
      if (kind === undefined) continue;
      const hostname = f.event['hostname'] as string;
      const counts = sent.get(hostname) ?? { succeeded: 0, failed: 0, retried: 0 };
      counts[kind]++;
      sent.set(hostname, counts);
    }
    expect(sent.get('prefork@proto')?.retried).toBeGreaterThan(0);
    expect(sent.get('prefork@proto')?.failed).toBeGreaterThan(0);
    for (const [hostname, counts] of sent) expect({ hostname, ...state.worker(hostname)?.taskEvents }).toEqual({ hostname, ...counts });
  });
});
