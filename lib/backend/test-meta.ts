/** Task metas for the backend's tests. */
import { newTaskMeta, READY_STATES, type TaskMeta } from '@/lib/celery';

export function taskMeta(taskId: string, status: string, overrides: Partial<TaskMeta> = {}): TaskMeta {
  return newTaskMeta(taskId, status, { dateDone: READY_STATES.has(status) ? '2026-11-21T13:36:34.341124' : null, ...overrides });
}
