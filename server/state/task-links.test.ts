import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CeleryEvent, decodeEventBody, type JsonObject } from '@/lib/celery';
import { ClusterState } from './cluster-state';
import { RETRY_OF, retryOf } from './task-links';

let clock = 1_795_268_172;

/** One event as it comes off the wire (decoded from JSON), about task `uuid`. */
function event(type: 'task-sent' | 'task-received' | 'task-succeeded', uuid: string, fields: JsonObject = {}): CeleryEvent {
  const decoded = decodeEventBody({ type, uuid, hostname: 'celery@w1', timestamp: clock++, utcoffset: 0, pid: 1, clock: 1, ...fields });
  if (decoded.events.length !== 1) throw new Error(JSON.stringify(decoded.errors));
  return decoded.events[0] as CeleryEvent;
}

const sent = (uuid: string, parent: string | null = null, extra: JsonObject = {}) => event('task-sent', uuid, { name: 'tasks.step', parent_id: parent, root_id: parent ?? uuid, ...extra });
const done = (uuid: string) => event('task-succeeded', uuid, { result: 'None', runtime: 0.1 });

function stateOf(maxTasks: number, ...events: CeleryEvent[]): ClusterState {
  const state = new ClusterState({ maxTasks, purgeOfflineAfter: 3600 });
  for (const e of events) state.apply(e, clock);
  return state;
}

/** What a walk over the held tasks finds: the links as task-json.ts computed them before the index. */
function scanned(state: ClusterState, id: string): { children: string[]; retries: string[] } {
  const children: string[] = [];
  const retries: string[] = [];
  for (const task of state.taskValues()) {
    if (task.parentId === id && task.uuid !== id) children.push(task.uuid);
    if (retryOf(task) === id && task.uuid !== id) retries.push(task.uuid);
  }
  return { children, retries };
}

describe('the task link indexes', () => {
  it('list a parent its children and an original its retries, in arrival order', () => {
    const state = stateOf(100, sent('p'), sent('a', 'p'), sent('r', null, { [RETRY_OF]: 'p' }), sent('b', 'p'), event('task-received', 'a', { name: 'tasks.step', parent_id: 'p' }));
    expect(state.childrenOf('p')).toEqual(['a', 'b']);
    expect(state.retriedAs('p')).toEqual(['r']);
    expect(state.childrenOf('a')).toEqual([]);
    expect(state.retriedAs('nope')).toEqual([]);
  });

  it('drop an evicted child, and keep its siblings', () => {
    // p and b wait; a finished first, so it is the one a new task evicts.
    const state = stateOf(3, sent('p'), sent('a', 'p'), done('a'), sent('b', 'p'), sent('x'));
    expect(state.task('a') !== undefined).toBe(false);
    expect(state.childrenOf('p')).toEqual(['b']);
    expect(state.childrenOf('p')).toEqual(scanned(state, 'p').children);
  });

  it("keep an evicted parent's children under its id, listed again when it comes back", () => {
    const state = stateOf(4, sent('p'), done('p'), sent('a', 'p'), sent('b', 'p'), sent('x'), sent('y'));
    expect(state.task('p') !== undefined).toBe(false);
    expect(state.childrenOf('p')).toEqual(['a', 'b']);
    // p comes back (a late event); the oldest waiting task (a) makes room.
    state.apply(done('p'), clock);
    expect(state.task('p') !== undefined).toBe(true);
    expect(state.task('a') !== undefined).toBe(false);
    expect(state.childrenOf('p')).toEqual(['b']);
    expect(state.childrenOf('p')).toEqual(scanned(state, 'p').children);
  });

  it('list a re-inserted child once, where the model now holds it', () => {
    const state = stateOf(4, sent('p'), sent('a', 'p'), done('a'), sent('b', 'p'), sent('x'), sent('y'));
    expect(state.childrenOf('p')).toEqual(['b']);
    state.apply(sent('a', 'p'), clock);
    expect(state.childrenOf('p')).toEqual(['b', 'a']);
    expect(state.childrenOf('p')).toEqual(scanned(state, 'p').children);
  });

  it('drop an evicted retry and take it back when it returns; a task naming itself retries nothing', () => {
    const state = stateOf(3, sent('o'), sent('r', null, { [RETRY_OF]: 'o' }), done('r'), sent('x'), sent('y'));
    expect(state.task('r') !== undefined).toBe(false);
    expect(state.retriedAs('o')).toEqual([]);
    state.apply(sent('r', null, { [RETRY_OF]: 'o' }), clock);
    expect(state.retriedAs('o')).toEqual(['r']);
    state.apply(sent('self', null, { [RETRY_OF]: 'self' }), clock);
    expect(state.retriedAs('self')).toEqual([]);
    expect(retryOf(state.task('self')!)).toBe('self');
  });

  it('move a child whose later event names another parent', () => {
    const state = stateOf(10, sent('a', 'p1'), event('task-received', 'a', { name: 'tasks.step', parent_id: 'p2' }));
    expect(state.childrenOf('p1')).toEqual([]);
    expect(state.childrenOf('p2')).toEqual(['a']);
  });

  it('agree with a walk over the model whatever the events and evictions', () => {
    const ids = ['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7'];
    const id = fc.constantFrom(...ids);
    const step = fc.record({
      kind: fc.constantFrom('sent', 'received', 'succeeded'),
      uuid: id,
      parent: fc.option(id, { nil: null }),
      original: fc.option(id, { nil: null }),
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(step, { maxLength: 60 }), (maxTasks, steps) => {
        const state = new ClusterState({ maxTasks, purgeOfflineAfter: 3600 });
        for (const s of steps) {
          const e =
            s.kind === 'succeeded'
              ? done(s.uuid)
              : event(s.kind === 'sent' ? 'task-sent' : 'task-received', s.uuid, { name: 'tasks.step', parent_id: s.parent, ...(s.original === null ? {} : { [RETRY_OF]: s.original }) });
          state.apply(e, clock);
          for (const target of ids) {
            // As sets: a child whose parent changed is listed where it was linked, not where it arrived.
            const expected = scanned(state, target);
            expect([...state.childrenOf(target)].sort()).toEqual(expected.children.sort());
            expect([...state.retriedAs(target)].sort()).toEqual(expected.retries.sort());
          }
        }
        expect(state.taskCount).toBeLessThanOrEqual(maxTasks);
      }),
      { numRuns: 300 },
    );
  });
});
