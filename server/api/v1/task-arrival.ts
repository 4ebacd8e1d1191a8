/**
 * The order in which Pollen first saw each task, as a number that never changes: the one sort key of a
 * task that later events cannot move, so cursors over it neither skip nor repeat a task.
 *
 * The model's task map iterates in insertion order, that is in arrival order, and a task enters it once
 * (an evicted task that comes back is a new record). Numbering records during a full pass, in that
 * order, therefore gives every record a number greater than all numbered before it. Numbers live beside
 * the model, weakly held, and are given only by a full pass (never one task at a time, which could break
 * that rule).
 */
import { randomUUID } from 'node:crypto';
import type { ClusterState } from '../../state/cluster-state';
import type { TaskRecord } from '../../state/task-record';

interface Arrivals {
  /** Names this numbering: a cursor from another server run (or another model) is refused. */
  readonly epoch: string;
  next: number;
  readonly seq: WeakMap<TaskRecord, number>;
}

const ARRIVALS = new WeakMap<ClusterState, Arrivals>();

function arrivalsOf(state: ClusterState): Arrivals {
  let arrivals = ARRIVALS.get(state);
  if (arrivals === undefined) {
    arrivals = { epoch: randomUUID().slice(0, 8), next: 1, seq: new WeakMap() };
    ARRIVALS.set(state, arrivals);
  }
  return arrivals;
}

export function arrivalEpoch(state: ClusterState): string {
  return arrivalsOf(state).epoch;
}

/** Every task with its arrival number, oldest first. */
export function* inArrivalOrder(state: ClusterState): Generator<readonly [TaskRecord, number]> {
  const arrivals = arrivalsOf(state);
  for (const task of state.tasks.values()) {
    let seq = arrivals.seq.get(task);
    if (seq === undefined) {
      seq = arrivals.next++;
      arrivals.seq.set(task, seq);
    }
    yield [task, seq];
  }
}
