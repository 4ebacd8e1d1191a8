/**
 * The shared filter cases (test/fixtures/task-filter-cases.ts) on the server: every reader of a task
 * filter (/api/v1/tasks, bulk selection, Flower's /api/tasks, the push feed) gives the table's answer
 * over tasks the model built from their events. components/tasks/task-query.test.ts runs the same table
 * through the browser's live matcher.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { TaskPage } from '@/lib/api/tasks';
import { CASES, type CaseFilter, TASKS } from '@/test/fixtures/task-filter-cases';
import { StreamedJsonObject } from '../../http/streamed-json';
import { getTasks } from '../flower-read';
import { pushedRow } from '../../push/pushed-records';
import { parseSubscribeRequest } from '../../push/subscription-request';
import { TaskListFeed } from '../../push/task-list-feed';
import { bulkShape, selectTasks } from './bulk-select';
import { queryFields } from './task-filter';
import { listTasks } from './task-query';
import { _emptyState, _taskEvent, _allTasks } from './task-test-events';

function model() {
  const state = _emptyState();
  for (const task of TASKS) {
    for (const e of task.events) state.apply(_taskEvent(e.type, task.uuid, e.timestamp, e.fields, e.hostname), e.timestamp + 0.01);
  }
  return state;
}

const state = model();
const inTableOrder = (ids: Iterable<string>): string[] => {
  const found = new Set(ids);
  return TASKS.map((t) => t.uuid).filter((uuid) => found.has(uuid));
};

function v1Params(filter: CaseFilter): URLSearchParams {
  const params = new URLSearchParams();
  for (const s of filter.states ?? []) params.append('state', s);
  if (filter.name !== undefined) params.set('name', filter.name);
  if (filter.worker !== undefined) params.set('worker', filter.worker);
  if (filter.queue !== undefined) params.set('queue', filter.queue);
  if (filter.receivedAfter !== undefined) params.set('received_after', String(filter.receivedAfter));
  if (filter.receivedBefore !== undefined) params.set('received_before', String(filter.receivedBefore));
  return params;
}

/** Flower's /api/tasks and the push topic take one state, name and worker, and no queue or v1 time. */
const oneValueFilter = (f: CaseFilter): boolean =>
  (f.states?.length ?? 0) <= 1 && f.queue === undefined && f.receivedAfter === undefined && f.receivedBefore === undefined;

describe('the shared task filter cases, on the server', () => {
  it('describes each task as the server pushes it after its events', async () => {
    for (const task of TASKS) {
      const record = state.task(task.uuid);
      expect(record, task.uuid).toBeDefined();
      if (record) expect(pushedRow(record)).toMatchObject(task.pushed);
    }
  });

  it.each(CASES)('GET /api/v1/tasks: $title', async ({ filter, matches }) => {
    const { status, body } = await listTasks(state, v1Params(filter));
    expect(status).toBe(200);
    expect(inTableOrder((body as TaskPage).tasks.map((t) => t.uuid))).toEqual(matches);
    expect((body as TaskPage).total_matching).toBe(matches.length);
  });

  it.each(CASES.filter((c) => Object.keys(c.filter).length > 0))('bulk selection: $title', async ({ filter, matches }) => {
    const input = z.object(bulkShape).parse(queryFields(v1Params(filter)));
    const selected = selectTasks(state, input);
    expect(selected.ok && inTableOrder(selected.ids)).toEqual(matches);
  });

  it.each(CASES.filter((c) => oneValueFilter(c.filter)))("Flower's GET /api/tasks: $title", async ({ filter, matches }) => {
    const params = new URLSearchParams();
    if (filter.states?.[0] !== undefined) params.set('state', filter.states[0]);
    if (filter.name !== undefined) params.set('taskname', filter.name);
    if (filter.worker !== undefined) params.set('workername', filter.worker);
    const { status, body } = (await getTasks(state, params));
    expect(status).toBe(200);
    if (!(body instanceof StreamedJsonObject)) throw new Error('expected a streamed map of tasks');
    expect(inTableOrder([...body.entries()].map(([uuid]) => uuid))).toEqual(matches);
  });

  it.each(CASES.filter((c) => oneValueFilter(c.filter)))('the push task-list feed: $title', async ({ filter, matches }) => {
    const request = parseSubscribeRequest({ topic: 'tasks', state: filter.states?.[0], name: filter.name, worker: filter.worker });
    if (!request.ok || request.value.topic !== 'tasks') throw new Error(JSON.stringify(request));
    const feed = new TaskListFeed(request.value.filter, request.value.limit);
    expect(inTableOrder([..._allTasks(state)].filter((t) => feed.matches(t)).map((t) => t.uuid))).toEqual(matches);
  });
});
