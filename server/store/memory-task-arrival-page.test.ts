import { describe, expect, it } from 'vitest';
import { type TaskFilter, taskFilter } from '@/lib/query/task-filter';
import type { TaskQuery } from '@/lib/query/task-query';
import { CASES } from '@/test/fixtures/task-filter-cases';
import { seeded } from '../metrics/test-random';
import { ClusterState } from '../state/cluster-state';
import { randomSteps } from '../state/random-task-events';
import { arrivalPage } from './memory-task-arrival-page';
import { EPOCH, fromCase, pageIds, randomFilter, referencePage } from './random-task-queries';
import type { TaskPageResult } from './task-store';

function compare(state: ClusterState, query: TaskQuery): TaskPageResult {
  const indexed = arrivalPage(state.index, state.taskCount, EPOCH, query);
  const reference = referencePage(state, query);
  expect(indexed).not.toBeNull();
  expect(pageIds(indexed)).toEqual(pageIds(reference));
  return reference;
}

describe('pages in arrival order from the kept lists', () => {
  it.each([1, 2, 3])('give exactly the reference walk\'s pages, totals and cursors (seed %i)', (seed) => {
    const random = seeded(seed);
    const state = new ClusterState({ maxTasks: 60, purgeOfflineAfter: 3600 });
    const filters = [...CASES.map((c) => fromCase(c.filter)), taskFilter({})];
    let queries = 0;
    for (const [i, step] of randomSteps(random, 4000, 150).entries()) {
      if (step.kind === 'settle') state.settle(step.event, step.settlement);
      else state.apply(step.event, step.at);
      if (i % 10 !== 0) continue;
      const filter = random() < 0.3 ? (filters[Math.floor(random() * filters.length)] as TaskFilter) : randomFilter(random);
      const order = random() < 0.5 ? 'asc' : 'desc';
      if (random() < 0.3) {
        const offset = Math.floor(random() * 40);
        const limit = random() < 0.2 ? null : Math.floor(random() * 20);
        compare(state, { filter, sort: { key: 'arrival', order }, page: { kind: 'offset', offset, limit } });
      } else {
        // A cursor chain, with events between its pages.
        const limit = 1 + Math.floor(random() * 15);
        let cursor: string | null = null;
        for (let p = 0; p < 8; p++) {
          const page = compare(state, { filter, sort: { key: 'arrival', order }, page: { kind: 'cursor', cursor, limit } });
          queries++;
          if (!page.ok || page.nextCursor === null) break;
          cursor = page.nextCursor;
        }
      }
    }
    expect(queries).toBeGreaterThan(300);
    expect(state.evicted).toBeGreaterThan(100);
  });

  it('refuses the cursors the reference refuses', () => {
    const state = new ClusterState({ maxTasks: 10, purgeOfflineAfter: 3600 });
    for (const step of randomSteps(seeded(7), 200, 20)) if (step.kind === 'event') state.apply(step.event, step.at);
    const filter = taskFilter({});
    for (const cursor of ['nope', Buffer.from(JSON.stringify({ e: 'other', s: 'arrival', o: 'asc', f: 'x', v: 1, q: 1 })).toString('base64url')]) {
      compare(state, { filter, sort: { key: 'arrival', order: 'asc' }, page: { kind: 'cursor', cursor, limit: 5 } });
    }
  });
});
