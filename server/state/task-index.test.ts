import { describe, expect, it } from 'vitest';
import { seeded } from '../metrics/test-random';
import { ClusterState } from './cluster-state';
import { randomSteps } from './random-task-events';
import { ORDER_FIELDS, orderValue, TASK_KEY_FIELDS, type TaskKeyField } from './task-index';
import type { TaskRecord } from './task-record';

function recount(state: ClusterState, field: TaskKeyField): Map<string, number> {
  const counts = new Map<string, number>();
  for (const task of state.taskValues()) {
    const key = task[field];
    if (key !== null && key !== '') counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function liveIds(list: { length: number; at(i: number): TaskRecord; isLive(t: TaskRecord): boolean } | undefined): string[] {
  const ids: string[] = [];
  if (list === undefined) return ids;
  for (let i = 0; i < list.length; i++) if (list.isLive(list.at(i))) ids.push(list.at(i).uuid);
  return ids;
}

describe('the kept task index', () => {
  it.each([1, 2, 3, 4])('agrees with a full recount after every event (seed %i)', (seed) => {
    const state = new ClusterState({ maxTasks: 40, purgeOfflineAfter: 3600 });
    for (const step of randomSteps(seeded(seed), 3000, 90)) {
      if (step.kind === 'settle') state.settle(step.event, step.settlement);
      else state.apply(step.event, step.at);
      for (const field of TASK_KEY_FIELDS) expect(new Map(state.index.counts(field))).toEqual(recount(state, field));
    }
    expect(state.evicted).toBeGreaterThan(100);
  });

  it.each([5, 6])('keeps every key in arrival order, each held task once (seed %i)', (seed) => {
    const state = new ClusterState({ maxTasks: 40, purgeOfflineAfter: 3600 });
    for (const step of randomSteps(seeded(seed), 3000, 90)) {
      if (step.kind === 'settle') state.settle(step.event, step.settlement);
      else state.apply(step.event, step.at);
      const held = [...state.taskValues()];
      expect(liveIds(state.index.all)).toEqual(held.map((t) => t.uuid));
      for (const field of TASK_KEY_FIELDS) {
        for (const key of new Set(held.map((t) => t[field]))) {
          if (key === null || key === '') continue;
          expect(liveIds(state.index.list(field, key))).toEqual(held.filter((t) => t[field] === key).map((t) => t.uuid));
        }
      }
    }
  });

  it.each([7, 8])('keeps the received, started, succeeded and runtime orders exact: each held task with a value, once, by (value, arrival) (seed %i)', (seed) => {
    const state = new ClusterState({ maxTasks: 40, purgeOfflineAfter: 3600 });
    let suspect = 0;
    for (const step of randomSteps(seeded(seed), 3000, 90)) {
      if (step.kind === 'settle') state.settle(step.event, step.settlement);
      else state.apply(step.event, step.at);
      const held = [...state.taskValues()];
      suspect += held.filter((t) => t.clockSkew !== null).length;
      for (const field of ORDER_FIELDS) {
        const order = state.index.sortedBy(field);
        const kept: [string, number][] = [];
        order.walk(order.start(), order.end(), true, (task, value) => (kept.push([task.uuid, value]), true));
        const expected = held
          .filter((t) => orderValue(t, field) !== null)
          .sort((a, b) => (orderValue(a, field) as number) - (orderValue(b, field) as number) || a.seq - b.seq)
          .map((t): [string, number] => [t.uuid, orderValue(t, field) as number]);
        expect(kept).toEqual(expected);
      }
    }
    expect(suspect).toBeGreaterThan(0);
  });

  it('compacts stale entries away', () => {
    const state = new ClusterState({ maxTasks: 100, purgeOfflineAfter: 3600 });
    for (const step of randomSteps(seeded(9), 20_000, 100_000)) {
      if (step.kind === 'settle') state.settle(step.event, step.settlement);
      else state.apply(step.event, step.at);
    }
    expect(state.index.all.length).toBeLessThan(100 * 2 + 1100);
  });
});
