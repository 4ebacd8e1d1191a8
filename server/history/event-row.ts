/**
 * One task event as history keeps it, for the task's whole timeline (every attempt of a retried task).
 * The task's row holds what the events describe (name, args, result, ...), so an event row keeps only
 * its type, times and sender, plus the fields that say something the row does not: an attempt's
 * exception, a revoke's flags, a custom event's fields. A flood of task events stays a few dozen bytes each.
 */
import type { CeleryEvent, JsonObject, TaskEvent } from '@/lib/celery';

export const EVENT_COLUMNS = ['task_seq', 'id', 'type', 'timestamp', 'hostname', 'received_at', 'fields'] as const;

export type EventRow = (string | number | null)[];

/** What the timeline shows of one event. */
export interface TaskTimelineEvent {
  readonly type: string;
  /** Sender timestamp (Unix seconds). */
  readonly timestamp: number;
  readonly hostname: string | null;
  /** Our receive time (Unix seconds); null for a state learnt without its event. */
  readonly receivedAt: number | null;
  readonly fields: JsonObject | null;
}

function ownFields(event: TaskEvent): JsonObject | null {
  switch (event.type) {
    case 'task-sent':
    case 'task-received':
      return event.retries !== null && event.retries > 0 ? { retries: event.retries } : null;
    case 'task-succeeded':
      return event.runtime === null ? null : { runtime: event.runtime };
    case 'task-failed':
    case 'task-retried':
      return event.exception === null ? null : { exception: event.exception };
    case 'task-revoked':
      return { terminated: event.terminated, signum: event.signum, expired: event.expired };
    case 'task-rejected':
      return { requeue: event.requeue };
    default:
      return null;
  }
}

/** The row of a task event (custom ones included), for the task stored under `taskSeq`. */
export function eventRow(event: CeleryEvent, taskSeq: number, id: number, receivedAt: number | null): EventRow {
  const own = event.known && event.type.startsWith('task-') ? ownFields(event as TaskEvent) : null;
  const fields = event.extra === null ? own : { ...own, ...event.extra };
  return [taskSeq, id, event.type, event.timestamp, event.hostname || null, receivedAt, fields === null ? null : JSON.stringify(fields)];
}

export function timelineEvent(row: Readonly<Record<string, unknown>>): TaskTimelineEvent {
  return {
    type: String(row.type),
    timestamp: Number(row.timestamp),
    hostname: typeof row.hostname === 'string' ? row.hostname : null,
    receivedAt: row.received_at === null || row.received_at === undefined ? null : Number(row.received_at),
    fields: typeof row.fields === 'string' ? (JSON.parse(row.fields) as JsonObject) : null,
  };
}
