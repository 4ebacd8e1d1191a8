/**
 * Tasks and workers as the push channel sends them: rendered by the REST API's own functions, so that
 * a pushed record and GET /api/task/info/:id or GET /api/workers agree field for field.
 */
import type { PushedTask, PushedWorker } from '@/lib/push/contract';
import { getWorkers } from '../api/flower-read';
import { flowerTask } from '../api/flower-task-json';
import type { ClusterState } from '../state/cluster-state';
import type { TaskRecord } from '../state/task-record';

const NO_CHILDREN: readonly string[] = [];

/** A task with its children, as GET /api/task/info/:id shows it. */
export function pushedTask(task: TaskRecord, children: ReadonlyMap<string, string[]>): PushedTask {
  return flowerTask(task, children.get(task.uuid) ?? NO_CHILDREN) as PushedTask;
}

/**
 * A row of a task list: GET /api/tasks's fields but `children`, whose only source is a walk over every
 * task, too dear four times a second for a column lists do not show. Clients keep what REST gave them.
 */
export function pushedRow(task: TaskRecord): PushedTask {
  const { children: _children, ...row } = flowerTask(task, NO_CHILDREN);
  return row as PushedTask;
}

/**
 * Every worker of the model as GET /api/workers renders its event-derived fields (no inspect replies:
 * those stay with REST, which says how old they are). O(workers); the flush calls it at most once.
 */
export async function pushedWorkers(state: ClusterState, nowMs: number): Promise<Map<string, PushedWorker>> {
  const { body } = await getWorkers(state, null, new URLSearchParams(), nowMs);
  const workers = new Map<string, PushedWorker>();
  for (const [hostname, json] of Object.entries(body as Record<string, Record<string, unknown>>)) {
    // Without inspect replies, `inspected_at` is always {}: not worth sending four times a second.
    const { inspected_at: _inspectedAt, ...fields } = json;
    workers.set(hostname, fields as PushedWorker);
  }
  return workers;
}
