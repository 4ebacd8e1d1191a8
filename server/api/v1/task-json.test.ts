/**
 * The list's rows (REST and live pushes) and the task page say the same of a task: replayed from a real
 * Python Celery 5.2 worker's events (test/fixtures/celery-5.2), in the order they came and in every other
 * order, a row never says the opposite of the task. Every renderer reads one task view: v1's JSON, the
 * pushed rows and records, and Flower's JSON agree wherever they name the same thing.
 */
import { describe, expect, it } from 'vitest';
import { type CeleryEvent, decodeEventBody, type TaskEvent } from '@/lib/celery';
import { flatEvents } from '@/test/fixtures/celery-5.2/captures';
import { flowerTask } from '../flower-task-json';
import { linkedTaskView } from '../task-view';
import { pushedRow, pushedTask } from '../../push/pushed-records';
import { MemoryTaskStore } from '../../store/memory-task-store';
import { v1Task } from './task-json';
import { _allTasks, _emptyState, _taskEvent } from './task-test-events';

const captured = flatEvents('redis')
  .map((f) => decodeEventBody(f.event).events[0] as CeleryEvent)
  .filter((e): e is TaskEvent => e.type.startsWith('task-'));

/** The captured events of the one task named `name`. */
function eventsOf(name: string): TaskEvent[] {
  const uuid = captured.find((e) => 'name' in e && e.name === name)?.uuid;
  return captured.filter((e) => e.uuid === uuid);
}

/** The task's rows after each event of `events`, applied in that order to one model. */
function* rows(events: readonly CeleryEvent[]) {
  const state = new MemoryTaskStore({ maxTasks: 100, purgeOfflineAfter: 3600 });
  for (const event of events) {
    state.apply(event, event.timestamp);
    const task = [..._allTasks(state)][0];
    if (task === undefined) throw new Error('no task');
    yield { v1: v1Task(linkedTaskView(task, state)), live: pushedRow(task), flower: flowerTask(linkedTaskView(task, state)) };
  }
}

function row(events: readonly CeleryEvent[]) {
  let last;
  for (last of rows(events));
  if (last === undefined) throw new Error('no events');
  return last;
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe('a task Celery retried once, then succeeded (tasks.flaky)', () => {
  const events = eventsOf('tasks.flaky');

  it('is the capture expected: sent, received, started, the retry sent and received, retried, started, succeeded', () => {
    expect(events.map((e) => e.type)).toEqual(['task-sent', 'task-received', 'task-started', 'task-sent', 'task-received', 'task-retried', 'task-started', 'task-succeeded']);
  });

  it("its SUCCESS row shows no exception: the retry's is in its retry history", () => {
    const { v1, live, flower } = row(events);
    expect(v1).toMatchObject({ state: 'SUCCESS', exception: null, traceback: null, result: "'ok after 1 retries'" });
    expect(live).toMatchObject({ state: 'SUCCESS', exception: null });
    expect(flower).toMatchObject({ exception: null, traceback: null });
    expect(v1.retry_history).toHaveLength(1);
    expect(v1.retry_history[0]?.exception).toBe("RuntimeError('transient failure')");
    expect(v1.retry_history[0]?.traceback).toContain("RuntimeError('transient failure')");
  });

  it('while it waits to be retried, the row shows the failure it retries', () => {
    const { v1 } = row(events.slice(0, 6));
    expect(v1).toMatchObject({ state: 'RETRY', exception: "RuntimeError('transient failure')" });
  });

  it('never shows Started before Received, after any prefix of its events, in any order of delivery', () => {
    let checked = 0;
    // The producer's task-sent events set neither time: left out, the orders are 720, not 40 320.
    for (const order of permutations(events.filter((e) => e.type !== 'task-sent'))) {
      let final;
      for (final of rows(order)) {
        for (const r of [final.v1, final.live] as { started?: unknown; received?: unknown }[]) {
          if (typeof r.started === 'number' && typeof r.received === 'number') expect(r.started).toBeGreaterThanOrEqual(r.received);
        }
        checked++;
      }
      expect(final?.v1.state).toBe('SUCCESS');
      // The last attempt's times: received for the retry, then its start.
      expect(final?.v1.received).toBe(events[4]?.timestamp);
      expect(final?.v1.started).toBe(events[6]?.timestamp);
    }
    expect(checked).toBe(720 * 6);
  });

  it('the retry received before its task-retried (as Celery sends them): the earlier start is not shown against it', () => {
    const { v1 } = row(events.slice(0, 5));
    expect(v1.received).toBe(events[4]?.timestamp);
    expect(v1.started).toBeNull();
  });
});

describe('a task that failed (tasks.fail)', () => {
  const events = eventsOf('tasks.fail');

  it("shows a runtime, from task-started to task-failed, and says so: Celery's task-failed carries none", () => {
    expect(events.find((e) => e.type === 'task-failed')).not.toHaveProperty('runtime', expect.any(Number));
    const { v1, live, flower } = row(events);
    const started = events.find((e) => e.type === 'task-started')?.timestamp as number;
    const failed = events.find((e) => e.type === 'task-failed')?.timestamp as number;
    expect(v1).toMatchObject({ state: 'FAILURE', runtime: failed - started, runtime_source: 'started-failed', exception: "ValueError('boom')" });
    expect(v1.runtime).toBeGreaterThan(0);
    // Live rows are v1's; Flower's JSON stays Flower's: Celery's Task.runtime, none on a failure.
    expect(live).toMatchObject({ runtime: failed - started, runtime_source: 'started-failed', started, failed, exception: "ValueError('boom')" });
    expect(flower.runtime).toBeNull();
  });

  it('a succeeded task keeps the worker’s own runtime', () => {
    const { v1 } = row(eventsOf('tasks.flaky'));
    expect(v1.runtime_source).toBe('worker');
    expect(v1.runtime).toBeGreaterThan(0);
  });
});

/**
 * Tasks in every shape the renderers must agree on: each captured Celery 5.2 task, and a parent with a
 * child and a Pollen retry, a terminated revoke, and a task whose worker went offline mid-run.
 */
function everyKindOfTask() {
  const state = _emptyState();
  for (const event of captured) state.apply(event, event.timestamp);
  const t = 1_790_000_000;
  state.apply(_taskEvent('task-received', 'parent', t, { name: 'tasks.add', args: '(1,)', kwargs: '{}', root_id: 'parent', parent_id: null }), t);
  state.apply(_taskEvent('task-started', 'parent', t + 1), t + 1);
  state.apply(_taskEvent('task-failed', 'parent', t + 2, { exception: "ValueError('x')", traceback: 'Traceback ...' }), t + 2);
  state.apply(_taskEvent('task-received', 'child', t + 1, { name: 'tasks.mul', root_id: 'parent', parent_id: 'parent' }), t + 1);
  state.apply(_taskEvent('task-sent', 'again', t + 3, { name: 'tasks.add', queue: 'default', exchange: '', routing_key: 'default', pollen_retry_of: 'parent' }, 'pollen@host'), t + 3);
  state.apply(_taskEvent('task-received', 'killed', t + 4, { name: 'tasks.sleep' }), t + 4);
  state.apply(_taskEvent('task-revoked', 'killed', t + 5, { terminated: true, signum: 9, expired: false }), t + 5);
  state.apply(_taskEvent('task-received', 'orphan', t + 6, { name: 'tasks.sleep' }, 'w9@host'), t + 6);
  state.apply(_taskEvent('worker-offline', '', t + 7, {}, 'w9@host'), t + 7);
  return { state, tasks: _allTasks(state) };
}

describe('one task view, every renderer', () => {
  const { state, tasks } = everyKindOfTask();

  it('covers the shapes it claims to', () => {
    const v1 = new Map(tasks.map((task) => [task.uuid, v1Task(linkedTaskView(task, state))]));
    expect(v1.get('parent')).toMatchObject({ children: ['child'], retried_as: ['again'], runtime_source: 'started-failed' });
    expect(v1.get('again')?.retry_of).toBe('parent');
    expect(v1.get('killed')?.revoke).toEqual({ terminated: true, signum: 9, expired: false });
    expect(v1.get('orphan')?.lost).toBe(true);
    expect(tasks.some((task) => (task.retryHistory?.length ?? 0) > 0)).toBe(true);
  });

  it('pushes a task as GET /api/v1/tasks/:id shows it, and a list row as GET /api/v1/tasks does but for its link lists', () => {
    for (const task of tasks) {
      const v1 = v1Task(linkedTaskView(task, state));
      expect(pushedTask(task, state)).toEqual(v1);
      const { children: _children, retried_as: _retriedAs, ...row } = v1;
      expect(pushedRow(task)).toEqual(row);
    }
  });

  it("Flower's JSON and v1's say the same of every field they share, and differ only where Flower's meaning is its own", () => {
    for (const task of tasks) {
      const view = linkedTaskView(task, state);
      const v1 = v1Task(view);
      const flower = flowerTask(view);
      const v1Fields = new Map(Object.entries(v1));
      const shared = Object.entries(flower).filter(([key]) => v1Fields.has(key));
      expect(shared.length).toBeGreaterThan(30);
      const differing = shared.filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(v1Fields.get(key))).map(([key]) => key);
      // Flower's runtime is Celery's Task.runtime (the worker's measure, none on a failure); its
      // retry_history is null when Celery retried no attempt.
      for (const key of differing) expect(['runtime', 'retry_history'], `${task.uuid}: ${key}`).toContain(key);
      expect(flower.runtime).toBe(v1.runtime_source === 'worker' ? v1.runtime : null);
      expect(flower.retry_history ?? []).toEqual(v1.retry_history);
      expect(flower.revoke_info).toEqual(v1.revoke);
      expect(flower.clock).toBe(task.clock);
    }
  });
});
