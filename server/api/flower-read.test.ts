import { describe, expect, it } from 'vitest';
import { type CeleryEvent, decodeEventBody } from '@/lib/celery';
import { flatEvents } from '@/test/fixtures/celery-5.2/captures';
import { MemoryTaskStore } from '../store/memory-task-store';
import { type ApiResponse } from './api-error';
import { StreamedJsonObject } from '../http/streamed-json';
import { getTaskInfo, getTasks as getTasksStreamed, getTaskTypes, getWorkers } from './flower-read';
import { _allTasks } from './v1/task-test-events';

/** GET /api/tasks with its streamed map read into an object, as a client parses it. */
async function getTasks(state: MemoryTaskStore, query: URLSearchParams): Promise<ApiResponse> {
  const response = await getTasksStreamed(state, query);
  return response.body instanceof StreamedJsonObject ? { ...response, body: Object.fromEntries(response.body.entries()) } : response;
}

function capturedState(): { state: MemoryTaskStore; end: number } {
  const state = new MemoryTaskStore({ maxTasks: 1000, purgeOfflineAfter: 3600 });
  let end = 0;
  for (const f of flatEvents('redis')) {
    state.apply(decodeEventBody(f.event).events[0] as CeleryEvent, f.t);
    end = f.t;
  }
  return { state, end };
}

const q = (params: Record<string, string> = {}) => new URLSearchParams(params);

describe('GET /api/tasks', () => {
  const { state } = capturedState();

  it('returns an ordered map of uuid to Flower task dicts, newest first', async () => {
    const { status, body } = (await getTasks(state, q()));
    expect(status).toBe(200);
    const tasks = Object.values(body as Record<string, Record<string, unknown>>);
    expect(tasks.length).toBe(state.taskCount);
    const timestamps = tasks.map((t) => t['timestamp'] as number);
    expect(timestamps).toEqual([...timestamps].sort((a, b) => b - a));
    const add = tasks.find((t) => t['args'] === '(2, 3)');
    expect(add).toMatchObject({ name: 'tasks.add', state: 'SUCCESS', result: '5', worker: 'prefork@proto', kwargs: '{}', retries: 0, children: [] });
    for (const key of ['uuid', 'received', 'sent', 'started', 'succeeded', 'runtime', 'traceback', 'routing_key', 'client', 'root_id', 'parent_id', 'clock', 'exception']) {
      expect(add).toHaveProperty(key);
    }
  });

  it('filters by state, task name and worker, and pages with limit and offset', async () => {
    const failed = Object.values((await getTasks(state, q({ state: 'FAILURE' }))).body as object) as { state: string }[];
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((t) => t.state === 'FAILURE')).toBe(true);
    const adds = Object.values((await getTasks(state, q({ taskname: 'tasks.add', workername: 'solo@proto' }))).body as object) as { name: string; worker: string }[];
    expect(adds.length).toBeGreaterThan(0);
    expect(adds.every((t) => t.name === 'tasks.add' && t.worker === 'solo@proto')).toBe(true);
    expect(Object.keys((await getTasks(state, q({ state: 'All' }))).body as object)).toHaveLength(state.taskCount);
    const all = Object.keys((await getTasks(state, q())).body as object);
    expect(Object.keys((await getTasks(state, q({ limit: '3', offset: '2' }))).body as object)).toEqual(all.slice(2, 5));
  });

  it('sorts by name, ascending or descending', async () => {
    const names = Object.values((await getTasks(state, q({ sort_by: '-name' }))).body as object).map((t: { name: string | null }) => t.name ?? '');
    expect(names).toEqual([...names].sort().reverse());
  });

  it('lists a chain step among its parent children', async () => {
    const tasks = Object.values((await getTasks(state, q())).body as object) as { uuid: string; args: string; children: string[] }[];
    const first = tasks.find((t) => t.args === '(1, 2)');
    const second = tasks.find((t) => t.args === '(3, 3)');
    expect(first?.children).toContain(second?.uuid);
  });

  it('filters by search, in Flower\'s query language, together with the other filters', async () => {
    const found = async (params: Record<string, string>) => {
      const { status, body } = (await getTasks(state, q(params)));
      expect(status).toBe(200);
      return Object.values(body as object) as { name: string; state: string; worker: string; args: string; exception: string | null }[];
    };
    const adds = (await found({ search: 'name:tasks.add state:success' }));
    expect(adds.length).toBe([..._allTasks(state)].filter((t) => t.name === 'tasks.add' && t.state === 'SUCCESS').length);
    expect(adds.length).toBeLessThan(state.taskCount);
    expect((await found({ search: 'kwargs:"k=[1, 2]"' })).map((t) => t.name)).toEqual(['tasks.echo']);
    expect((await found({ search: 'result:boom' })).map((t) => t.exception)).toEqual(["ValueError('boom')"]);
    expect((await found({ search: 'boom' })).map((t) => t.args).sort()).toEqual(["('boom',)", "('solo boom',)"]);
    expect((await found({ search: 'boom', workername: 'solo@proto' })).map((t) => t.args)).toEqual(["('solo boom',)"]);
    expect((await found({ search: 'tasks.echo OR args:"(10, 10)"', sort_by: 'name' })).map((t) => t.name)).toEqual(['tasks.add', 'tasks.echo']);
    expect((await found({ search: '   ' }))).toHaveLength(state.taskCount);
    // A qualified term needs one character, not Flower's 3: short numbers and ids are normal there.
    expect((await found({ search: 'args:3' })).map((t) => t.args).sort()).toEqual(['(2, 3)', '(3, 3)', '(30,)']);
  });

  it('answers a search that does not parse with its code and the position of the fault', async () => {
    expect((await getTasks(state, q({ search: 'name:tasks.add 10' })))).toEqual({
      status: 400,
      body: {
        error: "search: Unqualified search terms need at least 3 characters: '10'. To search for a short value, qualify it: args:10 (or name:, worker:, kwargs:, result:) at position 15",
        code: 'invalid_search',
        position: 15,
      },
    });
  });

  it.each([
    [{ limit: 'ten' }, 'limit: expected a number'],
    [{ offset: '-1' }, 'offset: must not be negative'],
    [{ sort_by: 'runtime' }, 'sort_by: expected one of name, state, received, started'],
    [{ received_start: '2026-11-21' }, "received_start: expected 'YYYY-MM-DD HH:MM'"],
    [{ search: 'name:"tasks.add' }, 'search: Unterminated quoted phrase: this " has no closing quote at position 5'],
    [{ search: '(state:FAILURE' }, "search: Missing ')'"],
  ])('answers %j with 400 naming the parameter', async (params, message) => {
    const { status, body } = (await getTasks(state, q(params)));
    expect(status).toBe(400);
    expect((body as { error: string }).error).toContain(message);
  });
});

describe('GET /api/task/info/:id and /api/workers', () => {
  const { state, end } = capturedState();

  it('returns one task, or 404', async () => {
    const id = [..._allTasks(state)].find((t) => t.name === 'tasks.flaky')?.uuid ?? '';
    expect((await getTaskInfo(state, id))).toMatchObject({ status: 200, body: { uuid: id, state: 'SUCCESS', retries: 1 } });
    expect((await getTaskInfo(state, 'nope'))).toEqual({ status: 404, body: { error: "Unknown task 'nope'" } });
  });

  it('answers status=true with {name: alive}', async () => {
    expect((await getWorkers(state, null, q({ status: 'true' }), end * 1000)).body).toEqual({ 'prefork@proto': false, 'solo@proto': false });
    const beforeShutdown = flatEvents('redis').find((f) => f.event['type'] === 'worker-heartbeat')?.t ?? 0;
    expect(((await getWorkers(state, null, q(), end * 1000)).body as Record<string, { sw_ident: string }>)['solo@proto']?.sw_ident).toBe('py-celery');
    expect(beforeShutdown).toBeGreaterThan(0);
  });

  it("gives each worker Flower's task counters, under the names of Flower's worker rows", async () => {
    const body = (await getWorkers(state, null, q(), end * 1000)).body as Record<string, Record<string, unknown>>;
    const counters = state.worker('prefork@proto')?.taskEvents;
    expect(counters?.succeeded).toBeGreaterThan(0);
    expect(body['prefork@proto']).toMatchObject({ 'task-succeeded': counters?.succeeded, 'task-failed': counters?.failed, 'task-retried': counters?.retried });
  });

  it('lists the task types seen, sorted', async () => {
    const types = (getTaskTypes(state).body as { 'task-types': string[] })['task-types'];
    expect(types).toContain('tasks.add');
    expect(types).toContain('tasks.flaky');
    expect(types).toEqual([...types].sort());
  });

  it('404s an unknown workername and 400s a bad flag', async () => {
    expect(await getWorkers(state, null, q({ workername: 'x@y' }), end * 1000)).toEqual({ status: 404, body: { error: "Unknown worker 'x@y'" } });
    expect((await getWorkers(state, null, q({ status: 'maybe' }), end * 1000)).status).toBe(400);
  });
});
