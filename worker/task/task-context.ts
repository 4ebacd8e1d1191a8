/** What a running task sees of itself: Celery's `self.request` plus `retry`, `update_state` and `reject`. */
import type { JsonObject, JsonValue } from '@/lib/celery';
import { Reject, Retry } from './task-errors';

export interface RetryOptions {
  /** Seconds until the retry; default: the task's backoff or default retry delay. */
  readonly countdown?: number;
  /** The error that made the task retry; stored as the RETRY result and raised when retries run out. */
  readonly exc?: unknown;
}

export interface TaskContext {
  readonly id: string;
  readonly name: string;
  readonly args: readonly JsonValue[];
  readonly kwargs: JsonObject;
  /** How many times this task was retried so far. */
  readonly retries: number;
  readonly hostname: string;
  readonly rootId: string | null;
  readonly parentId: string | null;
  readonly groupId: string | null;
  /** The queue the message came from. */
  readonly queue: string;
  readonly eta: string | null;
  readonly expires: string | null;
  /** Fires on the soft time limit, on the hard time limit and on revoke with terminate; `reason` says which. */
  readonly signal: AbortSignal;
  /** Ends the run and sends the task again (throws; use `throw ctx.retry()` for clarity). */
  retry(options?: RetryOptions): never;
  /** Stores a custom state (e.g. PROGRESS with `{current, total}`) in the result backend. */
  updateState(state: string, meta: JsonValue): Promise<void>;
  /** Ends the run rejecting the message (requeue: back to the queue). */
  reject(requeue?: boolean, reason?: string): never;
}

export interface ContextDeps {
  readonly base: Omit<TaskContext, 'retry' | 'updateState' | 'reject'>;
  readonly defaultCountdown: () => number;
  readonly storeState: (state: string, meta: JsonValue) => Promise<void>;
}

export function createTaskContext(deps: ContextDeps): TaskContext {
  return {
    ...deps.base,
    retry(options: RetryOptions = {}): never {
      throw new Retry(options.countdown ?? deps.defaultCountdown(), options.exc);
    },
    updateState: (state, meta) => deps.storeState(state, meta),
    reject(requeue = false, reason = 'rejected by the task'): never {
      throw new Reject(reason, requeue);
    },
  };
}
