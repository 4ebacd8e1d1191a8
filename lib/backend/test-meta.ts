/** Task metas for the backend's tests. */
import type { TaskMeta } from '@/lib/celery';

export function taskMeta(taskId: string, status: string, overrides: Partial<TaskMeta> = {}): TaskMeta {
  const ready = status === 'SUCCESS' || status === 'FAILURE' || status === 'REVOKED';
  return {
    taskId,
    status,
    result: null,
    exception: null,
    traceback: null,
    children: [],
    dateDone: ready ? '2026-11-21T13:36:34.341124' : null,
    groupId: null,
    parentId: null,
    extended: false,
    name: null,
    args: null,
    kwargs: null,
    worker: null,
    retries: null,
    queue: null,
    extra: null,
    ...overrides,
  };
}
