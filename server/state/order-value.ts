/** What a task sorts by in v1's sorts other than arrival. */
import { runtimeSeconds } from '@/lib/api/tasks';
import { sortTime } from './clock-skew';
import type { TaskRecord } from './task-record';

/** v1's sorts other than arrival: each is kept as an order of the tasks that have the value (kept-orders.ts). */
export type OrderField = 'received' | 'started' | 'succeeded' | 'runtime';

export const ORDER_FIELDS: readonly OrderField[] = ['received', 'started', 'succeeded', 'runtime'];

/** What a task sorts by in each order (a suspect clock's times capped, clock-skew.ts); null when it has no such value. */
export function orderValue(task: TaskRecord, field: OrderField): number | null {
  switch (field) {
    case 'received':
      return sortTime(task, task.received);
    case 'started':
      return sortTime(task, task.started);
    case 'succeeded':
      return sortTime(task, task.succeeded);
    case 'runtime':
      return runtimeSeconds(task);
  }
}
