/**
 * One run of a task function, raced against its time limits and revoke-terminate. A JS function cannot be
 * killed as Celery kills a pool process, so a run that overstays its hard limit or is terminated is
 * abandoned: its AbortSignal fires (well-behaved tasks stop there) and its late outcome is ignored.
 */
import type { JsonValue } from '@/lib/celery';
import { taskArguments } from '../task/app';
import type { TaskContext } from '../task/task-context';
import { Reject, Retry, SoftTimeLimitExceeded, TaskRevokedError, TimeLimitExceeded, WorkerShutdown } from '../task/task-errors';
import type { Request } from './request';

export type Outcome =
  | { readonly kind: 'success'; readonly value: JsonValue; readonly runtime: number }
  | { readonly kind: 'failure'; readonly error: unknown; readonly runtime: number }
  | { readonly kind: 'retry'; readonly retry: Retry; readonly runtime: number }
  | { readonly kind: 'reject'; readonly reject: Reject; readonly runtime: number }
  | { readonly kind: 'terminated'; readonly signum: number }
  | { readonly kind: 'abandoned' };

/** SIGTERM, what `revoke --terminate` sends unless told otherwise. */
export const SIGTERM = 15;

export function runTask(request: Request, ctx: TaskContext, limits: { soft: number | null; hard: number | null }): Promise<Outcome> {
  const started = performance.now();
  const runtime = (): number => (performance.now() - started) / 1000;
  const timers: NodeJS.Timeout[] = [];
  return new Promise<Outcome>((resolve) => {
    let done = false;
    const finish = (outcome: Outcome): void => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      request.abort.signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const onAbort = (): void => {
      const reason: unknown = request.abort.signal.reason;
      if (reason instanceof TaskRevokedError) finish({ kind: 'terminated', signum: reason.signum ?? SIGTERM });
      else if (reason instanceof TimeLimitExceeded) finish({ kind: 'failure', error: reason, runtime: runtime() });
      else if (reason instanceof WorkerShutdown) finish({ kind: 'abandoned' });
    };
    request.abort.signal.addEventListener('abort', onAbort);
    if (limits.soft !== null && limits.soft > 0) {
      const soft = limits.soft;
      timers.push(setTimeout(() => request.abort.abort(new SoftTimeLimitExceeded(soft)), soft * 1000));
    }
    if (limits.hard !== null && limits.hard > 0) {
      const hard = limits.hard;
      timers.push(setTimeout(() => request.abort.abort(new TimeLimitExceeded(hard)), hard * 1000));
    }
    void (async () => {
      // Revoked with terminate (or shut down) before the run began, e.g. while STARTED was being stored:
      // the function never runs.
      if (request.abort.signal.aborted) {
        onAbort();
        finish({ kind: 'failure', error: request.abort.signal.reason, runtime: 0 });
        return;
      }
      try {
        const args = taskArguments(request.task, request.message.args, request.message.kwargs);
        const value = await (request.task.run as (ctx: TaskContext, ...a: JsonValue[]) => unknown)(ctx, ...args);
        finish({ kind: 'success', value: toJson(value), runtime: runtime() });
      } catch (error) {
        if (error instanceof Retry) finish({ kind: 'retry', retry: error, runtime: runtime() });
        else if (error instanceof Reject) finish({ kind: 'reject', reject: error, runtime: runtime() });
        else finish({ kind: 'failure', error, runtime: runtime() });
      }
    })();
  });
}

/** A return value as the result backend will store it; what JSON cannot hold fails the task, as Celery's EncodeError does. */
function toJson(value: unknown): JsonValue {
  if (value === undefined) return null;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') throw new TypeError(`Object of type bigint is not JSON serializable`);
    if (typeof v === 'number' && !Number.isFinite(v)) throw new TypeError(`${v} is not JSON serializable`);
    return v;
  });
  return text === undefined ? null : (JSON.parse(text) as JsonValue);
}
