/**
 * Commands sent to workers over pidbox, with the outcomes Flower's API gives (FLOWER-API.md): a message on
 * success, 404 for a worker nobody has seen, 403 with the worker's reason when it refuses, and (Pollen)
 * 504 when it does not answer within the timeout. Commands Celery sends without waiting (shutdown, revoke)
 * succeed once published.
 */
import type { JsonObject, JsonValue } from '@/lib/celery';
import type { PidboxClient } from '@/lib/control';

export type ControlOutcome =
  | { readonly ok: true; readonly message: string }
  | { readonly ok: false; readonly status: 403 | 404 | 504; readonly reason: string };

export interface WorkerControlOptions {
  readonly timeoutMs: number;
  /** Whether the dashboard knows this worker (Flower answers 404 "Unknown worker" otherwise). */
  readonly knownWorker: (name: string) => boolean;
}

export class WorkerControl {
  constructor(
    private readonly pidbox: PidboxClient,
    private readonly options: WorkerControlOptions,
  ) {}

  /** Sends `method` to one worker and reads its `{"ok": ...}` / `{"error": ...}` answer. */
  private async call(worker: string, method: string, args: JsonObject, success: (ok: JsonValue) => string): Promise<ControlOutcome> {
    if (!this.options.knownWorker(worker)) return { ok: false, status: 404, reason: `Unknown worker '${worker}'` };
    const replies = await this.pidbox.broadcast(method, args, { destination: [worker], reply: true, timeout: this.options.timeoutMs });
    const reply = replies.find((r) => r.node === worker);
    if (!reply) return { ok: false, status: 504, reason: `'${worker}' did not answer ${method} within ${this.options.timeoutMs} ms` };
    const value = reply.value;
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      if ('ok' in value) return { ok: true, message: success(value['ok'] ?? null) };
      if ('error' in value) return { ok: false, status: 403, reason: String(value['error']) };
    }
    return { ok: false, status: 403, reason: `unexpected reply to ${method}: ${JSON.stringify(value)}` };
  }

  private async cast(worker: string | null, method: string, args: JsonObject, message: string): Promise<ControlOutcome> {
    if (worker !== null && !this.options.knownWorker(worker)) return { ok: false, status: 404, reason: `Unknown worker '${worker}'` };
    await this.pidbox.broadcast(method, args, { destination: worker === null ? null : [worker] });
    return { ok: true, message };
  }

  shutdown(worker: string): Promise<ControlOutcome> {
    return this.cast(worker, 'shutdown', {}, 'Shutting down!');
  }

  poolRestart(worker: string): Promise<ControlOutcome> {
    return this.call(worker, 'pool_restart', { modules: null, reload: false, reloader: null }, () => `Restarting '${worker}' worker's pool`);
  }

  poolGrow(worker: string, n: number): Promise<ControlOutcome> {
    return this.call(worker, 'pool_grow', { n }, () => `Growing '${worker}' worker's pool by ${n}`);
  }

  poolShrink(worker: string, n: number): Promise<ControlOutcome> {
    return this.call(worker, 'pool_shrink', { n }, () => `Shrinking '${worker}' worker's pool by ${n}`);
  }

  autoscale(worker: string, min: number, max: number): Promise<ControlOutcome> {
    return this.call(worker, 'autoscale', { max, min }, () => `Autoscaling '${worker}' worker (min=${min}, max=${max})`);
  }

  addConsumer(worker: string, queue: string): Promise<ControlOutcome> {
    return this.call(worker, 'add_consumer', { queue }, (ok) => String(ok));
  }

  cancelConsumer(worker: string, queue: string): Promise<ControlOutcome> {
    return this.call(worker, 'cancel_consumer', { queue }, (ok) => String(ok));
  }

  rateLimit(worker: string, taskName: string, rateLimit: string): Promise<ControlOutcome> {
    return this.call(worker, 'rate_limit', { task_name: taskName, rate_limit: rateLimit }, (ok) => String(ok));
  }

  timeLimit(worker: string, taskName: string, soft: number | null, hard: number | null): Promise<ControlOutcome> {
    return this.call(worker, 'time_limit', { task_name: taskName, soft, hard }, (ok) => String(ok));
  }

  /** To every worker, as Celery's `control.revoke` (so a task not started yet is revoked wherever it lands). */
  revoke(taskId: string, terminate: boolean, signal: string): Promise<ControlOutcome> {
    return this.cast(null, 'revoke', { task_id: taskId, terminate, signal }, `Revoked '${taskId}'`);
  }
}
