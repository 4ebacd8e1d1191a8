/** The Pollen worker and client: run TypeScript tasks in a Celery cluster, and send tasks to it. */
export { App, createApp, type RegisteredTask, type TaskFunction } from './task/app';
export type { RetryOptions, TaskContext } from './task/task-context';
export type { TaskOptions } from './task/task-options';
export {
  CeleryError,
  MaxRetriesExceededError,
  NotRegistered,
  Reject,
  Retry,
  SoftTimeLimitExceeded,
  TaskRevokedError,
  TimeLimitExceeded,
} from './task/task-errors';
export { Worker } from './worker';
export type { WorkerOptions } from './worker-options';
export * from './client';
