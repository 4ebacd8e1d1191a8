import { describe, expect, it } from 'vitest';
import { type CeleryEvent, decodeEventBody, type JsonObject } from '@/lib/celery';
import { type TaskFilter, taskFilter } from '@/lib/query/task-filter';
import type { TaskQuery, TaskQuerySortKey } from '@/lib/query/task-query';
import { CASES } from '@/test/fixtures/task-filter-cases';
import { seeded } from '../metrics/test-random';
import { ClusterState } from '../state/cluster-state';
import { randomSteps } from '../state/random-task-events';
import { offsetPage } from './memory-task-offset-page';
import { fromCase, pageIds, randomFilter, referencePage } from './random-task-queries';

const KEYS: readonly TaskQuerySortKey[] = ['timestamp', 'name', 'state', 'received', 'started', 'succeeded', 'runtime'];

function compare(state: ClusterState, query: TaskQuery): void {
  const indexed = offsetPage(state.index, state.taskCount, query);
  const reference = referencePage(state, query);
  expect(indexed).not.toBeNull();
  expect(pageIds(indexed)).toEqual(pageIds(reference));
}

describe("Flower's offset pages from the kept orders, lists and a selection", () => {
  it.each([1, 2, 3])("give exactly the reference walk's pages and totals for every sort, ties and missing values included (seed %i)", (seed) => {
    const random = seeded(seed);
    const state = new ClusterState({ maxTasks: 60, purgeOfflineAfter: 3600 });
    const filters = [...CASES.map((c) => fromCase(c.filter)), taskFilter({})];
    let queries = 0;
    for (const [i, step] of randomSteps(random, 4000, 150).entries()) {
      if (step.kind === 'settle') state.settle(step.event, step.settlement);
      else state.apply(step.event, step.at);
      if (i % 5 !== 0) continue;
      const filter = random() < 0.3 ? (filters[Math.floor(random() * filters.length)] as TaskFilter) : randomFilter(random);
      const key = KEYS[Math.floor(random() * KEYS.length)] as TaskQuerySortKey;
      const order = random() < 0.5 ? 'asc' : 'desc';
      const offset = random() < 0.3 ? 0 : Math.floor(random() * 60);
      const limit = random() < 0.15 ? null : Math.floor(random() * 25);
      compare(state, { filter, sort: { key, order }, page: { kind: 'offset', offset, limit } });
      queries++;
    }
    expect(queries).toBeGreaterThan(700);
  });

  it('orders equal values by arrival, both ways, with the tasks that lack them', () => {
    const state = new ClusterState({ maxTasks: 100, purgeOfflineAfter: 3600 });
    const event = (body: JsonObject) => decodeEventBody({ hostname: 'celery@w1', utcoffset: 0, pid: 1, clock: 1, ...body }).events[0] as CeleryEvent;
    for (let i = 0; i < 30; i++) {
      const uuid = `tie-${i}`;
      // Groups of equal times and runtimes; every fifth task is only sent (no received, started or runtime).
      const t = 1_790_000_000 + Math.floor(i / 4);
      state.apply(event({ type: 'task-sent', uuid, name: `tasks.n${i % 3}`, timestamp: t }), t);
      if (i % 5 === 0) continue;
      state.apply(event({ type: 'task-received', uuid, name: `tasks.n${i % 3}`, timestamp: t }), t);
      state.apply(event({ type: 'task-started', uuid, timestamp: t + 1 }), t + 1);
      state.apply(event({ type: 'task-succeeded', uuid, result: '1', runtime: 0.5 * (1 + (i % 2)), timestamp: t + 2 }), t + 2);
    }
    for (const key of KEYS) {
      for (const order of ['asc', 'desc'] as const) {
        for (const [offset, limit] of [[0, null], [3, 9], [17, 40]] as const) {
          compare(state, { filter: taskFilter({}), sort: { key, order }, page: { kind: 'offset', offset, limit } });
        }
      }
    }
  });
});
