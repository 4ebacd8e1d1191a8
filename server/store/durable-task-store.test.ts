/**
 * What the durable store adds to the port, on a real SQLite file: tasks evicted from the live window are
 * still found (by id, by filters and search, across cursor pages that cross from memory into history,
 * in the workflow graph); a restart on the same file brings back tasks and workers, numbers on from the
 * old tasks and keeps cursors valid; and a history that falls behind its bound says it is lagging and
 * keeps memory bounded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CeleryEvent, decodeEventBody, type JsonObject } from '@/lib/celery';
import { taskFilter } from '@/lib/query/task-filter';
import type { TaskQuery } from '@/lib/query/task-query';
import { parseTaskSearch } from '@/lib/search/search-parser';
import { until } from '@/test/harness/until';
import { workflowOf } from '../api/v1/workflow-graph';
import { workflowSource } from '../api/v1/workflow-source';
import { eventRowsOf } from '../history/event-row';
import type { HistoryBackend } from '../history/history-backend';
import { SqliteHistory } from '../history/sqlite-history';
import type { WriteBatch } from '../history/write-batch';
import { MAX_FLUSH_EVENTS, MAX_FLUSH_TASKS } from '../history/write-behind';
import { DurableTaskStore } from './durable-task-store';

const dir = mkdtempSync(join(tmpdir(), 'pollen-durable-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const silent = { error: () => undefined, warn: () => undefined, info: () => undefined };
const T = 1_795_268_172;
let files = 0;

function event(body: JsonObject): CeleryEvent {
  return decodeEventBody({ utcoffset: 0, pid: 1, clock: 1, hostname: 'celery@w1', ...body }).events[0] as CeleryEvent;
}

function run(store: DurableTaskStore, uuid: string, t: number, fields: JsonObject = {}, end = 'task-succeeded'): void {
  store.apply(event({ type: 'task-sent', uuid, timestamp: t, name: 'tasks.add', args: `(${t - T},)`, kwargs: '{}', queue: 'celery', root_id: uuid, parent_id: null, ...fields }), t);
  store.apply(event({ type: 'task-received', uuid, timestamp: t + 0.1, name: 'tasks.add' }), t + 0.1);
  if (end === 'task-failed') store.apply(event({ type: end, uuid, timestamp: t + 1, exception: "KeyError('lost-key')", traceback: 'Traceback' }), t + 1);
  else store.apply(event({ type: end, uuid, timestamp: t + 1, result: '3', runtime: 0.9 }), t + 1);
}

async function open(file: string, maxTasks: number): Promise<DurableTaskStore> {
  return DurableTaskStore.open({ maxTasks, purgeOfflineAfter: 86_400, history: await SqliteHistory.open(file), log: silent, writeIntervalMs: 20 });
}

const written = (store: DurableTaskStore) => until('written', () => store.historyWriting().pendingTasks === 0 && store.historyWriting().pendingEvents === 0 && store.historyWriting().writtenTasks > 0);

async function ids(store: DurableTaskStore, query: Partial<TaskQuery>): Promise<string[]> {
  const page = await store.findPage({ filter: taskFilter({}), sort: { key: 'arrival', order: 'asc' }, page: { kind: 'offset', offset: 0, limit: 1000 }, ...query });
  if (!page.ok) throw new Error(page.reason);
  return page.tasks.map((t) => t.uuid);
}

describe('the durable store across history', () => {
  it('finds tasks evicted from the live window by id, filter, search and cursor pages that cross into history', async () => {
    const store = await open(join(dir, `store-${++files}.db`), 10);
    try {
      for (let i = 0; i < 40; i++) run(store, `t${i}`, T + i, {}, i % 10 === 3 ? 'task-failed' : 'task-succeeded');
      await written(store);
      expect(store.taskCount).toBe(10);
      expect(store.task('t0')).toBeUndefined();
      expect((await store.findTask('t0'))?.state).toBe('SUCCESS');
      expect(await ids(store, { filter: taskFilter({ states: ['FAILURE'] }) })).toEqual(['t3', 't13', 't23', 't33']);
      const search = parseTaskSearch('lost-key');
      if (!search.ok) throw new Error('search');
      expect(await ids(store, { filter: taskFilter({ search: search.query }) })).toEqual(['t3', 't13', 't23', 't33']);
      // Cursor pages from the newest (memory) to the oldest (history): each task once, in order.
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await store.findPage({ filter: taskFilter({}), sort: { key: 'arrival', order: 'desc' }, page: { kind: 'cursor', cursor, limit: 7 } });
        if (!page.ok) throw new Error(page.reason);
        expect(page.total).toBe(40);
        seen.push(...page.tasks.map((t) => t.uuid));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => `t${39 - i}`));
      // The timeline of an evicted task: every event, from history.
      expect((await store.timeline('t3'))?.map((e) => e.type)).toEqual(['task-sent', 'task-received', 'task-failed']);
    } finally {
      await store.close();
    }
  });

  it('draws the workflow graph through tasks that are only in history', async () => {
    const store = await open(join(dir, `store-${++files}.db`), 3);
    try {
      run(store, 'root', T);
      run(store, 'step1', T + 1, { parent_id: 'root', root_id: 'root' });
      run(store, 'step2', T + 2, { parent_id: 'step1', root_id: 'root' });
      for (let i = 0; i < 5; i++) run(store, `other${i}`, T + 10 + i);
      await written(store);
      expect(store.task('step2')).toBeUndefined();
      const source = await workflowSource(store, 'step2');
      const graph = workflowOf(source, 'step2', source);
      expect(graph?.root).toBe('root');
      expect(graph?.nodes.map((n) => [n.id, n.known, n.state])).toEqual([['step2', true, 'SUCCESS'], ['step1', true, 'SUCCESS'], ['root', true, 'SUCCESS']]);
      expect(graph?.edges.map((e) => `${e.from}>${e.to}`).sort()).toEqual(['root>step1', 'step1>step2']);
    } finally {
      await store.close();
    }
  });

  it('comes back after a restart: tasks, workers, numbering and cursors', async () => {
    const file = join(dir, `store-${++files}.db`);
    const first = await open(file, 100);
    for (let i = 0; i < 20; i++) run(first, `a${i}`, T + i);
    first.apply(event({ type: 'worker-heartbeat', timestamp: T + 30, freq: 2, active: 0, processed: 20, loadavg: [0, 0, 0], sw_ident: 'py-celery', sw_ver: '5.2.6', sw_sys: 'Linux' }), T + 30);
    const page = await first.findPage({ filter: taskFilter({}), sort: { key: 'arrival', order: 'desc' }, page: { kind: 'cursor', cursor: null, limit: 5 } });
    if (!page.ok) throw new Error(page.reason);
    await written(first);
    await first.close();

    const again = await open(file, 100);
    try {
      expect(again.taskCount).toBe(20);
      expect(again.task('a7')?.state).toBe('SUCCESS');
      const worker = again.worker('celery@w1');
      expect(worker?.processed).toBe(20);
      expect(worker?.taskEvents.succeeded).toBe(20);
      expect(worker?.alive(T + 31)).toBe(false);
      // The next page of a cursor made before the restart.
      const next = await again.findPage({ filter: taskFilter({}), sort: { key: 'arrival', order: 'desc' }, page: { kind: 'cursor', cursor: page.nextCursor, limit: 5 } });
      expect(next.ok && next.tasks.map((t) => t.uuid)).toEqual(['a14', 'a13', 'a12', 'a11', 'a10']);
      run(again, 'b0', T + 100);
      expect(again.task('b0')?.seq).toBeGreaterThan(again.task('a19')?.seq ?? Infinity);
      expect(again.restartGap?.from).toBeGreaterThan(0);
    } finally {
      await again.close();
    }
  });
});

/** `real`, its batches written through `write`. */
function writingThrough(real: HistoryBackend, write: (batch: WriteBatch) => Promise<void>): HistoryBackend {
  return { dialect: real.dialect, cluster: real.cluster, where: real.where, all: (query) => real.all(query), run: (query) => real.run(query), write, close: () => real.close() };
}

describe('the write-behind falling behind', () => {
  it('says history is lagging past its bound, drops what it must, and holds memory', async () => {
    const real = await SqliteHistory.open(join(dir, `store-${++files}.db`));
    // A disk that takes a second a write.
    const slow = writingThrough(real, async (batch) => {
      await new Promise((r) => setTimeout(r, 1000));
      await real.write(batch);
    });
    const store = await DurableTaskStore.open({ maxTasks: 1000, purgeOfflineAfter: 3600, history: slow, log: silent, writeIntervalMs: 20, maxPendingEvents: 100 });
    try {
      for (let i = 0; i < 200; i++) run(store, `s${i}`, T + i);
      const status = store.historyWriting();
      expect(status.state).toBe('lagging');
      expect(status.pendingEvents).toBeLessThanOrEqual(100);
      expect(status.droppedEvents).toBeGreaterThan(0);
      // The tasks themselves are still written: only timeline rows were dropped.
      await until('caught up', () => store.historyWriting().pendingTasks === 0 && store.historyWriting().pendingEvents === 0, 10_000);
      expect((await store.findTask('s0'))?.state).toBe('SUCCESS');
    } finally {
      await store.close();
    }
  });

  it('writes a backlog in slices, each event with its task or after it, and all of it in the end', async () => {
    const real = await SqliteHistory.open(join(dir, `store-${++files}.db`));
    const batches: { tasks: number[]; events: number[] }[] = [];
    let first = true;
    const recording = writingThrough(real, async (batch) => {
      batches.push({ tasks: batch.tasks.map((row) => row[0] as number), events: eventRowsOf(batch.events).map((row) => row[0] as number) });
      // The first write is slow, so a backlog piles up behind it.
      if (first) await new Promise((r) => setTimeout(r, 300));
      first = false;
      await real.write(batch);
    });
    const store = await DurableTaskStore.open({ maxTasks: 20_000, purgeOfflineAfter: 3600, history: recording, log: silent, writeIntervalMs: 20 });
    try {
      run(store, 'b-first', T);
      await until('the first write started', () => batches.length > 0);
      for (let i = 0; i < 12_000; i++) run(store, `b${i}`, T + i);
      await until('caught up', () => store.historyWriting().pendingTasks === 0 && store.historyWriting().pendingEvents === 0 && store.historyWriting().writtenTasks === 12_001, 20_000);
      const slices = batches.slice(1);
      expect(slices.length).toBeGreaterThanOrEqual(2);
      const writtenTasks = new Set<number>();
      for (const slice of slices) {
        expect(slice.events.length).toBeLessThanOrEqual(MAX_FLUSH_EVENTS);
        expect(slice.tasks.length).toBeLessThanOrEqual(Math.max(MAX_FLUSH_TASKS, slice.events.length));
        for (const seq of slice.tasks) writtenTasks.add(seq);
        for (const seq of slice.events) expect(writtenTasks.has(seq)).toBe(true);
      }
      expect(slices.reduce((n, s) => n + s.events.length, 0)).toBe(36_000);
      expect((await store.findTask('b11999'))?.state).toBe('SUCCESS');
    } finally {
      await store.close();
    }
  });
});
