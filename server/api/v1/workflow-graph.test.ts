import { describe, expect, it } from 'vitest';
import { retrySentEvent } from '../../retry/retry-link';
import { retryOf } from '../../state/task-links';
import { _addTask, _emptyState } from './task-test-events';
import { workflowOf } from './workflow-graph';

const T0 = 1_790_000_000;

function cluster() {
  const state = _emptyState();
  // A chain a -> b -> c whose first step also fanned out d and e; c failed and Pollen retried it as r.
  _addTask(state, 'a', T0, { name: 'tasks.first' });
  _addTask(state, 'b', T0 + 1, { parent: 'a', root: 'a' });
  _addTask(state, 'c', T0 + 2, { parent: 'b', root: 'a', state: 'FAILURE', name: 'tasks.fail' });
  _addTask(state, 'd', T0 + 3, { parent: 'a', root: 'a' });
  _addTask(state, 'e', T0 + 4, { parent: 'a', root: 'a' });
  const sent = retrySentEvent({ id: 'r', original: 'c', name: 'tasks.fail', argsrepr: '()', kwargsrepr: '{}', queue: 'celery', hostname: 'gen1@pollen', timestamp: T0 + 10 });
  state.apply(sent, T0 + 10);
  _addTask(state, 'r', T0 + 11, { name: 'tasks.fail' });
  _addTask(state, 'lonely', T0 + 20);
  return state;
}

const edges = (graph: ReturnType<typeof workflowOf>) => graph?.edges.map((e) => `${e.from}-${e.kind}->${e.to}`).sort();

describe('the workflow graph', () => {
  it('records a retry link from the task-sent event Pollen sends with a retry', () => {
    const state = cluster();
    expect(retryOf(state.task('r') as never)).toBe('c');
    expect(state.task('r')).toMatchObject({ state: 'SUCCESS', sender: 'gen1@pollen', queue: 'celery', name: 'tasks.fail' });
  });

  it('walks from a retry up to the root, through the task it retries, and shows the whole tree', () => {
    const state = cluster();
    const graph = workflowOf(state, 'r', state);
    expect(graph?.root).toBe('a');
    expect(graph?.truncated).toBe(false);
    expect(graph?.nodes.map((n) => n.id).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'r']);
    expect(graph?.nodes.find((n) => n.id === 'c')).toEqual({ id: 'c', name: 'tasks.fail', state: 'FAILURE', known: true, retries: 0 });
    expect(edges(graph)).toEqual(['a-child->b', 'a-child->d', 'a-child->e', 'b-child->c', 'c-retry->r']);
    expect(edges(workflowOf(state, 'd', state))).toEqual(edges(graph));
  });

  it('is one node for a task alone, and null for a task Pollen does not hold', () => {
    const state = cluster();
    expect(workflowOf(state, 'lonely', state)).toEqual({
      root: 'lonely', nodes: [{ id: 'lonely', name: 'tasks.add', state: 'SUCCESS', known: true, retries: 0 }], edges: [], truncated: false,
    });
    expect(workflowOf(state, 'nope', state)).toBeNull();
  });

  it('shows a parent Pollen does not hold as an unknown root', () => {
    const state = _emptyState();
    _addTask(state, 'child', T0, { parent: 'gone', root: 'gone' });
    const graph = workflowOf(state, 'child', state);
    expect(graph).toMatchObject({ root: 'gone', edges: [{ from: 'gone', to: 'child', kind: 'child' }] });
    expect(graph?.nodes.find((n) => n.id === 'gone')).toEqual({ id: 'gone', name: null, state: null, known: false, retries: 0 });
  });

  it('is cut past its bound, keeping the path from the root to the task', () => {
    const state = _emptyState();
    _addTask(state, 'root', T0);
    for (let i = 0; i < 50; i++) _addTask(state, `c${i}`, T0 + 1 + i, { parent: 'root', root: 'root' });
    const graph = workflowOf(state, 'c49', state, 10);
    expect(graph?.truncated).toBe(true);
    expect(graph?.nodes).toHaveLength(10);
    expect(graph?.nodes.map((n) => n.id)).toContain('c49');
  });

  it('survives a loop of parent ids', () => {
    const state = _emptyState();
    _addTask(state, 'x', T0, { parent: 'y' });
    _addTask(state, 'y', T0 + 1, { parent: 'x' });
    const graph = workflowOf(state, 'x', state);
    expect(graph?.nodes.map((n) => n.id).sort()).toEqual(['x', 'y']);
  });

  it("draws a client's chord from its group: the group above its header tasks, the body after every one of them", () => {
    const state = _emptyState();
    for (const [i, h] of ['h1', 'h2', 'h3'].entries()) _addTask(state, h, T0 + i * 0.01, { name: 'tasks.add' });
    // h2 sent a task of its own while it ran (stored among its children); h3 finished last and sent the body.
    _addTask(state, 'sub', T0 + 0.1, { parent: 'h2', root: 'h2' });
    _addTask(state, 'body', T0 + 1, { parent: 'h3', root: 'h3', name: 'tasks.tsum' });
    const group = { id: 'g', members: ['h1', 'h2', 'h3'], storedChildren: new Map([['h1', new Set<string>()], ['h2', new Set(['sub'])], ['h3', new Set<string>()]]) };
    const links = state;
    for (const from of ['body', 'h1']) {
      const graph = workflowOf(state, from, links, undefined, group);
      expect(graph?.root).toBe('g');
      expect(graph?.nodes.find((n) => n.id === 'g')).toMatchObject({ kind: 'group' });
      expect(edges(graph)).toEqual(['g-group->h1', 'g-group->h2', 'g-group->h3', 'h1-chord->body', 'h2-child->sub', 'h2-chord->body', 'h3-chord->body']);
    }
    // Without its group (no backend), the events alone: the body hangs from the last header task only.
    expect(edges(workflowOf(state, 'body', links))).toEqual(['h3-child->body']);
  });
});
