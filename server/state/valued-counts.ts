/**
 * How many held tasks of each state have a value for each order (received, started, succeeded, runtime),
 * kept with the orders (task-index.ts). A page filtered by a state and sorted by a field that no task in
 * that state has (failed tasks have no succeeded time, received ones no runtime) then goes straight to
 * the tasks without the value, instead of walking the whole order in search of one.
 */
import type { OrderField } from './order-value';

const SLOT: Readonly<Record<OrderField, number>> = { received: 0, started: 1, succeeded: 2, runtime: 3 };

export class ValuedCounts {
  private readonly byState = new Map<string, number[]>();

  /** Counts in (delta 1) or out (delta −1) a task in `state` with these values. */
  add(state: string, received: number | null, started: number | null, succeeded: number | null, runtime: number | null, delta: 1 | -1): void {
    if (received === null && started === null && succeeded === null && runtime === null) return;
    let counts = this.byState.get(state);
    if (counts === undefined) {
      counts = [0, 0, 0, 0];
      this.byState.set(state, counts);
    }
    if (received !== null) counts[0] = (counts[0] as number) + delta;
    if (started !== null) counts[1] = (counts[1] as number) + delta;
    if (succeeded !== null) counts[2] = (counts[2] as number) + delta;
    if (runtime !== null) counts[3] = (counts[3] as number) + delta;
  }

  /** Held tasks in `state` with a value for `field`. */
  of(state: string, field: OrderField): number {
    return this.byState.get(state)?.[SLOT[field]] ?? 0;
  }
}
