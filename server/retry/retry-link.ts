/**
 * How a retry names the task it retries. The new task's message carries the original id in the header
 * `pollen_retry_of` (Celery keeps unknown headers and ignores them), and Pollen announces the new task
 * with a task-sent event carrying the same field, as a Celery producer with task_send_sent_event does.
 * The model keeps event fields it does not know in `extra`, so the link reaches every Pollen watching
 * the broker, and this one at once (the event is also applied locally).
 */
import type { TaskSentEvent } from '@/lib/celery';
import type { TaskRecord } from '../state/task-record';

export const RETRY_OF = 'pollen_retry_of';

/** The task this one retries, when Pollen sent it as a retry. */
export function retryOf(task: TaskRecord): string | null {
  const value = task.extra?.[RETRY_OF];
  return typeof value === 'string' ? value : null;
}

/** Ids of the retries of each task, by original id: built once per request in O(tasks). */
export function retriesIndex(tasks: Iterable<TaskRecord>): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const task of tasks) {
    const original = retryOf(task);
    if (original === null || original === task.uuid) continue;
    const list = index.get(original);
    if (list) list.push(task.uuid);
    else index.set(original, [task.uuid]);
  }
  return index;
}

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
