import { describe, expect, it } from 'vitest';
import { type CeleryEvent, decodeEventBody, type JsonObject } from '@/lib/celery';
import { type TaskFilter, taskFilter } from '@/lib/query/task-filter';
import type { TaskQuery } from '@/lib/query/task-query';
import { CASES } from '@/test/fixtures/task-filter-cases';
import { seeded } from '../metrics/test-random';
import { ClusterState } from '../state/cluster-state';
import { randomSteps } from '../state/random-task-events';
import { ORDER_FIELDS } from '../state/task-index';
import { type SortedPlan, sortedPage } from './memory-task-sorted-page';
import { EPOCH, fromCase, pageIds, randomFilter, referencePage } from './random-task-queries';
import type { TaskPageResult } from './task-store';

/** The indexed page, by the plan given, against the reference walk. */
function compare(state: ClusterState, query: TaskQuery, plan: SortedPlan): TaskPageResult {
  const indexed = sortedPage(state.index, state.taskCount, EPOCH, query, plan);
  const reference = referencePage(state, query);
  expect(indexed).not.toBeNull();
  expect(pageIds(indexed)).toEqual(pageIds(reference));
  return reference;
}

/** A range whose end is a held task's own received or started time: the bound itself, included or not. */
function boundAtTask(state: ClusterState, random: () => number): TaskFilter {
  const held = [...state.taskValues()].filter((t) => t.received !== null && t.started !== null);
  const task = held[Math.floor(random() * held.length)];
  if (task === undefined) return taskFilter({});
  // The task's own time as the end of the range, or as its start.
  const range = (at: number) =>
    random() < 0.5 ? { from: random() < 0.5 ? null : at - 50, to: at, toIncluded: random() < 0.5 } : { from: at, to: random() < 0.5 ? null : at + 50, toIncluded: false };
  return random() < 0.5 ? taskFilter({ received: range(task.received as number) }) : taskFilter({ started: range(task.started as number) });
}

describe('pages sorted by received, started, succeeded and runtime from the kept orders', () => {
  it.each([
    [1, 'walk'],
    [2, 'walk'],
    [3, 'sort'],
    [4, 'sort'],
    [5, 'auto'],
  ] as const)('give exactly the reference walk\'s pages, totals and cursors (seed %i, plan %s)', (seed, plan) => {
    const random = seeded(seed);
    const state = new ClusterState({ maxTasks: 60, purgeOfflineAfter: 3600 });
    const filters = [...CASES.map((c) => fromCase(c.filter)), taskFilter({})];
    let queries = 0;
    let pastValued = 0;
    for (const [i, step] of randomSteps(random, 4000, 150).entries()) {
      if (step.kind === 'settle') state.settle(step.event, step.settlement);
      else state.apply(step.event, step.at);
      if (i % 8 !== 0) continue;
      const roll = random();
      const filter = roll < 0.3 ? (filters[Math.floor(random() * filters.length)] as TaskFilter) : roll < 0.45 ? boundAtTask(state, random) : randomFilter(random);
      const key = ORDER_FIELDS[Math.floor(random() * ORDER_FIELDS.length)] as (typeof ORDER_FIELDS)[number];
      const order = random() < 0.5 ? 'asc' : 'desc';
      // A cursor chain: it crosses from the tasks with the value into those without.
      const limit = 1 + Math.floor(random() * 12);
      let cursor: string | null = null;
      for (let p = 0; p < 10; p++) {
        const page = compare(state, { filter, sort: { key, order }, page: { kind: 'cursor', cursor, limit } }, plan);
        queries++;
        if (page.ok && page.tasks.some((t) => t.runtime === null && key === 'runtime')) pastValued++;
        if (!page.ok || page.nextCursor === null) break;
        cursor = page.nextCursor;
      }
    }
    expect(queries).toBeGreaterThan(500);
    expect(pastValued).toBeGreaterThan(20);
    expect(state.evicted).toBeGreaterThan(100);
  });

  it('gives up a walk whose matches all lack the value (failures by succeeded time) and sorts the candidates instead, with the same pages', () => {
    const state = new ClusterState({ maxTasks: 20_000, purgeOfflineAfter: 3600 });
    const event = (body: JsonObject) => decodeEventBody({ hostname: 'celery@w1', utcoffset: 0, pid: 1, clock: 1, ...body }).events[0] as CeleryEvent;
    for (let i = 0; i < 10_000; i++) {
      const uuid = `t${i}`;
      const t = 1_790_000_000 + i;
      state.apply(event({ type: 'task-received', uuid, name: 'tasks.add', timestamp: t }), t);
      state.apply(event({ type: 'task-started', uuid, timestamp: t + 0.1 }), t);
      if (i % 5 === 0) state.apply(event({ type: 'task-failed', uuid, exception: 'E()', traceback: '', timestamp: t + 0.5 }), t);
      else state.apply(event({ type: 'task-succeeded', uuid, result: '1', runtime: 0.4, timestamp: t + 0.5 }), t);
    }
    const failures = taskFilter({ states: ['FAILURE'] });
    for (const order of ['asc', 'desc'] as const) {
      let cursor: string | null = null;
      for (let p = 0; p < 3; p++) {
        const page = compare(state, { filter: failures, sort: { key: 'succeeded', order }, page: { kind: 'cursor', cursor, limit: 20 } }, 'auto');
        expect(page.ok && page.tasks.every((t) => t.state === 'FAILURE')).toBe(true);
        cursor = page.ok ? page.nextCursor : null;
      }
    }
  });

  it('refuses the cursors the reference refuses, and leaves other sorts and offset pages to it', () => {
    const state = new ClusterState({ maxTasks: 10, purgeOfflineAfter: 3600 });
    for (const step of randomSteps(seeded(7), 200, 20)) if (step.kind === 'event') state.apply(step.event, step.at);
    const filter = taskFilter({});
    const arrivalCursor = referencePage(state, { filter, sort: { key: 'arrival', order: 'asc' }, page: { kind: 'cursor', cursor: null, limit: 2 } });
    const other = arrivalCursor.ok ? arrivalCursor.nextCursor : null;
    for (const cursor of ['nope', other, Buffer.from(JSON.stringify({ e: 'other', s: 'runtime', o: 'asc', f: 'x', v: 1, q: 1 })).toString('base64url')]) {
      compare(state, { filter, sort: { key: 'runtime', order: 'asc' }, page: { kind: 'cursor', cursor, limit: 5 } }, 'walk');
    }
    expect(sortedPage(state.index, state.taskCount, EPOCH, { filter, sort: { key: 'arrival', order: 'asc' }, page: { kind: 'cursor', cursor: null, limit: 5 } })).toBeNull();
    expect(sortedPage(state.index, state.taskCount, EPOCH, { filter, sort: { key: 'runtime', order: 'asc' }, page: { kind: 'offset', offset: 0, limit: 5 } })).toBeNull();
  });
});
