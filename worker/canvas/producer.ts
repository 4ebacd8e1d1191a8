/**
 * Sending task messages as Celery's `apply_async` does, for the client and for the worker's follow-ups
 * (link callbacks, chain steps, chord bodies, retries).
 */
import type { ResultBackend } from '@/lib/backend';
import type { Transport } from '@/lib/broker';
import { encodeTaskMessage, type TaskMessage } from '@/lib/celery';
import type { SentEvents } from '../events/sent-events';

export interface Producer {
  readonly transport: Transport;
  /** Needed for chords (the chord size) and for waiting on results; null = results disabled. */
  readonly backend: ResultBackend | null;
  /** Our node name, sent as the message's `origin`. */
  readonly origin: string;
  readonly defaultQueue: string;
  /** Announces each task with a task-sent event (Celery's task_send_sent_event); null: it does not. */
  readonly sentEvents: SentEvents | null;
}

/** Declares the queue (once per transport) and publishes the task to it through the default exchange. */
export async function publishTask(producer: Producer, task: TaskMessage, queue = producer.defaultQueue): Promise<void> {
  await producer.transport.declareQueue(queue);
  await producer.transport.publish('', queue, encodeTaskMessage({ ...task, origin: task.origin ?? producer.origin }));
  await producer.sentEvents?.announce(task, queue);
}


