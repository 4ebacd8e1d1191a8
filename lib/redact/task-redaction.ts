/**
 * Task data with its secrets masked (redactor.ts):
 * - an event at ingest, before the store holds it, history writes it, push sends it, search reads it or
 *   an export copies it. It is returned as it came when nothing in it was secret, which is nearly always,
 *   so ingest allocates nothing for it;
 * - a result backend's meta (result, traceback, result_extended args and kwargs) before a page or an API
 *   answer shows it. A retry reads the backend itself: its meta is the one faithful copy of the arguments.
 */
import type { CeleryEvent, JsonObject, JsonValue, TaskMeta } from '@/lib/celery';
import type { Redactor } from './redactor';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const TEXT_FIELDS = ['args', 'kwargs', 'result', 'exception', 'traceback'] as const;

export function redactEvent(redactor: Redactor, event: CeleryEvent): CeleryEvent {
  let out: Mutable<CeleryEvent> | null = null;
  const fields = event as unknown as Partial<Record<(typeof TEXT_FIELDS)[number], string | null>>;
  for (const field of TEXT_FIELDS) {
    const value = fields[field];
    if (typeof value !== 'string') continue;
    const masked = redactor.text(value);
    if (masked === value) continue;
    out ??= { ...event };
    (out as unknown as Record<string, string>)[field] = masked;
  }
  if (event.extra !== null) {
    const extra = redactor.json(event.extra) as JsonObject;
    if (extra !== event.extra) {
      out ??= { ...event };
      out.extra = extra;
    }
  }
  return out ?? event;
}

export function redactTaskMeta(redactor: Redactor, meta: TaskMeta): TaskMeta {
  const result = redactor.json(meta.result);
  const traceback = meta.traceback === null ? null : redactor.text(meta.traceback);
  const args = meta.args === null ? null : (redactor.json(meta.args) as JsonValue[]);
  const kwargs = meta.kwargs === null ? null : (redactor.json(meta.kwargs) as JsonObject);
  const extra = meta.extra === null ? null : (redactor.json(meta.extra) as JsonObject);
  const exception = meta.exception === null ? null : { ...meta.exception, message: redactor.json(meta.exception.message) };
  return { ...meta, result, traceback, args, kwargs, extra, exception };
}
