import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CeleryEvent, decodeEventBody } from '@/lib/celery';
import type { TaskDetail, TaskPage } from '@/lib/api/tasks';
import type { Invalidation, PushBatch, PushUpdate, SubscribeAck } from '@/lib/push/contract';
import { getTaskDetail } from '../api/v1/task-detail';
import { listTasks } from '../api/v1/task-query';
import { Metrics } from '../metrics';
import { MemoryTaskStore } from '../store/memory-task-store';
import { WORKERS_CHANGED_CAP } from './feeds';
import { LivePush, type PushOutlet } from './live-push';

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);

function event(raw: Record<string, unknown>): CeleryEvent {
  const { events, errors } = decodeEventBody({ utcoffset: 0, pid: 1, clock: 1, hostname: 'celery@w1', timestamp: Date.now() / 1000, ...raw });
  if (errors.length > 0 || events[0] === undefined) throw new Error(`bad test event: ${JSON.stringify(errors)}`);
  return events[0];
}

interface Sent {
  readonly at: number;
  readonly sockets: readonly string[];
  readonly batch: PushBatch;
}

/** A LivePush on a real model, with an outlet that records what it would send. */
function harness() {
  const state = new MemoryTaskStore({ maxTasks: 10_000, purgeOfflineAfter: 3600 });
  const metrics = new Metrics();
  const sent: Sent[] = [];
  const invalidated: { socket: string; invalidation: Invalidation }[] = [];
  const busy = new Set<string>();
  const outlet: PushOutlet = {
    send: (sockets, batch) => sent.push({ at: Date.now(), sockets: [...sockets], batch }),
    invalidate: (socket, invalidation) => invalidated.push({ socket, invalidation }),
    canTake: (socket) => !busy.has(socket),
  };
  const push = new LivePush({ state, metrics }, outlet);
  const apply = (raw: Record<string, unknown>): void => {
    const e = event(raw);
    const change = state.apply(e, Date.now() / 1000);
    metrics.onEvent(e, Date.now(), change.task);
    push.onChange(change);
  };
  const subscribe = (socket: string, request: unknown): string => {
    const ack = push.subscribe(socket, request);
    if (!ack.ok) throw new Error(ack.error.message);
    return ack.subscriptionId;
  };
  /** Updates a socket received, in order. */
  const updatesOf = (socket: string): PushUpdate[] => sent.filter((s) => s.sockets.includes(socket)).flatMap((s) => s.batch.updates);
  return { state, push, sent, invalidated, busy, apply, subscribe, updatesOf };
}

const taskStates = (updates: readonly PushUpdate[]): (string | null)[] =>
  updates.flatMap((u) => (u.topic === 'task' ? [u.task?.state ?? null] : []));

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the coalescing flush', () => {
  it('sends the first change at once, then at most one batch per 250 ms window, whatever the event rate', async () => {
    const h = harness();
    const list = h.subscribe('a', { topic: 'tasks', limit: 10 });
    const overview = h.subscribe('a', { topic: 'overview' });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.sent).toHaveLength(1);
    // 2 s of events, one every 5 ms.
    for (let i = 0; i < 400; i++) {
      h.apply({ type: 'task-received', uuid: `t${i}`, name: 'tasks.add' });
      await vi.advanceTimersByTimeAsync(5);
    }
    await vi.advanceTimersByTimeAsync(1000);
    const times = h.sent.map((s) => s.at);
    for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(250);
    expect(h.sent.length).toBeGreaterThanOrEqual(8);
    expect(h.sent.length).toBeLessThanOrEqual(1 + Math.ceil(2000 / 250) + 1);
    // The overview (a walk over every task) goes at most once a second, and ends up current.
    const overviews = h.sent.filter((s) => s.batch.updates.some((u) => u.subscriptionId === overview)).map((s) => s.at);
    for (let i = 1; i < overviews.length; i++) expect((overviews[i] as number) - (overviews[i - 1] as number)).toBeGreaterThanOrEqual(1000);
    const last = h.updatesOf('a').filter((u) => u.subscriptionId === overview).at(-1);
    expect(last?.topic === 'overview' && last.overview.tasks.byState).toEqual({ RECEIVED: 400 });
    expect(h.updatesOf('a').filter((u) => u.subscriptionId === list).length).toBeGreaterThanOrEqual(8);
  });

  it('uses one timer for the whole server, and none while nobody subscribes', async () => {
    const h = harness();
    for (let i = 0; i < 100; i++) h.apply({ type: 'task-received', uuid: `t${i}` });
    expect(vi.getTimerCount()).toBe(0);
    h.subscribe('a', { topic: 'task', uuid: 't1' });
    h.subscribe('b', { topic: 'tasks', limit: 10 });
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 100; i++) h.apply({ type: 'task-started', uuid: `t${i}` });
    // The flush clock and the housekeeping tick.
    expect(vi.getTimerCount()).toBe(2);
  });

  it('sends a task its state changes, newest state last, and children as REST shows them', async () => {
    const h = harness();
    const id = h.subscribe('a', { topic: 'task', uuid: 'parent' });
    await vi.advanceTimersByTimeAsync(0);
    h.apply({ type: 'task-received', uuid: 'parent', name: 'tasks.add', args: '(1, 2)' });
    await vi.advanceTimersByTimeAsync(250);
    h.apply({ type: 'task-started', uuid: 'parent' });
    await vi.advanceTimersByTimeAsync(250);
    h.apply({ type: 'task-received', uuid: 'child', parent_id: 'parent', root_id: 'parent' });
    h.apply({ type: 'task-succeeded', uuid: 'parent', result: '3', runtime: 0.1 });
    await vi.advanceTimersByTimeAsync(250);
    const updates = h.updatesOf('a');
    expect(updates.every((u) => u.subscriptionId === id)).toBe(true);
    expect(updates.map((u) => u.seq)).toEqual([1, 2, 3, 4]);
    expect(taskStates(updates)).toEqual([null, 'RECEIVED', 'STARTED', 'SUCCESS']);
    const last = updates.at(-1);
    expect(last?.topic === 'task' && last.task).toMatchObject({ uuid: 'parent', result: '3', children: ['child'], args: '(1, 2)' });
  });

  it('sends equal subscriptions one shared id and one batch for all their sockets', async () => {
    const h = harness();
    const ids = ['a', 'b', 'c'].map((s) => h.subscribe(s, { topic: 'tasks', state: 'All', limit: 5 }));
    expect(new Set(ids).size).toBe(1);
    await vi.advanceTimersByTimeAsync(0);
    h.apply({ type: 'task-received', uuid: 't1' });
    await vi.advanceTimersByTimeAsync(250);
    expect(h.sent.at(-1)?.sockets).toEqual(['a', 'b', 'c']);
  });

  it('stops sending once a subscription is cancelled, and says so for an unknown id', async () => {
    const h = harness();
    const task = h.subscribe('a', { topic: 'task', uuid: 't1' });
    const overview = h.subscribe('a', { topic: 'overview' });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.push.cancel('a', { subscriptionId: task })).toEqual({ ok: true });
    const before = h.updatesOf('a').length;
    h.apply({ type: 'task-received', uuid: 't1' });
    await vi.advanceTimersByTimeAsync(1250);
    const after = h.updatesOf('a').slice(before);
    expect(after.map((u) => u.subscriptionId)).toEqual([overview]);
    expect(h.push.cancel('a', { subscriptionId: task })).toMatchObject({ ok: false, error: { code: 'unknown', field: 'subscriptionId' } });
    expect(h.push.cancel('a', { subscriptionId: 7 })).toMatchObject({ ok: false, error: { code: 'invalid', field: 'subscriptionId' } });
  });

  it('answers a bad subscription with an error naming the field, and keeps the socket usable', () => {
    const h = harness();
    const bad: [unknown, string | null][] = [
      [{ topic: 'tasks', limit: 0 }, 'limit'],
      [{ topic: 'tasks', search: 'state:' }, 'search'],
      [{ topic: 'nope' }, 'topic'],
      [{ topic: 'task' }, 'uuid'],
      ['overview', null],
    ];
    for (const [request, field] of bad) {
      const ack: SubscribeAck = h.push.subscribe('a', request);
      expect(ack).toMatchObject({ ok: false, error: { code: 'invalid', field } });
    }
    expect(h.push.subscribe('a', { topic: 'overview' }).ok).toBe(true);
  });
});

describe('task lists', () => {
  it('upserts only the newest `limit` tasks of a burst, newest first', async () => {
    const h = harness();
    h.subscribe('a', { topic: 'tasks', name: 'tasks.add', limit: 3 });
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 50; i++) {
      vi.setSystemTime(T0 + 1000 + i);
      h.apply({ type: 'task-received', uuid: `t${i}`, name: i % 2 === 0 ? 'tasks.add' : 'tasks.other' });
    }
    await vi.advanceTimersByTimeAsync(250);
    const last = h.updatesOf('a').at(-1);
    expect(last?.topic === 'tasks' && last.upserted.map((t) => t.uuid)).toEqual(['t48', 't46', 't44']);
  });

  it('removes a task that leaves the filter, including one the client only fetched over REST', async () => {
    const h = harness();
    h.apply({ type: 'task-received', uuid: 'old' });
    h.apply({ type: 'task-started', uuid: 'old' });
    h.subscribe('a', { topic: 'tasks', state: 'STARTED', limit: 10 });
    await vi.advanceTimersByTimeAsync(0);
    const first = h.updatesOf('a')[0];
    expect(first?.topic === 'tasks' && { reset: first.reset, rows: first.upserted.map((t) => t.uuid) }).toEqual({ reset: true, rows: ['old'] });
    h.apply({ type: 'task-received', uuid: 'new' });
    h.apply({ type: 'task-started', uuid: 'new' });
    h.apply({ type: 'task-succeeded', uuid: 'old' });
    h.apply({ type: 'task-received', uuid: 'unrelated' });
    await vi.advanceTimersByTimeAsync(250);
    const last = h.updatesOf('a').at(-1);
    expect(last?.topic === 'tasks' && { upserted: last.upserted.map((t) => t.uuid), removed: last.removed }).toEqual({ upserted: ['new'], removed: ['old'] });
  });

  it('past its cap of removals, tells its subscribers to re-fetch instead of keeping more', async () => {
    const h = harness();
    const id = h.subscribe('a', { topic: 'tasks', state: 'STARTED', limit: 10 });
    await vi.advanceTimersByTimeAsync(0);
    // Removals are bounded by the tasks remembered as members (256 here); cycle until past 2 × 256.
    for (let i = 0; i < 600; i++) {
      h.apply({ type: 'task-started', uuid: `t${i}` });
      h.apply({ type: 'task-succeeded', uuid: `t${i}` });
    }
    await vi.advanceTimersByTimeAsync(250);
    expect(h.invalidated).toEqual([{ socket: 'a', invalidation: { subscriptionIds: [id], reason: 'overflow' } }]);
    h.apply({ type: 'task-started', uuid: 'after' });
    await vi.advanceTimersByTimeAsync(250);
    const last = h.updatesOf('a').at(-1);
    expect(last?.topic === 'tasks' && last.upserted.map((t) => t.uuid)).toEqual(['after']);
  });
});

describe('pushed tasks are the REST API’s', () => {
  it("a `task` update is GET /api/v1/tasks/:id's task, and a `tasks` row is its GET /api/v1/tasks row without the link lists", async () => {
    const h = harness();
    h.subscribe('a', { topic: 'task', uuid: 'parent' });
    h.subscribe('a', { topic: 'tasks', limit: 10 });
    await vi.advanceTimersByTimeAsync(0);
    h.apply({ type: 'task-sent', uuid: 'parent', name: 'tasks.add', args: '(1, 2)', kwargs: '{}', queue: 'default', exchange: '', routing_key: 'default', retries: 0, eta: null, expires: null, root_id: 'parent', parent_id: null });
    h.apply({ type: 'task-received', uuid: 'parent', name: 'tasks.add', args: '(1, 2)', kwargs: '{}', retries: 0, root_id: 'parent', parent_id: null });
    h.apply({ type: 'task-started', uuid: 'parent' });
    h.apply({ type: 'task-received', uuid: 'child', name: 'tasks.mul', parent_id: 'parent', root_id: 'parent' });
    h.apply({ type: 'task-failed', uuid: 'parent', exception: "ValueError('boom')", traceback: 'Traceback ...' });
    await vi.advanceTimersByTimeAsync(250);

    const detail = (await getTaskDetail(h.state, null, 'parent')).body as TaskDetail;
    const page = (await listTasks(h.state, new URLSearchParams())).body as TaskPage;
    const pushedTask = h.updatesOf('a').flatMap((u) => (u.topic === 'task' && u.task !== null ? [u.task] : [])).at(-1);
    const pushedRows = new Map(h.updatesOf('a').flatMap((u) => (u.topic === 'tasks' ? u.upserted : [])).map((row) => [row.uuid, row]));
    expect(pushedTask).toEqual(detail.task);
    expect(pushedTask).toMatchObject({ state: 'FAILURE', children: ['child'], runtime_source: 'started-failed' });
    for (const { children: _children, retried_as: _retriedAs, ...rest } of page.tasks) expect(pushedRows.get(rest.uuid)).toEqual(rest);
    expect(pushedRows.size).toBe(2);
  });
});

describe('workers', () => {
  it('pushes a worker going offline by expiry, without any event', async () => {
    const h = harness();
    h.apply({ type: 'worker-heartbeat', hostname: 'celery@w1', freq: 2, active: 1, processed: 5 });
    const id = h.subscribe('a', { topic: 'worker', hostname: 'celery@w1' });
    h.subscribe('a', { topic: 'workers' });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.updatesOf('a').map((u) => (u.topic === 'worker' ? u.worker?.alive : u.topic === 'workers' ? u.upserted.map((w) => w.alive) : null))).toEqual([true, [true]]);
    // Celery's rule: offline 2 × freq after the last heartbeat.
    await vi.advanceTimersByTimeAsync(5000);
    const updates = h.updatesOf('a').slice(2);
    expect(updates.find((u) => u.subscriptionId === id)).toMatchObject({ worker: { hostname: 'celery@w1', alive: false, processed: 5 } });
    expect(updates.find((u) => u.topic === 'workers')).toMatchObject({ reset: false, upserted: [{ hostname: 'celery@w1', alive: false }] });
  });

  it('past the cap of changed workers, tells the subscribers to re-fetch', async () => {
    const h = harness();
    const id = h.subscribe('a', { topic: 'workers' });
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i <= WORKERS_CHANGED_CAP; i++) h.apply({ type: 'worker-heartbeat', hostname: `celery@w${i}` });
    await vi.advanceTimersByTimeAsync(250);
    expect(h.invalidated).toEqual([{ socket: 'a', invalidation: { subscriptionIds: [id], reason: 'overflow' } }]);
  });
});

describe('a socket that cannot keep up', () => {
  it('is skipped while its transport is busy, then told to re-fetch before its next batch', async () => {
    const h = harness();
    const id = h.subscribe('slow', { topic: 'overview' });
    h.subscribe('fast', { topic: 'overview' });
    await vi.advanceTimersByTimeAsync(0);
    h.busy.add('slow');
    for (let round = 0; round < 8; round++) {
      h.apply({ type: 'task-received', uuid: `t${round}` });
      await vi.advanceTimersByTimeAsync(1000);
    }
    const sentToSlow = h.sent.filter((s) => s.sockets.includes('slow')).length;
    const sentToFast = h.sent.filter((s) => s.sockets.includes('fast')).length;
    expect([sentToSlow, sentToFast]).toEqual([1, 9]);
    expect(h.push.counters.skipped).toBe(8);
    expect(h.invalidated).toEqual([]);
    h.busy.delete('slow');
    // No event needed: the housekeeping tick (once a second) checks stalled sockets.
    await vi.advanceTimersByTimeAsync(1250);
    expect(h.invalidated).toEqual([{ socket: 'slow', invalidation: { subscriptionIds: [id], reason: 'stalled' } }]);
    h.apply({ type: 'task-received', uuid: 'later' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sent.at(-1)?.sockets).toContain('slow');
  });

  it('holds nothing for a socket that disconnects', async () => {
    const h = harness();
    h.subscribe('a', { topic: 'tasks', limit: 5 });
    h.subscribe('a', { topic: 'overview' });
    h.push.disconnect('a');
    expect(h.push.size).toEqual({ feeds: 0, sockets: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });
});
