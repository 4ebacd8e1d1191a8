/**
 * Filters for the store's page tests: the shared case table's filters and random ones over the names,
 * workers and queues of random-task-events.ts, so that indexed pages are checked against the reference.
 */
import { parseTaskSearch } from '@/lib/search/search-parser';
import { type TaskFilter, taskFilter, type TimeRange } from '@/lib/query/task-filter';
import { type CaseFilter } from '@/test/fixtures/task-filter-cases';
import type { TaskQuery } from '@/lib/query/task-query';
import type { ClusterState } from '../state/cluster-state';
import { NAMES, QUEUES, WORKERS } from '../state/random-task-events';
import { memoryPage } from './memory-task-page';
import type { TaskPageResult } from './task-store';

export const EPOCH = 'test0001';
const STATES = ['PENDING', 'RECEIVED', 'STARTED', 'SUCCESS', 'FAILURE', 'RETRY', 'REVOKED', 'REJECTED', 'PROGRESS', 'success'];

export function fromCase(f: CaseFilter): TaskFilter {
  return taskFilter({
    states: f.states ?? null,
    names: f.name === undefined ? null : [f.name],
    workers: f.worker === undefined ? null : [f.worker],
    queues: f.queue === undefined ? null : [f.queue],
    received: f.receivedAfter === undefined && f.receivedBefore === undefined ? null : { from: f.receivedAfter ?? null, to: f.receivedBefore ?? null, toIncluded: false },
  });
}

export function randomFilter(random: () => number): TaskFilter {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const some = <T>(list: readonly T[]): T[] | null => (random() < 0.6 ? null : random() < 0.7 ? [pick(list)] : [pick(list), pick(list)]);
  const search = random() < 0.85 ? undefined : parseTaskSearch(pick(['1', 'args:2', 'tasks.add', 'state:failure'])) ;
  return taskFilter({
    states: some(STATES),
    names: some([...NAMES, 'tasks.none']),
    workers: some(WORKERS),
    queues: some([...QUEUES, 'none']),
    lost: random() < 0.9 ? null : random() < 0.5,
    received: random() < 0.85 ? null : randomRange(random),
    started: random() < 0.92 ? null : randomRange(random),
    search: search?.ok ? search.query : undefined,
  });
}


/** A range over the random events' times: open at either end, or both bounds, the end included or not. */
function randomRange(random: () => number): TimeRange {
  const from = 1_790_000_000 + random() * 500;
  const roll = random();
  if (roll < 0.4) return { from, to: null, toIncluded: false };
  const to = from + random() * 800;
  return roll < 0.7 ? { from: null, to, toIncluded: random() < 0.5 } : { from, to, toIncluded: random() < 0.5 };
}

/** The reference walk's page (memory-task-page.ts) over the model's tasks in arrival order. */
export function referencePage(state: ClusterState, query: TaskQuery): TaskPageResult {
  return memoryPage(function* () {
    for (const task of state.taskValues()) yield [task, task.seq] as const;
  }, EPOCH, query);
}

/** What two pages must agree on: the ids in order, the total and the cursor (or the refusal). */
export function pageIds(page: TaskPageResult | null): unknown {
  return page?.ok ? { ids: page.tasks.map((t) => t.uuid), total: page.total, next: page.nextCursor } : page;
}
