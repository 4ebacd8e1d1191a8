/**
 * Commands sent to workers over pidbox, with the outcomes Flower's API gives (FLOWER-API.md §2.0–2.2,
 * flower/api/control.py): a message on success; 404 for a worker nobody has seen, or a task the worker
 * does not know (rate_limit, time_limit); 403 with Flower's "Failed to …: <reason>" text when the worker
 * refuses; and (Pollen) 504 when it does not answer within the timeout, 503 when the broker cannot be
 * reached. Commands Celery sends without waiting (shutdown, revoke) succeed once published.
 */
import type { JsonObject, JsonValue } from '@/lib/celery';
import type { PidboxClient } from '@/lib/control';

export type ControlOutcome =
  | { readonly ok: true; readonly message: string }
  | { readonly ok: false; readonly status: 403 | 404 | 503 | 504; readonly reason: string };

export interface WorkerControlOptions {
  readonly timeoutMs: number;
  /** Whether the dashboard knows this worker (Flower answers 404 "Unknown worker" otherwise). */
  readonly knownWorker: (name: string) => boolean;
}

/** What Celery's rate_limit and time_limit handlers answer for a task the worker has not registered. */
const UNKNOWN_TASK = 'unknown task';

interface Call {
  readonly method: string;
  readonly args: JsonObject;
  /** The success message from the worker's `ok` value. */
  readonly success: (ok: JsonValue) => string;
  /** Flower's 403 text around the worker's reason. */
  readonly refused: (reason: string) => string;
  /** For rate_limit and time_limit: the task whose "unknown task" refusal is a 404. */
  readonly task?: string;
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class WorkerControl {
  constructor(
    private readonly pidbox: PidboxClient,
    private readonly options: WorkerControlOptions,
  ) {}

  /** Sends `call.method` to one worker and reads its `{"ok": ...}` / `{"error": ...}` answer. */
  private async call(worker: string, call: Call): Promise<ControlOutcome> {
    if (!this.options.knownWorker(worker)) return { ok: false, status: 404, reason: `Unknown worker '${worker}'` };
    let replies;
    try {
      replies = await this.pidbox.broadcast(call.method, call.args, { destination: [worker], reply: true, timeout: this.options.timeoutMs });
    } catch (err) {
      return { ok: false, status: 503, reason: `could not send ${call.method} to '${worker}': ${describeError(err)}` };
    }
    const reply = replies.find((r) => r.node === worker);
    if (!reply) return { ok: false, status: 504, reason: `'${worker}' did not answer ${call.method} within ${this.options.timeoutMs} ms` };
    const value = reply.value;
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      if ('ok' in value) return { ok: true, message: call.success(value['ok'] ?? null) };
      if ('error' in value) {
        const reason = String(value['error']);
        if (call.task !== undefined && reason === UNKNOWN_TASK) return { ok: false, status: 404, reason: `Unknown task '${call.task}'` };
        return { ok: false, status: 403, reason: call.refused(reason) };
      }
    }
    return { ok: false, status: 403, reason: call.refused(`unexpected reply to ${call.method}: ${JSON.stringify(value)}`) };
  }

  private async cast(worker: string | null, method: string, args: JsonObject, message: string): Promise<ControlOutcome> {
    if (worker !== null && !this.options.knownWorker(worker)) return { ok: false, status: 404, reason: `Unknown worker '${worker}'` };
    try {
      await this.pidbox.broadcast(method, args, { destination: worker === null ? null : [worker] });
    } catch (err) {
      return { ok: false, status: 503, reason: `could not send ${method}: ${describeError(err)}` };
    }
    return { ok: true, message };
  }

  shutdown(worker: string): Promise<ControlOutcome> {
    return this.cast(worker, 'shutdown', {}, 'Shutting down!');
  }

  poolRestart(worker: string): Promise<ControlOutcome> {
    return this.call(worker, {
      method: 'pool_restart',
      args: { modules: null, reload: false, reloader: null },
      success: () => `Restarting '${worker}' worker's pool`,
      refused: (reason) => `Failed to restart the '${worker}' pool: ${reason}`,
    });
  }

  poolGrow(worker: string, n: number): Promise<ControlOutcome> {
    return this.call(worker, {
      method: 'pool_grow',
      args: { n },
      success: () => `Growing '${worker}' worker's pool by ${n}`,
      refused: (reason) => `Failed to grow '${worker}' worker's pool: ${reason}`,
    });
  }

  poolShrink(worker: string, n: number): Promise<ControlOutcome> {
    return this.call(worker, {
      method: 'pool_shrink',
      args: { n },
      success: () => `Shrinking '${worker}' worker's pool by ${n}`,
      refused: (reason) => `Failed to shrink '${worker}' worker's pool: ${reason}`,
    });
  }

  autoscale(worker: string, min: number, max: number): Promise<ControlOutcome> {
    return this.call(worker, {
      method: 'autoscale',
      args: { max, min },
      success: () => `Autoscaling '${worker}' worker (min=${min}, max=${max})`,
      refused: (reason) => `Failed to autoscale '${worker}' worker: ${reason}`,
    });
  }

  addConsumer(worker: string, queue: string): Promise<ControlOutcome> {
    return this.call(worker, {
      method: 'add_consumer',
      args: { queue },
      success: (ok) => String(ok),
      refused: (reason) => `Failed to add '${queue}' consumer to '${worker}' worker: ${reason}`,
    });
  }

  cancelConsumer(worker: string, queue: string): Promise<ControlOutcome> {
    return this.call(worker, {
      method: 'cancel_consumer',
      args: { queue },
      success: (ok) => String(ok),
      refused: (reason) => `Failed to cancel '${queue}' consumer from '${worker}' worker: ${reason}`,
    });
  }

  rateLimit(worker: string, taskName: string, rateLimit: string): Promise<ControlOutcome> {
    return this.call(worker, {
      method: 'rate_limit',
      args: { task_name: taskName, rate_limit: rateLimit },
      success: (ok) => String(ok),
      refused: (reason) => `Failed to set rate limit: '${reason}'`,
      task: taskName,
    });
  }

  timeLimit(worker: string, taskName: string, soft: number | null, hard: number | null): Promise<ControlOutcome> {
    return this.call(worker, {
      method: 'time_limit',
      args: { task_name: taskName, soft, hard },
      success: (ok) => String(ok),
      refused: (reason) => `Failed to set timeouts: '${reason}'`,
      task: taskName,
    });
  }

  /**
   * To every worker, as Celery's `control.revoke` (so a task not started yet is revoked wherever it
   * lands). `signal` is a name (`SIGKILL`, `KILL`) or a number, as Celery's `signals.signum` takes it.
   */
  revoke(taskId: string, terminate: boolean, signal: string | number): Promise<ControlOutcome> {
    return this.cast(null, 'revoke', { task_id: taskId, terminate, signal }, `Revoked '${taskId}'`);
  }
}
