/**
 * Which queue a retry goes to: the original's, known from (in order) the caller, the producer's task-sent
 * event (`queue`), the result_extended meta (`queue`, which is the delivery's routing key), or the
 * worker that ran it when that worker consumes one queue only. A retry sent to a queue nobody consumes
 * would wait for ever, so when none of these tells, the retry is refused and the caller may name a queue (`to_queue`).
 *
 * Pollen sends through the default exchange with the queue's name as routing key (as the client does),
 * which reaches the same queue as the original's exchange and routing key did.
 */
import { isJsonObject, type JsonValue } from '@/lib/celery';

/** A queue a worker consumes, from its `active_queues` reply. */
export interface WorkerQueue {
  readonly name: string;
  readonly routingKey: string | null;
}

export interface RoutingInputs {
  /** Given with the retry request. */
  readonly requested: { readonly queue?: string | undefined; readonly priority?: number | undefined };
  /** The task-sent event's queue, null when no producer sent one. */
  readonly sentQueue: string | null;
  /** The result_extended meta's `queue` (a routing key), null when not stored. */
  readonly backendQueue: string | null;
  /** The worker that received or ran the task. */
  readonly worker: string | null;
  /** The queues that worker consumes, null when it never answered `inspect active_queues`. */
  readonly workerQueues: readonly WorkerQueue[] | null;
}

export type RoutingSource = 'request' | 'task-sent' | 'result-backend' | 'worker-queues';

export type RoutingPlan =
  | { readonly ok: true; readonly queue: string; readonly priority: number | null; readonly source: RoutingSource }
  | { readonly ok: false; readonly reason: string };

export function planRouting(inputs: RoutingInputs): RoutingPlan {
  const priority = inputs.requested.priority ?? null;
  const chosen = (queue: string, source: RoutingSource): RoutingPlan => ({ ok: true, queue, priority, source });
  if (inputs.requested.queue !== undefined) return chosen(inputs.requested.queue, 'request');
  if (inputs.sentQueue !== null) return chosen(inputs.sentQueue, 'task-sent');
  const consumed = inputs.workerQueues;
  if (inputs.backendQueue !== null) {
    const key = inputs.backendQueue;
    const match = consumed?.find((q) => q.name === key) ?? consumed?.find((q) => q.routingKey === key);
    if (match) return chosen(match.name, 'result-backend');
    // Celery names every queue it creates by itself after its routing key.
    if (consumed === null || consumed === undefined) return chosen(key, 'result-backend');
    if (consumed.length === 1) return chosen((consumed[0] as WorkerQueue).name, 'worker-queues');
    return { ok: false, reason: `its queue is not known: it was delivered with routing key '${key}', which names none of the queues its worker ${inputs.worker ?? '?'} consumes (${names(consumed)}); give to_queue to choose one` };
  }
  if (consumed && consumed.length === 1) return chosen((consumed[0] as WorkerQueue).name, 'worker-queues');
  const worker = inputs.worker === null
    ? 'no worker is known to have received it'
    : consumed === null
      ? `its worker ${inputs.worker} did not answer inspect active_queues`
      : `its worker ${inputs.worker} consumes ${consumed.length === 0 ? 'no queue' : `several queues (${names(consumed)})`}`;
  return {
    ok: false,
    reason: `its queue is not known: no task-sent event named it (task_send_sent_event), no result_extended meta holds it, and ${worker}; give to_queue to choose one`,
  };
}

/** The queues in a worker's `active_queues` reply (a list of kombu queue declarations); null if unreadable. */
export function readActiveQueues(reply: JsonValue | undefined): WorkerQueue[] | null {
  if (!Array.isArray(reply)) return null;
  const queues: WorkerQueue[] = [];
  for (const entry of reply) {
    if (!isJsonObject(entry) || typeof entry['name'] !== 'string') return null;
    const key = entry['routing_key'];
    queues.push({ name: entry['name'], routingKey: typeof key === 'string' ? key : null });
  }
  return queues;
}

function names(queues: readonly WorkerQueue[]): string {
  return queues.map((q) => q.name).join(', ');
}
