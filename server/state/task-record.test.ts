import { describe, expect, it } from 'vitest';
import { decodeEventBody, type TaskEvent } from '@/lib/celery';
import { TaskRecord } from './task-record';
import { flatEvents } from '@/test/fixtures/celery-5.2/captures';

const ev = (type: string, timestamp: number, fields: object = {}): TaskEvent =>
  decodeEventBody({ type, uuid: 'u', hostname: 'w1@h', timestamp, ...fields }).events[0] as TaskEvent;

function run(...events: TaskEvent[]): TaskRecord {
  const task = new TaskRecord('u');
  for (const e of events) task.apply(e);
  return task;
}

describe('task state machine', () => {
  it('a late task-started does not overwrite SUCCESS, but its time is kept', () => {
    const task = run(ev('task-received', 1, { name: 'a' }), ev('task-succeeded', 3, { result: '1', runtime: 1 }), ev('task-started', 2));
    expect(task).toMatchObject({ state: 'SUCCESS', timestamp: 3, started: 2, result: '1' });
  });

  it('a late task-received only fills in the description', () => {
    const task = run(ev('task-succeeded', 3, { result: '1', runtime: 1 }), ev('task-received', 1, { name: 'tasks.add', args: '(1, 2)', kwargs: '{}', retries: 0, root_id: 'r' }));
    expect(task).toMatchObject({ state: 'SUCCESS', name: 'tasks.add', args: '(1, 2)', rootId: 'r', received: 1 });
  });

  it('a duplicate event changes nothing', () => {
    const once = run(ev('task-received', 1, { name: 'a' }), ev('task-started', 2));
    const twice = run(ev('task-received', 1, { name: 'a' }), ev('task-started', 2), ev('task-received', 1, { name: 'a' }), ev('task-started', 2));
    expect(twice).toEqual(once);
  });

  it('a retry starts over, and a late retry does not undo the success after it', () => {
    const retried = ev('task-retried', 3, { exception: "RuntimeError('x')", traceback: 'tb' });
    const inOrder = run(ev('task-received', 1), ev('task-started', 2), retried, ev('task-received', 4, { retries: 1 }), ev('task-started', 5), ev('task-succeeded', 6, { result: '1' }));
    const late = run(ev('task-received', 1), ev('task-started', 2), ev('task-received', 4, { retries: 1 }), ev('task-started', 5), ev('task-succeeded', 6, { result: '1' }), retried);
    for (const task of [inOrder, late]) {
      expect(task).toMatchObject({ state: 'SUCCESS', retries: 1 });
      expect(task.retryHistory).toEqual([{ retries: 0, timestamp: 3, exception: "RuntimeError('x')", traceback: 'tb', worker: 'w1@h' }]);
    }
    expect(run(ev('task-received', 1), retried, ev('task-started', 2))).toMatchObject({ state: 'RETRY' });
  });

  it('a rejection is final unless it requeued the task', () => {
    expect(run(ev('task-started', 1), ev('task-rejected', 2, { requeue: false }))).toMatchObject({ state: 'REJECTED', requeue: false });
    expect(run(ev('task-started', 1), ev('task-rejected', 2, { requeue: true }), ev('task-received', 3))).toMatchObject({ state: 'RECEIVED' });
  });

  it('custom events set custom states and keep their fields', () => {
    const task = run(ev('task-started', 1), ev('task-progress', 2, { current: 3, total: 10 }));
    expect(task).toMatchObject({ state: 'PROGRESS', extra: { current: 3, total: 10 } });
    expect(run(ev('task-progress', 2), ev('task-succeeded', 3))).toMatchObject({ state: 'SUCCESS' });
  });

  it('revocation wins over in-flight states and records how', () => {
    const task = run(ev('task-received', 1), ev('task-started', 2), ev('task-revoked', 3, { terminated: true, signum: 15, expired: false }));
    expect(task).toMatchObject({ state: 'REVOKED', terminated: true, signum: 15, ready: true });
  });
});

describe('parent', () => {
  it('a retry, which real Celery sends with the task as its own parent, keeps the parent that sent the task', () => {
    const events = flatEvents('redis').map((f) => decodeEventBody(f.event).events[0] as TaskEvent);
    const retry = events.find((e) => e.type === 'task-received' && e.parentId === e.uuid);
    expect(retry, 'the capture holds a retry that names its task as its parent').toBeDefined();
    const record = new TaskRecord(retry!.uuid);
    for (const event of events.filter((e) => e.uuid === retry!.uuid)) record.apply(event);
    expect(record.parentId).not.toBe(record.uuid);
    const caller = new TaskRecord('child');
    caller.apply(decodeEventBody({ type: 'task-received', uuid: 'child', name: 'x', parent_id: 'caller', hostname: 'w@h', timestamp: 1 }).events[0] as TaskEvent);
    caller.apply(decodeEventBody({ type: 'task-received', uuid: 'child', name: 'x', parent_id: 'child', retries: 1, hostname: 'w@h', timestamp: 2 }).events[0] as TaskEvent);
    expect(caller.parentId).toBe('caller');
  });
});
