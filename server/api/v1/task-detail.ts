/**
 * GET /api/v1/tasks/:id: one task as the model or its history holds it, its timeline, and what the result
 * backend stores for it (the result, custom states' meta such as PROGRESS, result_extended fields).
 *
 * With history, the timeline is every event it holds of the task, every attempt of a retried task
 * included. Without it, the model keeps the last time of each event type and every Celery retry attempt,
 * so the timeline is rebuilt from those: one entry per event type seen, plus one task-retried per attempt.
 */
import type { Redactor } from '@/lib/redact/redactor';
import { redactTaskMeta } from '@/lib/redact/task-redaction';
import { MalformedResultError, type ResultBackend } from '@/lib/backend';
import { exceptionToJson, isJsonObject, type JsonObject, type JsonValue, type TaskMeta } from '@/lib/celery';
import type { TaskTimelineEvent } from '../../history/event-row';
import type { TaskStore } from '../../store/task-store';
import type { TaskRecord } from '../../state/task-record';
import { BACKEND_UNAVAILABLE, readBackend } from '../../backend/request-read';
import { apiError, type ApiResponse } from '../api-error';
import { linkedTaskView } from '../task-view';
import { v1Task } from './task-json';
import type { TaskDetail, TimelineEntry } from '@/lib/api/tasks';

/**
 * `settleStored` takes a ready state the backend holds into the model when the model still has the task in
 * flight (its event was missed or is late), so the task and its stored record never contradict each other.
 */
export async function getTaskDetail(state: TaskStore, backend: ResultBackend | null, id: string, settleStored: ((meta: TaskMeta) => void) | null = null, redactor: Redactor | null = null): Promise<ApiResponse> {
  const linked = (await state.findTaskWithLinks(id)) ?? null;
  const task = linked?.task ?? null;
  let stored: TaskDetail['backend'] = null;
  if (backend !== null) {
    try {
      const meta = await readBackend(backend, (b) => b.get(id));
      const shown = meta === null || redactor === null ? meta : redactTaskMeta(redactor, meta);
      stored = { available: true, meta: shown === null ? null : (capDepth(metaJson(shown)) as JsonObject), error: null };
      if (meta !== null) settleStored?.(meta);
    } catch (err) {
      // A malformed stored value is an answer from a reachable backend; anything else is an outage.
      const available = err instanceof MalformedResultError;
      stored = { available, meta: null, error: err instanceof Error ? err.message : String(err) };
    }
  }
  if (task === null && stored !== null && !stored.available) return apiError(503, `Pollen holds no events for task '${id}' and ${stored.error ?? 'the result backend is unavailable'}`, BACKEND_UNAVAILABLE);
  if (task === null && stored?.meta == null) return apiError(404, `Unknown task '${id}'`);
  const links = { childrenOf: () => linked?.children ?? [], retriedAs: () => linked?.retriedAs ?? [] };
  const events = task === null ? null : await state.timeline(id);
  const entries = task === null ? [] : events !== null && events.length > 0 ? historyTimeline(events, task) : timeline(task);
  const body: TaskDetail = { task: task === null ? null : v1Task(linkedTaskView(task, links)), timeline: entries, backend: stored };
  return { status: 200, body };
}

const STAMPS = [
  ['task-sent', 'sent'],
  ['task-received', 'received'],
  ['task-started', 'started'],
  ['task-succeeded', 'succeeded'],
  ['task-failed', 'failed'],
  ['task-rejected', 'rejected'],
  ['task-revoked', 'revoked'],
] as const;

export function timeline(task: TaskRecord): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (const [type, field] of STAMPS) {
    const timestamp = task[field];
    if (timestamp === null) continue;
    entries.push(type === 'task-sent' ? { type, timestamp, hostname: task.sender } : { type, timestamp });
  }
  if (task.retryHistory) {
    for (const attempt of task.retryHistory) {
      entries.push({ type: 'task-retried', timestamp: attempt.timestamp, hostname: attempt.worker, retries: attempt.retries, exception: attempt.exception });
    }
  } else if (task.retried !== null) {
    entries.push({ type: 'task-retried', timestamp: task.retried });
  }
  return entries.sort((a, b) => a.timestamp - b.timestamp);
}

/** The events history holds, as timeline entries: each task-retried numbered as its attempt. */
export function historyTimeline(events: readonly TaskTimelineEvent[], task: TaskRecord): TimelineEntry[] {
  let attempt = 0;
  return [...events]
    .sort((a, b) => a.timestamp - b.timestamp)
    .map((event): TimelineEntry => {
      const exception = typeof event.fields?.['exception'] === 'string' ? event.fields['exception'] : null;
      switch (event.type) {
        case 'task-sent':
          return { type: event.type, timestamp: event.timestamp, hostname: event.hostname ?? task.sender };
        case 'task-retried':
          return { type: event.type, timestamp: event.timestamp, hostname: event.hostname, retries: attempt++, exception };
        case 'task-failed':
          return { type: event.type, timestamp: event.timestamp, hostname: event.hostname, exception };
        default:
          return { type: event.type, timestamp: event.timestamp, hostname: event.hostname };
      }
    });
}

/** The stored meta under Celery's own names (CELERY-WIRE.md §7). */
export function metaJson(meta: TaskMeta): JsonObject {
  const out: JsonObject = {
    task_id: meta.taskId,
    status: meta.status,
    result: meta.exception ? exceptionToJson(meta.exception) : meta.result,
    traceback: meta.traceback,
    children: meta.children,
    date_done: meta.dateDone,
    group_id: meta.groupId,
    parent_id: meta.parentId,
  };
  if (meta.extended) Object.assign(out, { name: meta.name, args: meta.args, kwargs: meta.kwargs, worker: meta.worker, retries: meta.retries, queue: meta.queue });
  return out;
}

/** Deeper than any real result; shallow enough for JSON.stringify (recursive) here and in the browser. */
export const MAX_META_DEPTH = 64;
export const TOO_DEEP = `… (nested deeper than ${MAX_META_DEPTH} levels)`;

/**
 * A copy of `value` with whatever lies deeper than MAX_META_DEPTH replaced by TOO_DEEP. Anything can write
 * the backend's keys: a result nested 20 000 deep would make JSON.stringify throw a RangeError and the
 * task's page fail. Iterative, so that the copy itself cannot exhaust the stack.
 */
export function capDepth(value: JsonValue): JsonValue {
  const copy = (v: JsonValue): JsonValue => (Array.isArray(v) ? [] : isJsonObject(v) ? {} : v);
  const root = copy(value);
  const pending: [JsonValue, JsonValue, number][] = [[value, root, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [source, target, depth] = next;
    const entries: [string, JsonValue][] = Array.isArray(source) ? source.map((v, i) => [String(i), v]) : isJsonObject(source) ? Object.entries(source) : [];
    for (const [key, child] of entries) {
      const shallow = child === null || typeof child !== 'object';
      const out = shallow ? child : depth >= MAX_META_DEPTH ? TOO_DEEP : copy(child);
      if (Array.isArray(target)) target.push(out);
      else Object.defineProperty(target, key, { value: out, enumerable: true, writable: true, configurable: true });
      if (!shallow && depth < MAX_META_DEPTH) pending.push([child, out, depth + 1]);
    }
  }
  return root;
}
