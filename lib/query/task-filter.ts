/**
 * The one task filter: plain data (so that an SQL store can compile it to a WHERE clause later) and the
 * one evaluation of it, shared by Flower's /api/tasks, /api/v1/tasks, bulk selection, the push task-list
 * feed and the dashboard's live rows. Each reader turns its own parameters into a TaskFilter and asks
 * matchesFilter; none keeps its own rules.
 *
 * The rules, for every reader:
 * - state: Celery's states are upper-case (custom `task-<name>` events become `<NAME>`), so the states
 *   asked for are upper-cased once here and compared exactly; `failure` finds FAILURE tasks.
 * - queue: the queue the producer sent the task to, from its task-sent event. The routing key is never
 *   taken for a queue: an exchange may route one key to several queues or to none, and only the producer
 *   named the queue. A task whose task-sent was not seen has no known queue and matches no queue filter.
 * - time ranges (received, started): the task's own time of that event, with no stand-in. A task not
 *   (yet) received is outside every received range: it was not received in it. The start of a range is
 *   included; its end is excluded unless `toIncluded` (Flower's received_end is a whole minute, included).
 * - names, workers: exact; a task without a name or worker matches no such filter.
 * - several values of one field match any of them; different fields must all match.
 */
import { matchesTask, type SearchableTask } from '../search/search-match';
import type { SearchQuery } from '../search/search-query';

/** Unix seconds. */
export interface TimeRange {
  readonly from: number | null;
  readonly to: number | null;
  /** Whether a time equal to `to` is inside (Flower's minute bounds) or not (v1's `*_before`). */
  readonly toIncluded: boolean;
}

export interface TaskFilter {
  /** Upper-case; null for any. Never an empty list (that would match nothing): build it with taskFilter(). */
  readonly states: readonly string[] | null;
  readonly names: readonly string[] | null;
  readonly workers: readonly string[] | null;
  readonly queues: readonly string[] | null;
  readonly received: TimeRange | null;
  readonly started: TimeRange | null;
  /** Only tasks whose worker went offline while they were in flight (true), or only the others (false). */
  readonly lost: boolean | null;
  /** Flower's search language, parsed (lib/search); `{kind: 'all'}` for none. */
  readonly search: SearchQuery;
}

/** The fields a filter reads: the server's TaskRecord, a dashboard row, or any object with them. */
export interface FilterableTask extends SearchableTask {
  readonly queue: string | null;
  readonly received: number | null;
  readonly started: number | null;
  readonly lost: boolean;
}

export interface TaskFilterInput {
  readonly states?: readonly string[] | null | undefined;
  readonly names?: readonly string[] | null | undefined;
  readonly workers?: readonly string[] | null | undefined;
  readonly queues?: readonly string[] | null | undefined;
  readonly received?: TimeRange | null | undefined;
  readonly started?: TimeRange | null | undefined;
  readonly lost?: boolean | null | undefined;
  readonly search?: SearchQuery | undefined;
}

export const MATCH_ALL: SearchQuery = { kind: 'all' };

/** A filter in its normal form: states upper-cased, empty lists and open ranges as no filter. */
export function taskFilter(input: TaskFilterInput): TaskFilter {
  return {
    states: listOf(input.states?.map((s) => s.toUpperCase())),
    names: listOf(input.names),
    workers: listOf(input.workers),
    queues: listOf(input.queues),
    received: rangeOf(input.received),
    started: rangeOf(input.started),
    lost: input.lost ?? null,
    search: input.search ?? MATCH_ALL,
  };
}

/** Whether the filter selects every task. */
export function isEmptyFilter(filter: TaskFilter): boolean {
  return (
    filter.states === null && filter.names === null && filter.workers === null && filter.queues === null &&
    filter.received === null && filter.started === null && filter.lost === null && filter.search.kind === 'all'
  );
}

export function matchesFilter(filter: TaskFilter, task: FilterableTask): boolean {
  return (
    oneOf(filter.states, task.state) &&
    oneOf(filter.names, task.name) &&
    oneOf(filter.workers, task.worker) &&
    oneOf(filter.queues, task.queue) &&
    within(filter.received, task.received) &&
    within(filter.started, task.started) &&
    (filter.lost === null || task.lost === filter.lost) &&
    matchesTask(filter.search, task)
  );
}

function listOf(values: readonly string[] | null | undefined): readonly string[] | null {
  if (values === null || values === undefined) return null;
  const distinct = [...new Set(values.filter((v) => v !== ''))];
  return distinct.length === 0 ? null : distinct;
}

function rangeOf(range: TimeRange | null | undefined): TimeRange | null {
  return range === null || range === undefined || (range.from === null && range.to === null) ? null : range;
}

// Filters hold a handful of values: a scan is cheaper than building a Set per filter.
function oneOf(values: readonly string[] | null, value: string | null): boolean {
  return values === null || (value !== null && values.includes(value));
}

function within(range: TimeRange | null, time: number | null): boolean {
  if (range === null) return true;
  if (time === null) return false;
  return (range.from === null || time >= range.from) && (range.to === null || time < range.to || (range.toIncluded && time === range.to));
}
