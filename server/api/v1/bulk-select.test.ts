import { describe, expect, it } from 'vitest';
import { badRequest } from '../api-error';
import { MAX_BULK, selectTasks } from './bulk-select';
import { _addTask, _emptyState } from './task-test-events';
import { bulkRetryBody } from './task-retry';

const T0 = 1_790_000_000;

function select(state: ReturnType<typeof _emptyState>, body: unknown) {
  const parsed = bulkRetryBody.safeParse(body);
  if (!parsed.success) return badRequest(parsed.error);
  const { dry_run: _dry, to_queue: _q, priority: _p, force: _f, ...selection } = parsed.data;
  const selected = selectTasks(state, selection);
  return selected.ok ? { status: 200, body: selected.ids } : selected.response;
}

describe('what a bulk action selects', () => {
  const state = _emptyState();
  for (let i = 0; i < 5; i++) _addTask(state, `t${i}`, T0 + i, { state: i % 2 === 0 ? 'FAILURE' : 'SUCCESS' });

  it('takes the tasks the filters match, in arrival order, or the ids given, once each', () => {
    expect(select(state, { state: 'FAILURE' })).toEqual({ status: 200, body: ['t0', 't2', 't4'] });
    expect(select(state, { ids: ['x', 't1', 'x'] })).toEqual({ status: 200, body: ['x', 't1'] });
  });

  it('keeps the filter on queues apart from the queue a retry goes to', () => {
    expect(bulkRetryBody.parse({ queue: 'a,b', to_queue: 'c' })).toMatchObject({ queue: ['a', 'b'], to_queue: 'c' });
  });

  it.each<[string, unknown, string]>([
    ['no criterion', {}, 'request: give ids or at least one filter'],
    ['an empty search', { dry_run: true, search: '  ' }, 'request: give ids or at least one filter'],
    ['ids and filters', { ids: ['t1'], state: 'FAILURE' }, 'ids: give either ids or filters, not both (got state)'],
    ['no ids', { ids: [] }, 'ids: must not be empty'],
    ['too many ids', { ids: Array.from({ length: MAX_BULK + 1 }, (_, i) => `id${i}`) }, `ids: at most ${MAX_BULK} ids per request`],
    ['a misspelt filter', { states: 'FAILURE' }, 'Unrecognized key: "states"'],
    ['a search that does not parse', { state: 'FAILURE', search: 'name:(' }, 'search: '],
    ['a body that is not an object', [1, 2], 'request: '],
  ])('refuses %s with 400', (_, body, message) => {
    const response = select(state, body);
    expect(response.status).toBe(400);
    expect((response.body as { error: string }).error).toContain(message);
  });

  it(`refuses filters that match more than ${MAX_BULK} tasks, saying how many`, () => {
    const big = _emptyState();
    for (let i = 0; i <= MAX_BULK; i++) _addTask(big, `b${i}`, T0 + i, { state: 'FAILURE' });
    const response = select(big, { state: 'FAILURE' });
    expect(response.status).toBe(400);
    expect((response.body as { error: string }).error).toBe(
      `request: the filters match ${MAX_BULK + 1} tasks, more than the ${MAX_BULK} allowed per request; narrow them (received_before, name, ...) or pass ids`,
    );
  });
});
