/** The result-backend records a worker writes for a request (CELERY-WIRE.md §7). */
import { type ExceptionInfo, type JsonValue, newTaskMeta, READY_STATES, type TaskMeta } from '@/lib/celery';
import type { Request } from './request';

/** `datetime.utcnow().isoformat()`: naive, microseconds. */
export function pythonUtcNow(date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000');
}

export interface MetaParts {
  readonly result?: JsonValue;
  readonly exception?: ExceptionInfo | null;
  readonly traceback?: string | null;
  /** Ids of tasks this one sent (callbacks, chain step, its own retry). */
  readonly children?: readonly string[];
}

function fromParts(status: string, parts: MetaParts): Partial<TaskMeta> {
  return {
    result: parts.result ?? null,
    exception: parts.exception ?? null,
    traceback: parts.traceback ?? null,
    children: (parts.children ?? []).map((id) => [[id, null], null]),
    dateDone: READY_STATES.has(status) ? pythonUtcNow() : null,
  };
}

export function taskMeta(request: Request, status: string, parts: MetaParts, extended: boolean): TaskMeta {
  const m = request.message;
  return newTaskMeta(m.id, status, {
    ...fromParts(status, parts),
    groupId: m.group,
    parentId: m.parentId,
    ...(extended && {
      extended,
      name: m.name,
      args: m.args,
      kwargs: m.kwargs,
      worker: request.hostname,
      retries: m.retries,
      queue: request.delivery.message.delivery?.routingKey ?? request.delivery.queue,
    }),
  });
}

/** A record for a task this worker does not run (an unknown task, a chord body that fails before it is sent). */
export function bareMeta(taskId: string, status: string, parts: MetaParts, lineage: { groupId?: string | null; parentId?: string | null } = {}): TaskMeta {
  return newTaskMeta(taskId, status, { ...fromParts(status, parts), groupId: lineage.groupId ?? null, parentId: lineage.parentId ?? null });
}
