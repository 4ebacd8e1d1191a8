/**
 * How a retry names the task it retries. The new task's message carries the original id in the header
 * `pollen_retry_of` (Celery keeps unknown headers and ignores them), and Pollen announces the new task
 * with a task-sent event carrying the same field, as a Celery producer with task_send_sent_event does.
 * The model keeps event fields it does not know in `extra` and indexes this one (server/state/task-links.ts),
 * so the link reaches every Pollen watching the broker, and this one at once (the event is also applied
 * locally).
 */
import type { TaskSentEvent } from '@/lib/celery';
import { RETRY_OF } from '../state/task-links';

export interface RetrySentFields {
  readonly id: string;
  readonly original: string;
  readonly name: string;
  /** The reprs the message carries (argsrepr, kwargsrepr). */
  readonly argsrepr: string;
  readonly kwargsrepr: string;
  readonly queue: string;
  /** The producer's node name (the message's origin). */
  readonly hostname: string;
  /** Unix seconds. */
  readonly timestamp: number;
}

/** The task-sent event of a retry, as Celery's producer writes one (CELERY-WIRE.md §5.4). */
export function retrySentEvent(fields: RetrySentFields): TaskSentEvent {
  return {
    type: 'task-sent',
    known: true,
    uuid: fields.id,
    hostname: fields.hostname,
    timestamp: fields.timestamp,
    // time.timezone // 3600, as Celery's dispatcher writes it.
    utcoffset: Math.floor(new Date(fields.timestamp * 1000).getTimezoneOffset() / 60),
    pid: process.pid,
    clock: 0,
    extra: { [RETRY_OF]: fields.original },
    absentFields: null,
    name: fields.name,
    args: fields.argsrepr,
    kwargs: fields.kwargsrepr,
    rootId: fields.id,
    parentId: null,
    retries: 0,
    eta: null,
    expires: null,
    queue: fields.queue,
    exchange: '',
    routingKey: fields.queue,
  };
}
