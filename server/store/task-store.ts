/**
 * The port of the cluster model: the one door through which events come in and reads go out. The
 * in-memory store (memory-task-store.ts, over ClusterState) is the default and the reference; the SQLite
 * and PostgreSQL stores implement the same port, and the contract suite (task-store.contract.ts) runs
 * over each of them.
 *
 *   collector ──events──▶ apply / settle / streamInterrupted / streamResumed / sweep ──Change──▶ listeners
 *   retry's task-sent ──applyOwn (collector) ──▶ apply ─────────────────────────────────────┘
 *   routes, push, Prometheus ◀── task / links / page / counts / taskNames / workers
 *
 * It is the only writer, and the change bus lives on it: whoever writes, metrics, Prometheus and push
 * see it, because they listen here and not to one caller.
 *
 * Writes are synchronous: the ingest hot path runs one apply per event and must stay allocation-light
 * (shared/PERF.md), so the durable store (durable-task-store.ts) applies to its in-memory window at once
 * and writes history behind it. The live window's reads are synchronous too: push flushes, Prometheus
 * scrapes and gap settlement read it on every tick and would pay a Promise per row for nothing. Reads
 * that reach past the window into history (`find*`, `timeline`) are async, and the HTTP routes use them.
 *
 * Queries are data (lib/query's TaskQuery), never closures, so that an SQL store compiles them to WHERE
 * and ORDER BY. Cursors are the store's: opaque strings naming its arrival numbering, refused when they
 * come from another run, another sort or another filter.
 */
import type { CeleryEvent, TaskEvent } from '@/lib/celery';
import type { TaskQuery } from '@/lib/query/task-query';
import type { Change } from '../state/cluster-state';
import type { WorkerRecord } from '../state/worker-record';
import type { Settlement, TaskRecord } from '../state/task-record';
import type { TaskLinkReads } from '../state/task-links';
import type { TaskTimelineEvent } from '../history/event-row';
import type { ListeningGap } from '../history/history-reads';
import type { HistoryPruned } from '../history/history-retention';
import type { HistoryWriting } from '../history/write-behind';
import type { MetricHistory } from '../history/metric-history';

export type { Change };

/** Told of every event applied (from the broker, or the server's own: a retry's task-sent). */
export type ChangeListener = (change: Change, event: CeleryEvent) => void;

/** Told of every task state learnt without its event (gap settlement). */
export type SettledListener = (change: Change, event: TaskEvent, settlement: Settlement) => void;

/** A task with the tasks around it. Ids may name tasks no longer (or not yet) held. */
export interface TaskWithLinks {
  readonly task: TaskRecord;
  readonly parent: string | null;
  readonly root: string | null;
  /** Held tasks whose parent is this one, in the order they were linked. */
  readonly children: readonly string[];
  /** Held tasks Pollen sent as retries of this one. */
  readonly retriedAs: readonly string[];
  /** The task this one retries, when Pollen sent it as a retry. */
  readonly retryOf: string | null;
}

export type TaskPageResult =
  | {
      readonly ok: true;
      readonly tasks: readonly TaskRecord[];
      /** Tasks matching the filter, on every page (v1's total_matching). */
      readonly total: number;
      /** False when history stopped counting at a bound: at least `total` tasks match (v1's total_exact). */
      readonly totalExact?: boolean;
      /** Where the next page starts (cursor pages only); null on the last page. */
      readonly nextCursor: string | null;
    }
  | { readonly ok: false; readonly reason: CursorRefusal };

/** Why a cursor was refused: not a cursor, from another run (or store), or for another sort or filter. */
export type CursorRefusal = 'malformed' | 'other-run' | 'other-query';

export interface TaskCounts {
  readonly total: number;
  readonly byState: ReadonlyMap<string, number>;
  /** Tasks without a name (only a late event seen) are not counted here. */
  readonly byName: ReadonlyMap<string, number>;
  readonly byWorker: ReadonlyMap<string, number>;
  readonly byQueue: ReadonlyMap<string, number>;
}

export interface TaskStore extends TaskLinkReads {
  // Writes: the only ones. Each returns what changed and tells the listeners.

  /** Applies one event received at `localReceived` (our clock, Unix seconds). */
  apply(event: CeleryEvent, localReceived: number): Change;
  /** A task's state learnt without its event (gap settlement): applied, and told to settled listeners. */
  settle(event: TaskEvent, settlement: Settlement): Change;
  /** The event stream is cut from `since` (Unix seconds): returns the workers this revives. */
  streamInterrupted(since: number): WorkerRecord[];
  /** The stream is back at `at` (Unix seconds). */
  streamResumed(at: number): void;
  /** The stream was heard up to `until` (Unix seconds). */
  heard(until: number): void;
  /** Expires silent workers and forgets long-offline ones; returns those that went offline. */
  sweep(now: number): WorkerRecord[];

  onChange(listener: ChangeListener): () => void;
  onSettled(listener: SettledListener): () => void;

  // Reads.

  task(id: string): TaskRecord | undefined;
  taskWithLinks(id: string): TaskWithLinks | undefined;
  /** Ids of the held tasks not ready yet (in flight, or only sent): the suspects after a gap. */
  notReadyTaskIds(): string[];
  /** The parentless tasks (other than `except`) that arrived nearest `at` (Unix seconds), nearest first. */
  rootsNear(at: number, limit: number, except: string): TaskRecord[];
  /**
   * A page of tasks for a query given as data. Cursor pages (v1) take v1's sorts (arrival, received,
   * started, succeeded, runtime) and refuse a cursor from another run, sort or filter; offset pages
   * (Flower's /api/tasks) take every TaskQuery sort. An indexed store answers in O(page + log n).
   */
  page(query: TaskQuery): TaskPageResult;
  /** Counts kept by the store (never a scan in an indexed store). */
  counts(): TaskCounts;
  /** Tasks by state alone: what the push overview reads on every flush. */
  countsByState(): ReadonlyMap<string, number>;
  /** Names of the tasks held, sorted. */
  taskNames(): string[];
  /** Whether any held task has this name. */
  hasTaskName(name: string): boolean;
  /** Tasks held (at most maxTasks). */
  readonly taskCount: number;
  /** Tasks evicted to stay within maxTasks, since start. */
  readonly evicted: number;

  worker(hostname: string): WorkerRecord | undefined;
  /** Every worker held, online or not, in the order first seen. */
  workers(): Iterable<WorkerRecord>;
  readonly workerCount: number;
  /** Names of the workers alive at `now` (Unix seconds). */
  onlineWorkers(now: number): string[];

  // Reads across history: what the HTTP routes read. A store without history answers them from memory.

  /** A task by id, held or only in history. */
  findTask(id: string): Promise<TaskRecord | undefined>;
  /** A task with its links, children and retries found in history too. */
  findTaskWithLinks(id: string): Promise<TaskWithLinks | undefined>;
  /** A page over every task history holds; an offset page without a limit is the live window's (Flower's list). */
  findPage(query: TaskQuery): Promise<TaskPageResult>;
  /** Every event history holds of the task, in order; null without history (its times stand for them). */
  timeline(id: string): Promise<TaskTimelineEvent[] | null>;
  /** How history is being written; null without history (--db memory). */
  historyWriting(): HistoryWriting | null;
  /** What retention has pruned from history since start; null without history or retention. */
  historyPruned(): HistoryPruned | null;
  /** When Pollen was not listening (between runs on this history), newest first. */
  listeningGaps(): Promise<ListeningGap[]>;
  /** When Pollen was not listening just before this start (its last run's end to now); null on a first start or without history. */
  readonly restartGap: ListeningGap | null;
  /** The charts' past (rollups, queue lengths, worker periods); null without history. */
  readonly metricHistory: MetricHistory | null;
  /** Writes what is left and lets go of history. */
  close(): Promise<void>;
}
