import { describe, expect, it } from 'vitest';
import type { MemoryTaskStore } from '../../store/memory-task-store';
import type { TaskPage } from '@/lib/api/tasks';
import { listTasks } from './task-query';
import { _addTask, _emptyState } from './task-test-events';

const T0 = 1_790_000_000;

async function page(state: MemoryTaskStore, params: Record<string, string | string[]>): Promise<TaskPage> {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) for (const v of [value].flat()) query.append(key, v);
  const { status, body } = await listTasks(state, query);
  expect(status, JSON.stringify(body)).toBe(200);
  return body as TaskPage;
}

async function error(state: MemoryTaskStore, params: Record<string, string>): Promise<string> {
  const { status, body } = await listTasks(state, new URLSearchParams(params));
  expect(status).toBe(400);
  return (body as { error: string }).error;
}

/** Pages through with `params`, calling `between` after each page; returns every uuid seen, in order. */
async function pageThrough(state: MemoryTaskStore, params: Record<string, string>, between: (n: number) => void = () => undefined): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let n = 0; n < 1000; n++) {
    const result = (await page(state, cursor === null ? params : { ...params, cursor }));
    seen.push(...result.tasks.map((t) => t.uuid));
    between(n);
    cursor = result.next_cursor;
    if (cursor === null) return seen;
  }
  throw new Error('never ended');
}

describe('GET /api/v1/tasks paging', () => {
  it.each(['asc', 'desc'])('returns every task exactly once across pages while tasks keep arriving (arrival %s)', async (order) => {
    const state = _emptyState();
    for (let i = 0; i < 250; i++) _addTask(state, `old-${i}`, T0 + i);
    let added = 0;
    const seen = (await pageThrough(state, { limit: '30', order }, () => {
      for (let k = 0; k < 7; k++) _addTask(state, `new-${added++}`, T0 + 1000 + added);
    }));
    expect(new Set(seen).size).toBe(seen.length);
    const old = seen.filter((id) => id.startsWith('old-'));
    expect(old).toHaveLength(250);
    if (order === 'desc') {
      // Newest first: tasks that arrive behind the cursor belong to a new query.
      expect(old[0]).toBe('old-249');
      expect(seen.some((id) => id.startsWith('new-'))).toBe(false);
    } else {
      expect(old[0]).toBe('old-0');
      expect(seen.filter((id) => id.startsWith('new-')).length).toBeGreaterThan(0);
    }
  });

  it('keeps its place when tasks before the cursor are evicted', async () => {
    const state = _emptyState(100);
    for (let i = 0; i < 100; i++) _addTask(state, `t-${i}`, T0 + i);
    const first = (await page(state, { limit: '10', order: 'asc' }));
    expect(first.tasks.map((t) => t.uuid)).toEqual(Array.from({ length: 10 }, (_, i) => `t-${i}`));
    for (let i = 100; i < 120; i++) _addTask(state, `t-${i}`, T0 + i);
    const second = (await page(state, { limit: '10', order: 'asc', cursor: first.next_cursor as string }));
    expect(second.tasks.map((t) => t.uuid)).toEqual(Array.from({ length: 10 }, (_, i) => `t-${i + 20}`));
  });

  it('sorts by a time or the runtime, ties by arrival, tasks without it last, and pages that order without repeats', async () => {
    const state = _emptyState();
    for (let i = 0; i < 40; i++) _addTask(state, `t-${i}`, T0 + (i % 10), { state: i % 4 === 0 ? 'RECEIVED' : 'SUCCESS' });
    const all = (await pageThrough(state, { sort: 'started', order: 'desc', limit: '7' }));
    expect(all).toHaveLength(40);
    expect(new Set(all).size).toBe(40);
    const started = all.map((id) => state.task(id)?.started ?? null);
    const withValue = started.filter((s) => s !== null) as number[];
    expect(withValue).toEqual([...withValue].sort((a, b) => b - a));
    expect(started.slice(withValue.length).every((s) => s === null)).toBe(true);
    expect((await page(state, { sort: 'runtime', order: 'asc', limit: '1' })).tasks[0]?.runtime).toBe(0.5);
  });

  it('counts every match on every page', async () => {
    const state = _emptyState();
    for (let i = 0; i < 25; i++) _addTask(state, `t-${i}`, T0 + i, { state: i < 10 ? 'FAILURE' : 'SUCCESS' });
    const first = (await page(state, { state: 'FAILURE', limit: '4' }));
    expect(first.total_matching).toBe(10);
    expect((await page(state, { state: 'FAILURE', limit: '4', cursor: first.next_cursor as string })).total_matching).toBe(10);
    expect((await page(state, { state: 'FAILURE', limit: '10' })).next_cursor).toBeNull();
  });
});

describe('GET /api/v1/tasks filters', () => {
  const state = _emptyState();
  _addTask(state, 'a', T0, { name: 'tasks.add', state: 'SUCCESS', worker: 'w1@host' });
  _addTask(state, 'b', T0 + 60, { name: 'tasks.fail', state: 'FAILURE', args: "('boom',)", worker: 'w2@host' });
  _addTask(state, 'c', T0 + 120, { name: 'tasks.sleep', state: 'REVOKED', worker: 'w1@host' });
  _addTask(state, 'd', T0 + 180, { name: 'tasks.add', state: 'RECEIVED', kwargs: "{'k': 1}", worker: 'w2@host' });
  const ids = async (params: Record<string, string | string[]>) => (await page(state, { order: 'asc', ...params })).tasks.map((t) => t.uuid);

  it('takes several states, repeated or comma-separated, in any case', async () => {
    expect((await ids({ state: ['FAILURE', 'revoked'] }))).toEqual(['b', 'c']);
    expect((await ids({ state: 'failure,REVOKED' }))).toEqual(['b', 'c']);
  });

  it('filters by name, worker, times (seconds or ISO-8601) and search, all together', async () => {
    expect((await ids({ name: 'tasks.add' }))).toEqual(['a', 'd']);
    expect((await ids({ name: 'tasks.add', worker: 'w2@host' }))).toEqual(['d']);
    expect((await ids({ received_after: String(T0 + 60), received_before: String(T0 + 180) }))).toEqual(['b', 'c']);
    const iso = new Date((T0 + 60) * 1000).toISOString();
    expect((await ids({ received_after: iso.replace('.000Z', '') }))).toEqual(['b', 'c', 'd']);
    expect((await ids({ started_before: String(T0 + 1) }))).toEqual(['a']);
    expect((await ids({ search: 'boom' }))).toEqual(['b']);
    expect((await ids({ search: 'kwargs:k=1', name: 'tasks.add' }))).toEqual(['d']);
    expect((await ids({ lost: 'false', state: 'RECEIVED' }))).toEqual(['d']);
  });

  it('searches with the same parser as Flower\'s /api/tasks: a qualified term of one character, a fault with its position', async () => {
    expect((await ids({ search: 'kwargs:1' }))).toEqual(['d']);
    expect((await ids({ search: 'worker:2' }))).toEqual(['b', 'd']);
    expect(await listTasks(state, new URLSearchParams({ search: 'state:FAILURE ab' }))).toMatchObject({
      status: 400,
      body: { code: 'invalid_search', position: 14, error: expect.stringContaining('qualify it: args:ab') },
    });
  });

  it('shows each task in its own clean shape', async () => {
    const [task] = (await page(state, { state: 'FAILURE' })).tasks;
    expect(task).toMatchObject({
      uuid: 'b', name: 'tasks.fail', state: 'FAILURE', worker: 'w2@host', args: "('boom',)", kwargs: '{}', exception: "ValueError('boom')",
      received: T0 + 60, failed: T0 + 60.5, retries: 0, root_id: 'b', parent_id: null, children: [], retry_of: null, retried_as: [], lost: false,
    });
  });

  it.each<[Record<string, string>, string]>([
    [{ limit: '0' }, 'limit: must be at least 1'],
    [{ limit: '1001' }, 'limit: must be at most 1000'],
    [{ limit: 'x' }, 'limit: expected a number'],
    [{ sort: 'name' }, 'sort: expected one of arrival, received, started, succeeded, runtime'],
    [{ order: 'up' }, 'order: expected asc or desc'],
    [{ received_after: 'yesterday' }, 'received_after: expected Unix seconds or an ISO-8601 date'],
    [{ lost: 'maybe' }, 'lost: expected true or false'],
    [{ search: 'name:(' }, 'search: '],
    [{ cursor: 'nonsense' }, 'cursor: not a cursor of this API'],
  ])('answers 400 naming the field for %j', async (params, message) => {
    expect((await error(state, params))).toContain(message);
  });

  it('refuses a cursor used with other filters or another sort', async () => {
    const first = (await page(state, { state: 'SUCCESS,FAILURE', limit: '1' }));
    expect(first.next_cursor).not.toBeNull();
    const cursor = first.next_cursor as string;
    expect((await page(state, { state: 'FAILURE,SUCCESS', limit: '1', cursor })).tasks).toHaveLength(1);
    expect((await error(state, { state: 'FAILURE', limit: '1', cursor }))).toContain('cursor: made for another sort or other filters');
    expect((await error(state, { state: 'SUCCESS,FAILURE', limit: '1', cursor, order: 'asc' }))).toContain('cursor: made for another sort');
  });

  it('refuses a cursor from another model (another server run)', async () => {
    const cursor = (await page(state, { limit: '1' })).next_cursor as string;
    const other = _emptyState();
    expect((await listTasks(other, new URLSearchParams({ limit: '1', cursor }))).body).toEqual({ error: 'cursor: from an earlier run of the server; start again without a cursor' });
  });
});
