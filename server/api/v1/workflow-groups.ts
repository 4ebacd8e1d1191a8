/**
 * Groups and chord headers sent by a client, for the workflow graph. Celery's events carry no group id,
 * and such a group's tasks have no parent: nothing in the events ties them to each other, nor to the
 * chord body (whose parent is only the header task that finished last, the one that sent it). The result
 * backend does: Celery stores each task's `group_id` with its state (result_extended or not).
 *
 * From the task a graph starts at, when it is a parentless root: its group from the backend, then the
 * parentless tasks that arrived nearest to it, read in one parallel batch under a deadline, to find the
 * other members. Bounded (MAX_CANDIDATES reads) and never fatal: without a backend, or when it does not
 * answer in time, the graph is drawn from the events alone.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResultBackend } from '@/lib/backend';
import type { JsonValue, TaskMeta } from '@/lib/celery';
import type { TaskStore } from '../../store/task-store';
import type { TaskRecord } from '../../state/task-record';

/** Parentless tasks read from the backend to find a group's other members: the nearest in time. */
export const MAX_CANDIDATES = 256;
/** The backend's answers are awaited this long; later, the graph goes without its groups. */
export const GROUP_READ_TIMEOUT_MS = 1500;

export interface TaskGroup {
  readonly id: string;
  /** In the order Pollen saw them. */
  readonly members: readonly string[];
  /**
   * The ids each member stored as its children: the tasks it sent while it ran. The chord body is sent
   * after the last member stored its result, so it is a child of that member (parent_id) but not there.
   */
  readonly storedChildren: ReadonlyMap<string, ReadonlySet<string>>;
}

/** When the producer announced it (task-sent), else when a worker received it. */
function arrival(task: TaskRecord): number {
  return task.sent ?? task.received ?? task.timestamp;
}

/** The group of the parentless task `rootId`, with the members Pollen holds; null when it has none. */
export async function groupOfRoot(state: TaskStore, backend: ResultBackend | null, rootId: string, timeoutMs = GROUP_READ_TIMEOUT_MS): Promise<TaskGroup | null> {
  const root = state.task(rootId);
  if (backend === null || root === undefined || root.parentId !== null) return null;
  const deadline = sleep(timeoutMs, null, { ref: false });
  const read = (id: string): Promise<TaskMeta | null> => backend.get(id).catch(() => null);
  const rootMeta = await Promise.race([read(rootId), deadline]);
  const groupId = rootMeta?.groupId ?? null;
  if (rootMeta === null || groupId === null) return null;

  const at = arrival(root);
  const nearest = state.rootsNear(at, MAX_CANDIDATES, rootId);
  const metas = await Promise.race([Promise.all(nearest.map(async (task) => [task, await read(task.uuid)] as const)), deadline]);
  const members: [TaskRecord, TaskMeta][] = [[root, rootMeta], ...(metas ?? []).filter((m): m is [TaskRecord, TaskMeta] => m[1]?.groupId === groupId)];
  members.sort((a, b) => arrival(a[0]) - arrival(b[0]));
  return {
    id: groupId,
    members: members.map(([task]) => task.uuid),
    storedChildren: new Map(members.map(([task, meta]) => [task.uuid, idsIn(meta.children)])),
  };
}

/** Every string in Celery's stored children (result tuples such as `[["<id>", null], null]`). */
function idsIn(children: readonly JsonValue[]): Set<string> {
  const ids = new Set<string>();
  const pending: JsonValue[] = [...children];
  for (let value = pending.pop(); value !== undefined; value = pending.pop()) {
    if (typeof value === 'string') ids.add(value);
    else if (Array.isArray(value)) pending.push(...value);
  }
  return ids;
}
