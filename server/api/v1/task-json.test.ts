/**
 * The list's rows (REST and live pushes) and the task page say the same of a task: replayed from a real Python Celery 5.2 worker's
 * events (test/fixtures/celery-5.2), in the order they came and in every other order, a row never says
 * the opposite of the task.
 */
import { describe, expect, it } from 'vitest';
import { type CeleryEvent, decodeEventBody, type TaskEvent } from '@/lib/celery';
import { flatEvents } from '@/test/fixtures/celery-5.2/captures';
import { flowerTask } from '../flower-task-json';
import { pushedRow } from '../../push/pushed-records';
import { MemoryTaskStore } from '../../store/memory-task-store';
import { v1Task } from './task-json';
import { _allTasks } from './task-test-events';

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
    yield { v1: v1Task(task, state), live: pushedRow(task), flower: flowerTask(task, []) };
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
    // Live rows are Flower's JSON, which stays Flower's (no runtime on a failure): the row store applies
    // the same runtimeOf to them (task-row-store.test.ts).
    expect(live).toMatchObject({ runtime: null, started, failed, exception: "ValueError('boom')" });
    expect(flower['runtime']).toBeNull();
  });

  it('a succeeded task keeps the worker’s own runtime', () => {
    const { v1 } = row(eventsOf('tasks.flaky'));
    expect(v1.runtime_source).toBe('worker');
    expect(v1.runtime).toBeGreaterThan(0);
  });
});
