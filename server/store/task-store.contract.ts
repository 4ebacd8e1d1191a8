/**
 * The contract of the task store port (task-store.ts), run over every store: the in-memory one
 * (memory-task-store.test.ts) and, with the next issue, SQLite and PostgreSQL. A store's test file calls
 * `describeTaskStore(name, makeStore)`; nothing here knows which store it runs over.
 *
 * Every read is awaited, so the suite holds unchanged when a store's reads return Promises.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CeleryEvent, decodeEventBody, type JsonObject, type TaskEvent } from '@/lib/celery';
import { taskFilter } from '@/lib/query/task-filter';
import type { TaskQuery } from '@/lib/query/task-query';
import { CASES, type CaseFilter, TASKS } from '@/test/fixtures/task-filter-cases';
import type { Change, TaskStore } from './task-store';

export interface StoreOptions {
  readonly maxTasks: number;
  readonly purgeOfflineAfter: number;
  readonly maxWorkers?: number;
}

export type MakeStore = (options: StoreOptions) => TaskStore | Promise<TaskStore>;

const T = 1_795_268_172;
const RETRY_OF = 'pollen_retry_of';

function decoded(body: JsonObject): CeleryEvent {
  const { events, errors } = decodeEventBody({ utcoffset: 0, pid: 1, clock: 1, ...body });
  if (events.length !== 1) throw new Error(`bad test event: ${JSON.stringify(errors)}`);
  return events[0] as CeleryEvent;
}

function task(type: string, uuid: string, t: number, fields: JsonObject = {}, hostname = 'celery@w1'): CeleryEvent {
  return decoded({ type, uuid, hostname, timestamp: t, ...fields });
}

function heartbeat(hostname: string, t: number): CeleryEvent {
  return decoded({ type: 'worker-heartbeat', hostname, timestamp: t, freq: 2, active: 0, processed: 0, loadavg: [0, 0, 0], sw_ident: 'py-celery', sw_ver: '5.2.6', sw_sys: 'Linux' });
}

const sent = (uuid: string, t: number, fields: JsonObject = {}): CeleryEvent =>
  task('task-sent', uuid, t, { name: 'tasks.add', args: '(1, 2)', kwargs: '{}', retries: 0, root_id: uuid, parent_id: null, queue: 'celery', ...fields }, 'gen@client');

/** A task received by `worker` at `t`, started, and finished in `end` (a task event type). */
function run(store: TaskStore, uuid: string, t: number, opts: { name?: string; worker?: string; queue?: string; end?: string | null } = {}): void {
  const worker = opts.worker ?? 'celery@w1';
  store.apply(sent(uuid, t, { name: opts.name ?? 'tasks.add', queue: opts.queue ?? 'celery' }), t);
  store.apply(task('task-received', uuid, t + 0.1, { name: opts.name ?? 'tasks.add', args: '(1, 2)', kwargs: '{}', retries: 0 }, worker), t + 0.1);
  store.apply(task('task-started', uuid, t + 0.2, {}, worker), t + 0.2);
  const end = opts.end === undefined ? 'task-succeeded' : opts.end;
  if (end === 'task-succeeded') store.apply(task(end, uuid, t + 1, { result: '3', runtime: 0.8 }, worker), t + 1);
  else if (end === 'task-failed') store.apply(task(end, uuid, t + 1, { exception: "ValueError('x')", traceback: 'Traceback' }, worker), t + 1);
}

const all = taskFilter({});

function query(overrides: Partial<TaskQuery> = {}): TaskQuery {
  return { filter: all, sort: { key: 'arrival', order: 'asc' }, page: { kind: 'offset', offset: 0, limit: null }, ...overrides };
}

/**
 * Which reads the suite makes: the live window's (page, task, taskWithLinks), or those across history
 * (findPage, findTask, findTaskWithLinks), which must give the same answers.
 */
export type ReadsUnderTest = 'window' | 'history';

let reads: ReadsUnderTest = 'window';

const pageOf = (store: TaskStore, q: TaskQuery) => (reads === 'history' ? store.findPage(q) : Promise.resolve(store.page(q)));
const taskOf = (store: TaskStore, id: string) => (reads === 'history' ? store.findTask(id) : Promise.resolve(store.task(id)));
const linksOf = (store: TaskStore, id: string) => (reads === 'history' ? store.findTaskWithLinks(id) : Promise.resolve(store.taskWithLinks(id)));

async function ids(store: TaskStore, q: TaskQuery): Promise<string[]> {
  const page = await pageOf(store, q);
  if (!page.ok) throw new Error(`page refused: ${page.reason}`);
  return page.tasks.map((t) => t.uuid);
}

function caseFilter(f: CaseFilter) {
  return taskFilter({
    states: f.states?.map((s) => s.toUpperCase()) ?? null,
    names: f.name === undefined ? null : [f.name],
    workers: f.worker === undefined ? null : [f.worker],
    queues: f.queue === undefined ? null : [f.queue],
    received: f.receivedAfter === undefined && f.receivedBefore === undefined ? null : { from: f.receivedAfter ?? null, to: f.receivedBefore ?? null, toIncluded: false },
  });
}

export function describeTaskStore(name: string, makeStore: MakeStore, readsUnderTest: ReadsUnderTest = 'window'): void {
  const stores: TaskStore[] = [];
  const fresh = async (options: Partial<StoreOptions> = {}): Promise<TaskStore> => {
    const store = await makeStore({ maxTasks: 1000, purgeOfflineAfter: 3600, ...options });
    stores.push(store);
    return store;
  };

  describe(`the task store contract: ${name}${readsUnderTest === 'history' ? ', reads across history' : ''}`, () => {
    beforeEach(() => {
      reads = readsUnderTest;
    });
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((store) => store.close()));
    });

    describe('writes: events in, a change out, told to every listener', () => {
      it('tells change listeners of every event applied, with what it changed, and stops when unsubscribed', async () => {
        const store = await fresh();
        const seen: string[] = [];
        const workers: (string | undefined)[] = [];
        const stop = store.onChange((change: Change, event) => {
          seen.push(`${event.type} ${change.task?.state}`);
          workers.push(change.worker?.hostname);
        });
        const first = store.apply(sent('a', T), T);
        expect(first.task?.uuid).toBe('a');
        expect(store.apply(task('task-received', 'a', T + 1, { name: 'tasks.add' }), T + 1).taskStateChanged).toBe(true);
        expect(seen).toEqual(['task-sent PENDING', 'task-received RECEIVED']);
        // task-sent comes from the producer: no worker.
        expect(workers).toEqual([undefined, 'celery@w1']);
        stop();
        store.apply(task('task-started', 'a', T + 2), T + 2);
        expect(seen).toHaveLength(2);
        expect((await taskOf(store, 'a'))?.state).toBe('STARTED');
      });

      it("sees the server's own events (a retry's task-sent) as any other write", async () => {
        const store = await fresh();
        const seen: string[] = [];
        store.onChange((change, event) => seen.push(`${event.type} ${change.task?.uuid}`));
        store.apply(sent('retry-1', T, { [RETRY_OF]: 'orig' }), T);
        expect(seen).toEqual(['task-sent retry-1']);
      });

      it('keeps telling the other listeners when one throws', async () => {
        const store = await fresh();
        const seen: string[] = [];
        store.onChange(() => {
          throw new Error('listener broke');
        });
        store.onChange((_, event) => seen.push(event.type));
        expect(() => store.apply(sent('a', T), T)).not.toThrow();
        expect(seen).toEqual(['task-sent']);
        expect(await taskOf(store, 'a')).toBeDefined();
      });

      it('settles a task learnt without its event, told to settled listeners only', async () => {
        const store = await fresh();
        run(store, 'a', T, { end: null });
        const changes: string[] = [];
        const settled: string[] = [];
        store.onChange((_, event) => changes.push(event.type));
        store.onSettled((change, event, settlement) => settled.push(`${event.type} ${change.task?.state} ${settlement.source}`));
        const event = task('task-succeeded', 'a', T + 5, { result: '3', runtime: 1 }) as TaskEvent;
        const change = store.settle(event, { source: 'result backend', at: T + 6, gap: null });
        expect(change.task?.state).toBe('SUCCESS');
        expect(settled).toEqual(['task-succeeded SUCCESS result backend']);
        expect(changes).toEqual([]);
        expect((await taskOf(store, 'a'))?.settled?.source).toBe('result backend');
      });
    });

    describe('reads', () => {
      it('gives a task with its links: parent, root, children, retried-as and retry-of', async () => {
        const store = await fresh();
        store.apply(sent('p', T), T);
        store.apply(sent('c1', T + 1, { parent_id: 'p', root_id: 'p' }), T + 1);
        store.apply(sent('c2', T + 2, { parent_id: 'p', root_id: 'p' }), T + 2);
        store.apply(sent('r', T + 3, { [RETRY_OF]: 'p' }), T + 3);
        const p = await linksOf(store, 'p');
        expect(p?.task.uuid).toBe('p');
        expect(p?.parent).toBeNull();
        expect(p?.children).toEqual(['c1', 'c2']);
        expect(p?.retriedAs).toEqual(['r']);
        const c1 = await linksOf(store, 'c1');
        expect([c1?.parent, c1?.root]).toEqual(['p', 'p']);
        expect((await linksOf(store, 'r'))?.retryOf).toBe('p');
        expect(await linksOf(store, 'nope')).toBeUndefined();
        expect(await taskOf(store, 'nope')).toBeUndefined();
      });

      it.each(CASES)('pages the shared filter case: $title', async ({ filter, matches }) => {
        const store = await fresh();
        for (const t of TASKS) for (const e of t.events) store.apply(task(e.type, t.uuid, e.timestamp, e.fields, e.hostname), e.timestamp + 0.01);
        expect(await ids(store, query({ filter: caseFilter(filter) }))).toEqual(matches);
      });

      it('pages by cursor without skipping or repeating a task, while tasks arrive, and refuses foreign cursors', async () => {
        const store = await fresh();
        for (let i = 0; i < 7; i++) run(store, `t${i}`, T + i * 10);
        const q = (cursor: string | null): TaskQuery => ({ filter: all, sort: { key: 'arrival', order: 'desc' }, page: { kind: 'cursor', cursor, limit: 3 } });
        const first = await pageOf(store, q(null));
        if (!first.ok) throw new Error(first.reason);
        expect(first.tasks.map((t) => t.uuid)).toEqual(['t6', 't5', 't4']);
        expect(first.total).toBe(7);
        run(store, 'late', T + 100);
        const got = [...first.tasks.map((t) => t.uuid)];
        let cursor = first.nextCursor;
        while (cursor !== null) {
          const page = await pageOf(store, q(cursor));
          if (!page.ok) throw new Error(page.reason);
          got.push(...page.tasks.map((t) => t.uuid));
          cursor = page.nextCursor;
        }
        expect(got).toEqual(['t6', 't5', 't4', 't3', 't2', 't1', 't0']);

        const other = await pageOf(store, { filter: all, sort: { key: 'received', order: 'desc' }, page: { kind: 'cursor', cursor: first.nextCursor, limit: 3 } });
        expect(other).toEqual({ ok: false, reason: 'other-query' });
        expect(await pageOf(store, q('not a cursor'))).toEqual({ ok: false, reason: 'malformed' });
        const elsewhere = await fresh();
        expect(await pageOf(elsewhere, q(first.nextCursor))).toEqual({ ok: false, reason: 'other-run' });
      });

      it('sorts by received, started, succeeded and runtime, both ways, tasks without the value last', async () => {
        const store = await fresh();
        run(store, 'slow', T, { end: null });
        store.apply(task('task-succeeded', 'slow', T + 9, { result: '3', runtime: 8.8 }), T + 9);
        run(store, 'quick', T + 1);
        run(store, 'waiting', T + 2, { end: null });
        store.apply(sent('unseen', T + 3), T + 3);
        const page = async (key: 'received' | 'started' | 'succeeded' | 'runtime', order: 'asc' | 'desc') =>
          ids(store, { filter: all, sort: { key, order }, page: { kind: 'cursor', cursor: null, limit: 10 } });
        expect(await page('received', 'asc')).toEqual(['slow', 'quick', 'waiting', 'unseen']);
        expect(await page('received', 'desc')).toEqual(['waiting', 'quick', 'slow', 'unseen']);
        // Tasks without the value keep the requested order among themselves, by arrival.
        expect(await page('succeeded', 'desc')).toEqual(['slow', 'quick', 'unseen', 'waiting']);
        expect(await page('runtime', 'desc')).toEqual(['slow', 'quick', 'unseen', 'waiting']);
        expect(await page('runtime', 'asc')).toEqual(['quick', 'slow', 'waiting', 'unseen']);
      });

      it("pages by offset in Flower's orders", async () => {
        const store = await fresh();
        run(store, 'b', T, { name: 'tasks.b' });
        run(store, 'a', T + 1, { name: 'tasks.a' });
        run(store, 'c', T + 2, { name: 'tasks.c' });
        expect(await ids(store, query({ sort: { key: 'timestamp', order: 'desc' } }))).toEqual(['c', 'a', 'b']);
        expect(await ids(store, query({ sort: { key: 'name', order: 'asc' }, page: { kind: 'offset', offset: 1, limit: 1 } }))).toEqual(['b']);
        expect(await ids(store, query({ sort: { key: 'arrival', order: 'desc' }, page: { kind: 'offset', offset: 1, limit: null } }))).toEqual(['a', 'b']);
      });

      it('counts tasks by state, name, worker and queue', async () => {
        const store = await fresh();
        run(store, 'a', T, { name: 'tasks.add', worker: 'celery@w1', queue: 'celery' });
        run(store, 'b', T + 1, { name: 'tasks.add', worker: 'celery@w2', queue: 'high', end: 'task-failed' });
        run(store, 'c', T + 2, { name: 'tasks.mul', worker: 'celery@w2', queue: 'high', end: null });
        const counts = await store.counts();
        expect(counts.total).toBe(3);
        expect(Object.fromEntries(counts.byState)).toEqual({ SUCCESS: 1, FAILURE: 1, STARTED: 1 });
        expect(Object.fromEntries(await store.countsByState())).toEqual({ SUCCESS: 1, FAILURE: 1, STARTED: 1 });
        expect(Object.fromEntries(counts.byName)).toEqual({ 'tasks.add': 2, 'tasks.mul': 1 });
        expect(Object.fromEntries(counts.byWorker)).toEqual({ 'celery@w1': 1, 'celery@w2': 2 });
        expect(Object.fromEntries(counts.byQueue)).toEqual({ celery: 1, high: 2 });
        expect(await store.taskCount).toBe(3);
      });

      it('lists task names, sorted, and the tasks not ready yet', async () => {
        const store = await fresh();
        run(store, 'a', T, { name: 'tasks.mul' });
        run(store, 'b', T + 1, { name: 'tasks.add', end: null });
        expect(await store.taskNames()).toEqual(['tasks.add', 'tasks.mul']);
        expect(await store.hasTaskName('tasks.mul')).toBe(true);
        expect(await store.hasTaskName('tasks.div')).toBe(false);
        expect(await store.notReadyTaskIds()).toEqual(['b']);
      });

      it('finds the parentless tasks that arrived nearest a time, nearest first, leaving out the one named', async () => {
        const store = await fresh();
        run(store, 'r1', T);
        store.apply(sent('c1', T + 1, { root_id: 'r1', parent_id: 'r1' }), T + 1);
        run(store, 'r2', T + 2);
        run(store, 'r3', T + 10);
        run(store, 'r4', T + 11);
        run(store, 'r5', T + 30);
        const near = async (at: number, limit: number, except: string) => (await store.rootsNear(at, limit, except)).map((t) => t.uuid);
        expect(await near(T + 2.5, 2, 'r2')).toEqual(['r1', 'r3']);
        expect(await near(T + 10.6, 3, 'r4')).toEqual(['r3', 'r2', 'r1']);
        expect(await near(T + 100, 1, 'none')).toEqual(['r5']);
      });

      it('gives workers, a worker by hostname, and the workers online; sweeping takes the silent offline', async () => {
        const store = await fresh();
        store.apply(heartbeat('celery@w1', T), T);
        store.apply(heartbeat('celery@w2', T + 50), T + 50);
        expect([...(await store.workers())].map((w) => w.hostname)).toEqual(['celery@w1', 'celery@w2']);
        expect(await store.workerCount).toBe(2);
        expect((await store.worker('celery@w2'))?.hostname).toBe('celery@w2');
        expect(await store.worker('celery@nope')).toBeUndefined();
        expect(await store.onlineWorkers(T + 51)).toEqual(['celery@w2']);
        expect(store.sweep(T + 51).map((w) => w.hostname)).toEqual(['celery@w1']);
        expect((await store.worker('celery@w1'))?.offlineSince).not.toBeNull();
      });
    });

    describe('bounds', () => {
      it('holds at most maxTasks, evicting the oldest finished first', async () => {
        const store = await fresh({ maxTasks: 3 });
        run(store, 'done-1', T);
        run(store, 'running', T + 1, { end: null });
        run(store, 'done-2', T + 2);
        run(store, 'new-1', T + 3, { end: null });
        run(store, 'new-2', T + 4, { end: null });
        expect(await store.taskCount).toBe(3);
        expect(await store.evicted).toBe(2);
        // The live window: a store with history still finds the evicted ones across it.
        const held = store.page(query());
        expect(held.ok && held.tasks.map((t) => t.uuid)).toEqual(['running', 'new-1', 'new-2']);
      });

      it('forgets workers offline longer than purgeOfflineAfter', async () => {
        const store = await fresh({ purgeOfflineAfter: 60 });
        store.apply(heartbeat('celery@w1', T), T);
        store.sweep(T + 10);
        store.sweep(T + 200);
        expect(await store.worker('celery@w1')).toBeUndefined();
        expect(await store.workerCount).toBe(0);
      });
    });
  });
}
