/** Test-only: task events as a Python worker sends them, decoded, for building models in unit tests. */
import { type CeleryEvent, decodeEventBody, type JsonObject } from '@/lib/celery';
import { taskFilter } from '@/lib/query/task-filter';
import type { TaskRecord } from '../../state/task-record';
import { MemoryTaskStore } from '../../store/memory-task-store';
import type { TaskStore } from '../../store/task-store';

export function _taskEvent(type: string, uuid: string, timestamp: number, fields: JsonObject = {}, hostname = 'w1@host'): CeleryEvent {
  const { events, errors } = decodeEventBody({ hostname, utcoffset: 0, pid: 1, clock: 1, uuid, ...fields, timestamp, type });
  if (errors.length > 0 || events.length !== 1) throw new Error(`bad test event: ${JSON.stringify(errors)}`);
  return events[0] as CeleryEvent;
}

/** Every task the store holds, in arrival order. */
export function _allTasks(store: TaskStore): readonly TaskRecord[] {
  const page = store.page({ filter: taskFilter({}), sort: { key: 'arrival', order: 'asc' }, page: { kind: 'offset', offset: 0, limit: null } });
  if (!page.ok) throw new Error(page.reason);
  return page.tasks;
}

export function _emptyState(maxTasks = 10_000): MemoryTaskStore {
  return new MemoryTaskStore({ maxTasks, purgeOfflineAfter: 3600 });
}

/** A task received (name, args) and then, unless `state` is RECEIVED, finished in that state. */
export function _addTask(state: TaskStore, uuid: string, t: number, fields: { name?: string; state?: string; args?: string; kwargs?: string; parent?: string; root?: string; worker?: string } = {}): void {
  const worker = fields.worker ?? 'w1@host';
  state.apply(_taskEvent('task-received', uuid, t, {
    name: fields.name ?? 'tasks.add', args: fields.args ?? '(1, 2)', kwargs: fields.kwargs ?? '{}',
    root_id: fields.root ?? uuid, parent_id: fields.parent ?? null, retries: 0, eta: null, expires: null,
  }, worker), t);
  const final = fields.state ?? 'SUCCESS';
  if (final === 'RECEIVED') return;
  state.apply(_taskEvent('task-started', uuid, t + 0.1, {}, worker), t + 0.1);
  if (final === 'STARTED') return;
  const done: Record<string, [string, JsonObject]> = {
    SUCCESS: ['task-succeeded', { result: '3', runtime: 0.5 }],
    FAILURE: ['task-failed', { exception: "ValueError('boom')", traceback: 'Traceback ...' }],
    REVOKED: ['task-revoked', { terminated: false, signum: null, expired: false }],
  };
  const [type, extra] = done[final] ?? ['task-succeeded', {}];
  state.apply(_taskEvent(type, uuid, t + 0.5, extra, worker), t + 0.5);
}
