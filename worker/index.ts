/** The Pollen worker and client: run TypeScript tasks in a Celery cluster, and send tasks to it. */
export { App, createApp, type RegisteredTask, type TaskFunction } from './app/app';
export type { RetryOptions, TaskContext } from './app/task-context';
export type { TaskOptions } from './app/task-options';
export {
  CeleryError,
  MaxRetriesExceededError,
  NotRegistered,
  Reject,
  Retry,
  SoftTimeLimitExceeded,
  TaskRevokedError,
  TimeLimitExceeded,
} from './app/task-errors';
export { Worker } from './worker';
export type { WorkerOptions } from './worker-options';
