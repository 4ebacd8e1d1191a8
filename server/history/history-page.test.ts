/**
 * Pages from SQLite history where counting every match would take too long: a search that most tasks
 * match is counted up to a bound and said to be "at least" that many, while its pages stay whole and in
 * order; a narrow filter is counted exactly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskFilter } from '@/lib/query/task-filter';
import { parseTaskSearch } from '@/lib/search/search-parser';
import { orderValue } from '../state/order-value';
import type { TaskRecord } from '../state/task-record';
import { historyPage, type HistoryScope, SEARCH_COUNT_CAP } from './history-page';
import { compilingDb } from './history-sql';
import { batchOf, rangeTasks, task } from './history-test-tasks';
import { SqliteHistory } from './sqlite-history';

const dir = mkdtempSync(join(tmpdir(), 'pollen-history-page-'));
let history: SqliteHistory;
let scope: HistoryScope;
const TASKS = SEARCH_COUNT_CAP + 2000;

beforeAll(async () => {
  history = await SqliteHistory.open(join(dir, 'page.db'));
  scope = { db: compilingDb('sqlite'), reader: history, cluster: null };
  const tasks = Array.from({ length: TASKS }, (_, i) => task(i + 1, `t${i + 1}`, { args: i % 1000 === 0 ? "('rare needle',)" : "('common hay',)", state: i % 1000 === 0 ? 'FAILURE' : 'SUCCESS' }));
  for (let at = 0; at < tasks.length; at += 5000) await history.write(batchOf(tasks.slice(at, at + 5000)));
});

afterAll(async () => {
  await history?.close();
  rmSync(dir, { recursive: true, force: true });
});

const search = (text: string) => {
  const parsed = parseTaskSearch(text);
  if (!parsed.ok) throw new Error(text);
  return taskFilter({ search: parsed.query });
};

describe('the text index built behind the rows', () => {
  it('finds tasks the text index does not hold yet, row by row, and holds them after the next batch', async () => {
    const behind = await SqliteHistory.open(join(dir, 'behind.db'), { textSettleMs: 0 });
    const at = { db: compilingDb('sqlite'), reader: behind, cluster: null };
    try {
      await behind.write(batchOf(Array.from({ length: 20 }, (_, i) => task(i + 1, `b${i + 1}`, { args: i === 14 ? "('late needle',)" : '()' }))));
      const mark = async () => Number((await behind.all<{ value: string }>(at.db.selectFrom('meta').select('value').where('key', '=', 'text_upto').compile()))[0]?.value);
      // The writer indexes text once it has answered the write.
      await expect.poll(mark).toBe(20);
      // The index ten tasks behind, as after a flood.
      await behind.run(at.db.deleteFrom('task_text').where('rowid', '>', 10).compile());
      await behind.run(at.db.updateTable('meta').set({ value: '10' }).where('key', '=', 'text_upto').compile());
      const found = async () => {
        const page = await historyPage(at, 'e', { filter: search('needle'), sort: { key: 'arrival', order: 'desc' }, page: { kind: 'cursor', cursor: null, limit: 10 } }, 100);
        return page.ok ? page.tasks.map((t) => t.uuid) : [];
      };
      expect(await found()).toEqual(['b15']);
      // The next batch gives the writer time to catch the index up.
      await behind.write(batchOf([task(21, 'b21')]));
      await expect.poll(mark).toBe(21);
      expect(await found()).toEqual(['b15']);
    } finally {
      await behind.close();
    }
  });

  it("leaves a task's text out of the index until it has settled (its result is known), and finds it meanwhile", async () => {
    const fresh = await SqliteHistory.open(join(dir, 'fresh.db'), { textSettleMs: 60_000 });
    const at = { db: compilingDb('sqlite'), reader: fresh, cluster: null };
    try {
      await fresh.write(batchOf([task(1, 'f1', { args: "('fresh needle',)" })]));
      await fresh.write(batchOf([task(2, 'f2')]));
      const indexed = await fresh.all<{ n: number }>(at.db.selectFrom('task_text').select((eb) => eb.fn.countAll<number>().as('n')).compile());
      expect(indexed[0]?.n).toBe(0);
      const page = await historyPage(at, 'e', { filter: search('needle'), sort: { key: 'arrival', order: 'desc' }, page: { kind: 'cursor', cursor: null, limit: 10 } }, 100);
      expect(page.ok ? page.tasks.map((t) => t.uuid) : []).toEqual(['f1']);
    } finally {
      await fresh.close();
    }
  });
});

describe('time ranges over history', () => {
  it("filter on the task's own time, a suspect clock's task included, though ranges read the sort time's index", async () => {
    const ranged = await SqliteHistory.open(join(dir, 'ranged.db'));
    const at = { db: compilingDb('sqlite'), reader: ranged, cluster: null };
    try {
      await ranged.write(batchOf(rangeTasks()));
      const ids = async (from: number, to: number) => {
        const page = await historyPage(at, 'e', { filter: taskFilter({ received: { from, to, toIncluded: false } }), sort: { key: 'arrival', order: 'asc' }, page: { kind: 'cursor', cursor: null, limit: 100 } }, 100);
        return page.ok ? page.tasks.map((t) => t.uuid) : [];
      };
      expect(await ids(1_700_000_010, 1_700_000_013)).toEqual(['r11', 'r12', 'r13']);
      expect(await ids(32_503_679_000, 32_503_681_000)).toEqual(['suspect']);
    } finally {
      await ranged.close();
    }
  });
});

describe('history pages and their totals', () => {
  it('counts a search most tasks match up to a bound, says so, and still pages it whole and in order', async () => {
    const page = await historyPage(scope, 'e', { filter: search('common'), sort: { key: 'arrival', order: 'desc' }, page: { kind: 'cursor', cursor: null, limit: 5 } }, 1000);
    if (!page.ok) throw new Error(page.reason);
    expect(page.total).toBe(SEARCH_COUNT_CAP);
    expect(page.totalExact).toBe(false);
    expect(page.tasks.map((t) => t.uuid)).toEqual([`t${TASKS}`, `t${TASKS - 1}`, `t${TASKS - 2}`, `t${TASKS - 3}`, `t${TASKS - 4}`]);
    expect(page.nextCursor).not.toBeNull();
  });

  it('counts a narrow search or filter exactly, and sorts its few rows', async () => {
    const rare = await historyPage(scope, 'e', { filter: search('needle'), sort: { key: 'received', order: 'asc' }, page: { kind: 'cursor', cursor: null, limit: 100 } }, 1000);
    if (!rare.ok) throw new Error(rare.reason);
    expect(rare.total).toBe(Math.ceil(TASKS / 1000));
    expect(rare.totalExact).toBeUndefined();
    expect(rare.tasks.map((t) => t.uuid)).toEqual(Array.from({ length: Math.ceil(TASKS / 1000) }, (_, i) => `t${i * 1000 + 1}`));
    const failed = await historyPage(scope, 'e', { filter: taskFilter({ states: ['FAILURE'] }), sort: { key: 'runtime', order: 'desc' }, page: { kind: 'cursor', cursor: null, limit: 3 } }, 1000);
    expect(failed.ok && failed.total).toBe(Math.ceil(TASKS / 1000));
  });
});

describe('walking the sort\'s index for a filter that is not selective', () => {
  // 3 000 tasks: every tenth failed (300, spread through every sort); the first 300 were lost with their
  // worker, with runtimes below every other task's (so they sit at the far end of a runtime sort).
  const tasks: TaskRecord[] = Array.from({ length: 3000 }, (_, i) => {
    const seq = i + 1;
    const record = task(seq, `w${seq}`, { state: seq > 300 && seq % 10 === 0 ? 'FAILURE' : 'SUCCESS', lost: seq <= 300 });
    record.runtime = seq <= 300 ? seq / 1e6 : 1 + ((seq * 37) % 101);
    return record;
  });
  let walked: SqliteHistory;
  let at: HistoryScope;
  beforeAll(async () => {
    walked = await SqliteHistory.open(join(dir, 'walked.db'));
    at = { db: compilingDb('sqlite'), reader: walked, cluster: null };
    await walked.write(batchOf(tasks));
  });
  afterAll(async () => walked?.close());

  /** Every page in turn, by cursor: the uuids in the order the pages gave them. */
  const allPages = async (filter: ReturnType<typeof taskFilter>, order: 'asc' | 'desc'): Promise<string[]> => {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await historyPage(at, 'e', { filter, sort: { key: 'runtime', order }, page: { kind: 'cursor', cursor, limit: 7 } }, 1000);
      if (!page.ok) throw new Error(page.reason);
      ids.push(...page.tasks.map((t) => t.uuid));
      cursor = page.nextCursor;
    } while (cursor !== null);
    return ids;
  };
  /** The runtime sort as memory orders it: by value then arrival, tasks without one last in either order. */
  const expected = (keep: (t: TaskRecord) => boolean, order: 'asc' | 'desc'): string[] => {
    const sign = order === 'asc' ? 1 : -1;
    const value = (t: TaskRecord) => orderValue(t, 'runtime');
    return tasks.filter(keep).sort((a, b) => {
      const va = value(a);
      const vb = value(b);
      if (va === null || vb === null) return va === vb ? sign * (a.seq - b.seq) : va === null ? 1 : -1;
      return sign * (va - vb || a.seq - b.seq);
    }).map((t) => t.uuid);
  };

  it('pages a filter spread through the sort from a window of the index, whole and in order', async () => {
    for (const order of ['desc', 'asc'] as const) expect(await allPages(taskFilter({ states: ['FAILURE'] }), order)).toEqual(expected((t) => t.state === 'FAILURE', order));
  });

  it("reads a filter's own rows when its tasks lie beyond the window, whole and in order", async () => {
    for (const order of ['desc', 'asc'] as const) expect(await allPages(taskFilter({ lost: true }), order)).toEqual(expected((t) => t.lost, order));
  });

  it('pages a time range, from a walk or from its own rows, whole and in order', async () => {
    // The middle third by received time: beyond the walk's window in one order, at its start in the other.
    const [from, to] = [1_700_000_000 + 1000, 1_700_000_000 + 2000];
    const inRange = (t: TaskRecord) => t.received !== null && t.received >= from && t.received < to;
    for (const order of ['desc', 'asc'] as const) expect(await allPages(taskFilter({ received: { from, to, toIncluded: false } }), order)).toEqual(expected(inRange, order));
  });
});
