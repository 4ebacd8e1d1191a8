/**
 * The in-memory store: the port (task-store.ts) over ClusterState, the reference model, which no one
 * else holds. Pages in arrival order come from the model's kept arrival lists (memory-task-arrival-page.ts),
 * other orders by walking the model (memory-task-page.ts, the reference); counts are kept, not counted.
 * It tells listeners of every write.
 */
import { randomUUID } from 'node:crypto';
import { FINISHED_STATES } from '@/lib/api/task-states';
import type { CeleryEvent, TaskEvent } from '@/lib/celery';
import type { TaskQuery } from '@/lib/query/task-query';
import type { Logger } from '@/lib/runtime/logger';
import { redactEvent } from '@/lib/redact/task-redaction';
import type { Redactor } from '@/lib/redact/redactor';
import { type Change, ClusterState, type ClusterStateOptions } from '../state/cluster-state';
import { retryOf } from '../state/task-links';
import type { Settlement, TaskRecord } from '../state/task-record';
import type { WorkerRecord } from '../state/worker-record';
import { arrivalPage } from './memory-task-arrival-page';
import { offsetPage } from './memory-task-offset-page';
import { memoryPage } from './memory-task-page';
import { sortedPage } from './memory-task-sorted-page';
import type { ListeningGap } from '../history/history-reads';
import type { ChangeListener, SettledListener, TaskCounts, TaskPageResult, TaskStore, TaskWithLinks } from './task-store';

export interface MemoryTaskStoreOptions extends ClusterStateOptions {
  /** Where a throwing listener is reported (it never stops the others, nor the write). */
  readonly log?: Pick<Logger, 'error'>;
  /** Names the arrival numbering in cursors: a durable history's own, so cursors outlive a restart. */
  readonly epoch?: string;
  /**
   * Masks secrets in every event before the model holds it (--redact), so that nothing downstream (history,
   * push, search, exports) ever sees them: the store is the one way in for task data.
   */
  readonly redactor?: Redactor;
}

/** When a task entered the cluster: sent, else received, else its latest event. */
function arrivalTime(task: TaskRecord): number {
  return task.sent ?? task.received ?? task.timestamp;
}

export class MemoryTaskStore implements TaskStore {
  private readonly state: ClusterState;
  private readonly listeners = new Set<ChangeListener>();
  private readonly settledListeners = new Set<SettledListener>();
  /** Names this store's arrival numbering: a cursor from another run (or another store) is refused. */
  readonly epoch: string;

  constructor(private readonly options: MemoryTaskStoreOptions) {
    this.state = new ClusterState(options);
    this.epoch = options.epoch ?? randomUUID().slice(0, 8);
  }

  /** Puts back a task read from history at start (in arrival order, before any event). */
  restoreTask(task: TaskRecord): void {
    this.state.restoreTask(task);
  }

  /** Puts back a worker read from history at start, filled by `fill`. */
  restoreWorker(hostname: string, fill: (worker: WorkerRecord) => WorkerRecord): void {
    this.state.restoreWorker(fill(this.state.newWorker(hostname, 0)));
  }

  /** The held tasks of one worker (those its going offline marks lost). */
  forTasksOfWorker(hostname: string, visit: (task: TaskRecord) => void): void {
    this.state.index.forEachWithKeys('worker', new Set([hostname]), visit);
  }

  apply(received: CeleryEvent, localReceived: number): Change {
    const event = this.options.redactor === undefined ? received : redactEvent(this.options.redactor, received);
    const change = this.state.apply(event, localReceived);
    for (const listener of this.listeners) {
      try {
        listener(change, event);
      } catch (err) {
        this.options.log?.error({ err }, 'change listener failed');
      }
    }
    return change;
  }

  settle(learnt: TaskEvent, settlement: Settlement): Change {
    // A result backend's result and traceback are task data as much as an event's.
    const event = this.options.redactor === undefined ? learnt : (redactEvent(this.options.redactor, learnt) as TaskEvent);
    const change = this.state.settle(event, settlement);
    for (const listener of this.settledListeners) {
      try {
        listener(change, event, settlement);
      } catch (err) {
        this.options.log?.error({ err }, 'settlement listener failed');
      }
    }
    return change;
  }

  streamInterrupted(since: number): WorkerRecord[] {
    return this.state.streamInterrupted(since);
  }

  streamResumed(at: number): void {
    this.state.streamResumed(at);
  }

  heard(until: number): void {
    this.state.hearing.heard(until);
  }

  sweep(now: number): WorkerRecord[] {
    return this.state.sweep(now);
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onSettled(listener: SettledListener): () => void {
    this.settledListeners.add(listener);
    return () => this.settledListeners.delete(listener);
  }

  task(id: string): TaskRecord | undefined {
    return this.state.task(id);
  }

  taskWithLinks(id: string): TaskWithLinks | undefined {
    const task = this.state.task(id);
    if (task === undefined) return undefined;
    return { task, parent: task.parentId, root: task.rootId, children: this.state.childrenOf(id), retriedAs: this.state.retriedAs(id), retryOf: retryOf(task) };
  }

  childrenOf(id: string): readonly string[] {
    return this.state.childrenOf(id);
  }

  retriedAs(id: string): readonly string[] {
    return this.state.retriedAs(id);
  }

  notReadyTaskIds(): string[] {
    // The lists of the states not finished when kept (after a gap most tasks are done), else one pass.
    const ids: string[] = [];
    const index = this.state.index;
    const states = new Set([...index.counts('state').keys()].filter((state) => !FINISHED_STATES.has(state)));
    index.forEachWithKeys('state', states, (task) => ids.push(task.uuid));
    return ids;
  }

  /**
   * Found around `at` in arrival order (where arrival times are close to sorted), not by a walk of every
   * task: up to `limit` parentless tasks on each side of the place `at` would take, nearest first.
   */
  rootsNear(at: number, limit: number, except: string): TaskRecord[] {
    const all = this.state.index.all;
    let lo = 0;
    let hi = all.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (arrivalTime(all.at(mid)) < at) lo = mid + 1;
      else hi = mid;
    }
    const candidates: [TaskRecord, number][] = [];
    const collect = (from: number, step: 1 | -1): void => {
      let found = 0;
      for (let i = from; i >= 0 && i < all.length && found < limit; i += step) {
        const task = all.at(i);
        if (!all.isLive(task) || task.parentId !== null || task.uuid === except) continue;
        candidates.push([task, Math.abs(arrivalTime(task) - at)]);
        found++;
      }
    };
    collect(lo, 1);
    collect(lo - 1, -1);
    return candidates.sort((a, b) => a[1] - b[1]).slice(0, limit).map(([task]) => task);
  }

  page(query: TaskQuery): TaskPageResult {
    const { index, taskCount } = this.state;
    return (
      arrivalPage(index, taskCount, this.epoch, query) ??
      sortedPage(index, taskCount, this.epoch, query) ??
      offsetPage(index, taskCount, query) ??
      memoryPage(() => this.inArrivalOrder(), this.epoch, query)
    );
  }

  private *inArrivalOrder(): Generator<readonly [TaskRecord, number]> {
    for (const task of this.state.taskValues()) yield [task, task.seq];
  }

  counts(): TaskCounts {
    const index = this.state.index;
    return {
      total: this.state.taskCount,
      byState: new Map(index.counts('state')),
      byName: new Map(index.counts('name')),
      byWorker: new Map(index.counts('worker')),
      byQueue: new Map(index.counts('queue')),
    };
  }

  countsByState(): ReadonlyMap<string, number> {
    return new Map(this.state.index.counts('state'));
  }

  taskNames(): string[] {
    return [...this.state.index.counts('name').keys()].sort();
  }

  hasTaskName(name: string): boolean {
    return this.state.index.count('name', name) > 0;
  }

  get taskCount(): number {
    return this.state.taskCount;
  }

  get evicted(): number {
    return this.state.evicted;
  }

  worker(hostname: string): WorkerRecord | undefined {
    return this.state.worker(hostname);
  }

  workers(): Iterable<WorkerRecord> {
    return this.state.workerValues();
  }

  get workerCount(): number {
    return this.state.workerCount;
  }

  onlineWorkers(now: number): string[] {
    return this.state.onlineWorkers(now);
  }

  // Without history, the reads across it are the live window's.

  findTask(id: string): Promise<TaskRecord | undefined> {
    return Promise.resolve(this.task(id));
  }

  findTaskWithLinks(id: string): Promise<TaskWithLinks | undefined> {
    return Promise.resolve(this.taskWithLinks(id));
  }

  findPage(query: TaskQuery): Promise<TaskPageResult> {
    return Promise.resolve(this.page(query));
  }

  timeline(): Promise<null> {
    return Promise.resolve(null);
  }

  historyWriting(): null {
    return null;
  }

  historyPruned(): null {
    return null;
  }

  listeningGaps(): Promise<ListeningGap[]> {
    return Promise.resolve([]);
  }

  readonly restartGap = null;

  readonly metricHistory = null;

  close(): Promise<void> {
    return Promise.resolve();
  }
}
