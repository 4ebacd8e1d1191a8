import { describe, expect, it } from 'vitest';
import { newTaskMeta, type TaskMeta } from '@/lib/celery';
import type { BackendView } from './retry-call';
import { planRetry, type RetryPlan, type RetryTask } from './retry-plan';
import type { WorkerQueue } from './retry-routing';

const failed: RetryTask = {
  state: 'FAILURE', lost: false, name: 'tasks.echo', args: "(1, 'two', [3.5, None])", kwargs: "{'k': True}", queue: null, worker: 'w1@host',
};
const oneQueue: WorkerQueue[] = [{ name: 'celery', routingKey: 'celery' }];
const extended = (fields: Partial<TaskMeta> = {}): BackendView => ({
  kind: 'meta',
  meta: newTaskMeta('t1', 'FAILURE', { extended: true, name: 'tasks.echo', args: [1, 'two', [3.5, null]], kwargs: { k: true }, queue: 'celery', worker: 'w1@host', ...fields }),
});
const plain: BackendView = { kind: 'meta', meta: newTaskMeta('t1', 'FAILURE') };

function plan(task: RetryTask | null, backend: BackendView, extra: { queues?: WorkerQueue[] | null; retriedAs?: string[]; queue?: string; force?: boolean } = {}): RetryPlan {
  return planRetry(
    { id: 't1', task, backend, workerQueues: extra.queues === undefined ? oneQueue : extra.queues, retriedAs: extra.retriedAs ?? [] },
    { queue: extra.queue, force: extra.force },
  );
}

function reason(result: RetryPlan): string {
  expect(result.ok).toBe(false);
  return result.ok ? '' : result.reason;
}

describe('where a retry takes its call from', () => {
  it('takes name, args and kwargs from result_extended meta first, even when the reprs would do', () => {
    const result = plan({ ...failed, args: "('from events',)" }, extended());
    expect(result).toMatchObject({ ok: true, name: 'tasks.echo', args: [1, 'two', [3.5, null]], kwargs: { k: true }, queue: 'celery', sources: { call: 'result-backend', routing: 'result-backend' } });
  });

  it('takes a redacted task\'s call from result_extended meta, which holds it whole', () => {
    expect(plan({ ...failed, kwargs: "{'password': '[redacted]'}" }, extended())).toMatchObject({ ok: true, kwargs: { k: true }, sources: { call: 'result-backend' } });
  });

  it('reads the event reprs when the backend has no extended meta, no meta, or none is configured', () => {
    for (const backend of [plain, { kind: 'missing' }, { kind: 'none' }, { kind: 'error', message: 'ECONNREFUSED' }] as BackendView[]) {
      expect(plan(failed, backend)).toMatchObject({ ok: true, args: [1, 'two', [3.5, null]], kwargs: { k: true }, sources: { call: 'event-reprs' } });
    }
  });

  it('turns tuples into lists and keeps unicode, as the JSON message the worker got had them', () => {
    const result = plan({ ...failed, args: "((1, 2), 'héllo ✓')", kwargs: "{'n': None, 'nested': {'a': (1,)}}" }, { kind: 'none' });
    expect(result).toMatchObject({ ok: true, args: [[1, 2], 'héllo ✓'], kwargs: { n: null, nested: { a: [1] } } });
  });

  it.each([
    ['a repr cut by saferepr', { args: "('xxxxxxxx...',)" }, "args repr was cut by Celery's saferepr, which keeps 1024 characters"],
    ['a cut list', { args: '([1, 2, 3, ...],)' }, "args repr was cut by Celery's saferepr"],
    ['a container deeper than saferepr shows', { args: '([1, [2, [...]]],)' }, 'and 3 levels of nesting'],
    ['an object repr', { args: '(<Foo object at 0x7f00>,)' }, 'args repr holds an object that is not a Python literal'],
    ['a call that is not a literal', { kwargs: "{'p': Point(x=1)}" }, 'kwargs repr holds an object that is not a Python literal'],
    ['a datetime', { args: '(datetime.datetime(2024, 1, 2, 3, 4, 5),)' }, 'args repr holds datetime, date, time, Decimal or UUID values'],
    ['a Decimal', { kwargs: "{'d': Decimal('1.5')}" }, 'kwargs repr holds datetime, date, time, Decimal or UUID values'],
    ['an int beyond 2^53', { args: '(12345678901234567890,)' }, 'args repr holds a value JSON cannot carry exactly'],
    ['args that are not a tuple', { args: "'just a string'" }, 'is not a tuple or list'],
    ['kwargs that are not a dict', { kwargs: '[1]' }, 'is not a dict'],
    ['arguments masked at ingest', { kwargs: "{'password': '[redacted]'}" }, 'they were redacted at ingest (--redact)'],
  ])('refuses %s, saying so, and why the backend could not help', (_, fields, expected) => {
    const text = reason(plan({ ...failed, ...fields }, plain));
    expect(text).toContain(expected);
    expect(text).toContain('without result_extended');
    expect(text).toMatch(/^Task 't1' cannot be retried: its arguments are not known faithfully/);
  });

  it('refuses when no event carried the arguments and names each missing source', () => {
    expect(reason(plan({ ...failed, args: null, kwargs: null }, { kind: 'none' }))).toBe(
      "Task 't1' cannot be retried: its arguments are not known: no task-sent or task-received event carried its args and kwargs, and no result backend is configured (--result-backend) to read them from",
    );
    expect(reason(plan(null, { kind: 'meta', meta: newTaskMeta('t1', 'FAILURE', { name: 'tasks.echo' }) }))).toContain('Pollen no longer holds its events');
  });

  it('retries a task Pollen no longer holds from result_extended meta alone', () => {
    expect(plan(null, extended())).toMatchObject({ ok: true, name: 'tasks.echo', queue: 'celery' });
  });
});

describe('which tasks are retried', () => {
  it.each(['SUCCESS', 'STARTED', 'PENDING', 'RETRY', 'RECEIVED', 'REJECTED', 'PROGRESS'])('refuses a %s task with 409, naming the state', (state) => {
    const result = plan({ ...failed, state }, extended());
    expect(result).toEqual({ ok: false, status: 409, reason: `Task 't1' cannot be retried: it is ${state}: only FAILURE and REVOKED tasks are retried` });
  });

  it('says when an in-flight task was lost with its worker', () => {
    expect(reason(plan({ ...failed, state: 'STARTED', lost: true }, plain))).toContain('it is STARTED (lost: its worker went offline)');
  });

  it('retries REVOKED tasks', () => {
    expect(plan({ ...failed, state: 'REVOKED' }, plain).ok).toBe(true);
  });

  it('answers 404 for a task neither the model nor the backend knows', () => {
    expect(plan(null, { kind: 'missing' })).toEqual({ ok: false, status: 404, reason: "Unknown task 't1'" });
  });

  it('retries a task once unless forced', () => {
    expect(reason(plan(failed, plain, { retriedAs: ['n1'] }))).toContain('it was already retried as n1; pass force=true');
    expect(plan(failed, plain, { retriedAs: ['n1'], force: true }).ok).toBe(true);
  });
});

describe('which queue a retry goes to', () => {
  const twoQueues: WorkerQueue[] = [{ name: 'a', routingKey: 'a.key' }, { name: 'b', routingKey: 'b' }];

  it.each<[string, { task?: Partial<RetryTask>; backend?: BackendView; queues?: WorkerQueue[] | null; queue?: string }, string, string]>([
    ['the request', { queue: 'chosen', task: { queue: 'sent-to' } }, 'chosen', 'request'],
    ['the task-sent event', { task: { queue: 'sent-to' }, queues: twoQueues }, 'sent-to', 'task-sent'],
    ["the meta's routing key, matched to the worker's queue by name", { backend: extended({ queue: 'b' }), queues: twoQueues }, 'b', 'result-backend'],
    ["the meta's routing key, matched to the worker's queue by routing key", { backend: extended({ queue: 'a.key' }), queues: twoQueues }, 'a', 'result-backend'],
    ["the meta's routing key as a queue name when the worker's queues are not known", { backend: extended({ queue: 'q1' }), queues: null }, 'q1', 'result-backend'],
    ['the only queue its worker consumes', { backend: plain }, 'celery', 'worker-queues'],
  ])('comes from %s', (_, inputs, queue, source) => {
    const result = plan({ ...failed, ...inputs.task }, inputs.backend ?? plain, { queues: inputs.queues, queue: inputs.queue });
    expect(result).toMatchObject({ ok: true, queue, sources: { routing: source } });
  });

  it('is refused when nothing names it, rather than sent where no worker may listen', () => {
    expect(reason(plan(failed, plain, { queues: twoQueues }))).toContain('its queue is not known: no task-sent event named it (task_send_sent_event), no result_extended meta holds it, and its worker w1@host consumes several queues (a, b); give to_queue to choose one');
    expect(reason(plan(failed, plain, { queues: null }))).toContain('its worker w1@host did not answer inspect active_queues');
    expect(reason(plan({ ...failed, worker: null }, plain, { queues: null }))).toContain('no worker is known to have received it');
    expect(reason(plan(failed, extended({ queue: 'elsewhere' }), { queues: twoQueues }))).toContain("routing key 'elsewhere', which names none of the queues its worker w1@host consumes (a, b)");
  });
});
