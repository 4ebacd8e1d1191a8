/**
 * The I/O around a retry: reads what the planner (retry-plan.ts) needs — the model's record, the result
 * backend's meta, the queues of the task's worker — and sends what it decided through the server's
 * client, then records the link (retry-link.ts).
 *
 * One RetrySession serves one request, so that a bulk retry reads each worker's queues at most once.
 */
import { randomUUID } from 'node:crypto';
import type { ResultBackend } from '@/lib/backend';
import { encodeEventMessage, names, taskReprs, type TaskSentEvent } from '@/lib/celery';
import type { Client } from '@/worker/client';
import { readBackend } from '../backend/request-read';
import type { InspectCache } from '../control/inspect-cache';
import type { TaskStore } from '../store/task-store';
import type { BackendView } from './retry-call';
import { RETRY_OF } from '../state/task-links';
import { retrySentEvent } from './retry-link';
import { planRetry, type RetryPlan, type RetryRequest, type RetrySend } from './retry-plan';
import { readActiveQueues, type WorkerQueue } from './retry-routing';

export interface RetryDeps {
  /** Read only: every write goes through `apply`. */
  readonly state: TaskStore;
  /** Applies the retry's task-sent through the collector (Collector.applyOwn), so metrics and push see it. */
  readonly apply: (event: TaskSentEvent, localReceived: number) => void;
  readonly backend: ResultBackend | null;
  readonly inspect: InspectCache | null;
  readonly client: Client;
}

export class RetrySession {
  private readonly asked = new Set<string>();

  constructor(
    private readonly deps: RetryDeps,
    private readonly request: RetryRequest,
  ) {}

  /** What a retry of this task would send, or why it would not. */
  async plan(id: string): Promise<RetryPlan> {
    // An evicted task is retried from its history as a held one is.
    const linked = await this.deps.state.findTaskWithLinks(id);
    const task = linked?.task ?? null;
    const backend = await this.readBackend(id);
    const meta = backend.kind === 'meta' ? backend.meta : null;
    const worker = task?.worker ?? meta?.worker ?? null;
    // The worker's queues decide only when nothing else names the queue: ask it then, not before.
    const needsWorker = this.request.queue === undefined && !task?.queue && !(meta?.extended && meta.queue);
    const workerQueues = worker !== null && needsWorker ? await this.workerQueues(worker) : this.cachedQueues(worker);
    return planRetry({ id, task, backend, workerQueues, retriedAs: linked?.retriedAs ?? this.deps.state.retriedAs(id) }, this.request);
  }

  /** Sends the retry under a new id and records the link; returns the new id. */
  async send(plan: RetrySend): Promise<string> {
    const { client, apply } = this.deps;
    const id = randomUUID();
    const timestamp = Date.now() / 1000;
    await client.sendTask(plan.name, plan.args, plan.kwargs, {
      taskId: id,
      queue: plan.queue,
      ...(plan.priority !== null && { priority: plan.priority }),
      headers: { [RETRY_OF]: plan.id },
    });
    const event = retrySentEvent({
      id,
      original: plan.id,
      name: plan.name,
      ...taskReprs({ args: plan.args, kwargs: plan.kwargs }),
      queue: plan.queue,
      hostname: client.producer.origin,
      timestamp,
    });
    // Applied here so that the link is in the model before this answer (and before the next plan of
    // this session); the broker's copy changes nothing.
    apply(event, timestamp);
    const { message, routingKey } = encodeEventMessage(event, client.producer.origin);
    // The task is sent: a lost announcement costs other monitors the link, not the retry.
    await client.transport.publishFanout(names.EVENT_EXCHANGE, routingKey, message).catch(() => undefined);
    return id;
  }

  private async readBackend(id: string): Promise<BackendView> {
    if (this.deps.backend === null) return { kind: 'none' };
    try {
      const meta = await readBackend(this.deps.backend, (b) => b.get(id));
      return meta === null ? { kind: 'missing' } : { kind: 'meta', meta };
    } catch (err) {
      return { kind: 'error', message: err instanceof Error ? err.message : String(err) };
    }
  }

  private cachedQueues(worker: string | null): WorkerQueue[] | null {
    if (worker === null || this.deps.inspect === null) return null;
    return readActiveQueues(this.deps.inspect.snapshot(worker).active_queues?.value);
  }

  private async workerQueues(worker: string): Promise<WorkerQueue[] | null> {
    const cached = this.cachedQueues(worker);
    if (cached !== null || this.deps.inspect === null || this.asked.has(worker)) return cached;
    this.asked.add(worker);
    await this.deps.inspect.refresh([worker]);
    return this.cachedQueues(worker);
  }
}
