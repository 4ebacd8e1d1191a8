/**
 * The shared filter cases (test/fixtures/task-filter-cases.ts) in the browser: the Tasks page's live
 * matcher over the rows the push topic sends (the fields of them it reads) must agree with the server on
 * every case (server/api/v1/task-filter-cases.test.ts runs the same table there).
 */
import { describe, expect, it } from 'vitest';
import { CASES, TASKS } from '@/test/fixtures/task-filter-cases';
import { liveMatcher, parseTaskQuery, receivedWindow, type TaskQuery } from './task-query';

/** The page's query for a case, as its URL would hold it, but with the states as given (any case). */
function pageQuery(filter: (typeof CASES)[number]['filter']): TaskQuery {
  const params = new URLSearchParams();
  if (filter.name !== undefined) params.set('name', filter.name);
  if (filter.worker !== undefined) params.set('worker', filter.worker);
  if (filter.queue !== undefined) params.set('queue', filter.queue);
  if (filter.receivedAfter !== undefined) params.set('received_after', String(filter.receivedAfter));
  if (filter.receivedBefore !== undefined) params.set('received_before', String(filter.receivedBefore));
  return { ...parseTaskQuery(params), states: filter.states ?? [] };
}

describe('the shared task filter cases, in the browser', () => {
  it.each(CASES)('the live matcher over pushed rows: $title', ({ filter, matches }) => {
    const query = pageQuery(filter);
    const accept = liveMatcher(query, receivedWindow(query, Date.now()));
    const accepted = TASKS.filter((task) => accept(task.pushed)).map((task) => task.uuid);
    expect(accepted).toEqual(matches);
  });
});
