import { describe, expect, it } from 'vitest';
import { seeded } from '../metrics/test-random';
import { ClusterState } from './cluster-state';
import { randomSteps } from './random-task-events';
import { ORDER_FIELDS, orderValue, TASK_KEY_FIELDS, type TaskKeyField } from './task-index';
import type { TaskRecord } from './task-record';
import { addTaskText, SIGNATURE_WORDS } from '@/lib/search/search-signature';

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

/** The orders, as pages read them, against a sort of the held tasks. */
function expectOrdersExact(state: ClusterState): void {
  const held = [...state.taskValues()];
  for (const field of ORDER_FIELDS) {
    const order = state.index.sortedBy(field);
    if (order === null) throw new Error('a small model builds its orders at once');
    const kept: [string, number][] = [];
    order.walk(order.start(), order.end(), true, (task, value) => (kept.push([task.uuid, value]), true));
    const expected = held
      .filter((t) => orderValue(t, field) !== null)
      .sort((a, b) => (orderValue(a, field) as number) - (orderValue(b, field) as number) || a.seq - b.seq)
      .map((t): [string, number] => [t.uuid, orderValue(t, field) as number]);
    expect(kept).toEqual(expected);
  }
}

/** Every key's list, as pages read it, against a filter of the held tasks. */
function expectListsExact(state: ClusterState): void {
  const held = [...state.taskValues()];
  for (const field of TASK_KEY_FIELDS) {
    for (const key of new Set(held.map((t) => t[field]))) {
      if (key === null || key === '') continue;
      expect(liveIds(state.index.list(field, key) ?? undefined)).toEqual(held.filter((t) => t[field] === key).map((t) => t.uuid));
    }
  }
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
      expect(liveIds(state.index.all)).toEqual([...state.taskValues()].map((t) => t.uuid));
      expectListsExact(state);
    }
  });

  it.each([7, 8])('keeps the received, started, succeeded and runtime orders exact: each held task with a value, once, by (value, arrival) (seed %i)', (seed) => {
    const state = new ClusterState({ maxTasks: 40, purgeOfflineAfter: 3600 });
    let suspect = 0;
    for (const step of randomSteps(seeded(seed), 3000, 90)) {
      if (step.kind === 'settle') state.settle(step.event, step.settlement);
      else state.apply(step.event, step.at);
      suspect += [...state.taskValues()].filter((t) => t.clockSkew !== null).length;
      expectOrdersExact(state);
    }
    expect(suspect).toBeGreaterThan(0);
  });

  it('builds the orders and key lists when first read, keeps them while read, and stops keeping them once unread for five minutes', () => {
    const state = new ClusterState({ maxTasks: 60, purgeOfflineAfter: 1e9 });
    const steps = randomSteps(seeded(11), 4000, 120);
    const run = (from: number, to: number): void => {
      for (const step of steps.slice(from, to)) {
        if (step.kind === 'settle') state.settle(step.event, step.settlement);
        else state.apply(step.event, step.at);
      }
    };
    // Ingest alone keeps neither.
    run(0, 1000);
    expect(state.index.ordersKept).toBe(false);
    expect(state.index.listsKept('state')).toBe(false);
    // Built from the held tasks at the first read, then kept through every change that follows.
    expectOrdersExact(state);
    expectListsExact(state);
    expect(state.index.ordersKept).toBe(true);
    run(1000, 2000);
    expectOrdersExact(state);
    expectListsExact(state);
    // A sweep notes the read; unread for under five minutes they stay, past five they go.
    state.sweep(1_000);
    state.sweep(1_200);
    expect(state.index.ordersKept).toBe(true);
    state.sweep(1_400);
    expect(state.index.ordersKept).toBe(false);
    expect(state.index.listsKept('name')).toBe(false);
    // Ingest goes on without them; the next read builds them again, exact.
    run(2000, 4000);
    expect(state.index.ordersKept).toBe(false);
    expectOrdersExact(state);
    expectListsExact(state);
  });

  it('gives every held task the search signature of its text now, worked out at the read after the text changed', () => {
    const state = new ClusterState({ maxTasks: 50, purgeOfflineAfter: 3600 });
    const steps = randomSteps(seeded(12), 3000, 120);
    steps.forEach((step, n) => {
      if (step.kind === 'settle') state.settle(step.event, step.settlement);
      else state.apply(step.event, step.at);
      if (n % 37 !== 0) return;
      const { signatures } = state.index.signatures();
      for (const task of state.taskValues()) {
        const fresh = new Int32Array(SIGNATURE_WORDS);
        addTaskText(fresh, 0, task);
        expect([...signatures.subarray(task.slot * SIGNATURE_WORDS, (task.slot + 1) * SIGNATURE_WORDS)]).toEqual([...fresh]);
      }
    });
  });

  it('builds a big model\'s orders and lists in slices between events, ingest going on, and ends exact', async () => {
    const state = new ClusterState({ maxTasks: 300, purgeOfflineAfter: 1e9, indexPace: { syncLimit: 50, sliceSize: 20 } });
    const steps = randomSteps(seeded(13), 6000, 400);
    let next = 0;
    const run = (count: number): void => {
      for (const step of steps.slice(next, next + count)) {
        if (step.kind === 'settle') state.settle(step.event, step.settlement);
        else state.apply(step.event, step.at);
      }
      next += count;
    };
    run(3000);
    expect(state.taskCount).toBeGreaterThan(50);
    // The first reads start the builds and get nothing yet; readers meanwhile take the paths without them.
    expect(state.index.orders).toBeNull();
    expect(state.index.list('state', 'SUCCESS')).toBeNull();
    let slices = 0;
    while (state.index.orders === null || !state.index.listsKept('state')) {
      run(40);
      await new Promise((resolve) => setImmediate(resolve));
      slices++;
    }
    expect(slices).toBeGreaterThan(3);
    expectOrdersExact(state);
    expect(liveIds(state.index.all)).toEqual([...state.taskValues()].map((t) => t.uuid));
    for (const key of new Set([...state.taskValues()].map((t) => t.state))) {
      expect(liveIds(state.index.list('state', key) ?? undefined)).toEqual([...state.taskValues()].filter((t) => t.state === key).map((t) => t.uuid));
    }
    run(1000);
    expectOrdersExact(state);
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
