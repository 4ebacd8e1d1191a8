import { describe, expect, it } from 'vitest';
import type { TaskPage, V1Task, V1TaskRow } from '@/lib/api/tasks';
import { parseTaskQuery, taskQueryString } from './task-query';
import { TaskRowStore } from './task-row-store';

/** Task n as a list row: every field, as the server renders one. */
function row(n: number, state = 'SUCCESS'): V1TaskRow {
  return {
    uuid: `t${n}`, name: 'tasks.add', state, worker: 'w@h', client: 'gen1@h', queue: 'celery', exchange: '', routing_key: 'celery',
    args: `(${n},)`, kwargs: '{}', result: null, exception: null, traceback: null,
    sent: n, received: n, started: n, succeeded: null, failed: null, retried: null, revoked: null, rejected: null, timestamp: n,
    runtime: 0.1, runtime_source: 'worker', eta: null, expires: null, retries: 0, retry_history: [], root_id: `t${n}`, parent_id: null,
    retry_of: null, lost: false, clock_skew: null, revoke: null, settled: null,
  };
}

function task(n: number, state = 'SUCCESS'): V1Task {
  return { ...row(n, state), children: [], retried_as: [] };
}

/** Tasks 1..total, newest (highest) first, as pages of `size` from the top or (reversed) from the bottom. */
function page(total: number, from: number, size: number, reversed: boolean): TaskPage {
  const all = Array.from({ length: total }, (_, i) => task(reversed ? i + 1 : total - i));
  const tasks = all.slice(from, from + size);
  return { tasks, total_matching: total, total_exact: true, next_cursor: from + size < total ? `c${from + size}` : null };
}

const pushed = (n: number, state: string): V1TaskRow => row(n, state);

describe('TaskRowStore', () => {
  it('reads the end of the list from the bottom, and joins both ends when they meet', () => {
    const store = new TaskRowStore();
    store.addPage(page(10, 0, 3, false));
    expect(store.count).toBe(10);
    expect(store.rowAt(0)?.uuid).toBe('t10');
    expect(store.rowAt(5)).toBeUndefined();
    store.addTailPage(page(10, 0, 3, true));
    expect(store.rowAt(9)?.uuid).toBe('t1');
    expect(store.rowAt(7)?.uuid).toBe('t3');
    expect(store.done).toBe(false);
    store.addPage(page(10, 3, 3, false));
    store.addPage(page(10, 6, 3, false));
    expect(store.done).toBe(true);
    expect(store.order).toEqual(['t10', 't9', 't8', 't7', 't6', 't5', 't4', 't3', 't2', 't1']);
  });

  it('puts new tasks on top, changes known ones in place, and leaves old tasks that change state to their page', () => {
    const store = new TaskRowStore();
    store.addPage(page(100, 0, 10, false));
    const outcome = store.applyLive([pushed(101, 'RECEIVED'), pushed(95, 'FAILURE'), pushed(3, 'SUCCESS')], () => true, true);
    expect(outcome).toEqual({ prepended: 1, unplaced: 0, changed: 1 });
    expect(store.order.slice(0, 2)).toEqual(['t101', 't100']);
    expect(store.byId.get('t95')?.state).toBe('FAILURE');
    expect(store.byId.get('t95')?.queue).toBe('celery');
    expect(store.byId.has('t3')).toBe(false);
    expect(store.total).toBe(101);
  });

  it('counts new tasks it cannot place under another sort', () => {
    const store = new TaskRowStore();
    store.addPage(page(5, 0, 5, false));
    expect(store.applyLive([pushed(6, 'STARTED')], () => true, false)).toEqual({ prepended: 0, unplaced: 1, changed: 0 });
    expect(store.order).toHaveLength(5);
  });
});

describe('task query in the URL', () => {
  it('round-trips the filters and leaves the defaults out', () => {
    const query = parseTaskQuery(new URLSearchParams('state=failure,REVOKED&name=tasks.add&search=zebra&sort=runtime&order=asc&range=1h'));
    expect(query.states).toEqual(['FAILURE', 'REVOKED']);
    expect(taskQueryString(query)).toBe('?state=FAILURE%2CREVOKED&name=tasks.add&range=1h&search=zebra&sort=runtime&order=asc');
    expect(taskQueryString(parseTaskQuery(new URLSearchParams('')))).toBe('');
  });
});
