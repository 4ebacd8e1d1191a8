/**
 * The live model of a cluster: workers and tasks, updated one event at a time by `apply`, which reports
 * what changed so that metrics, push and search can follow without re-reading the model.
 *
 * Memory is bounded: at most `maxTasks` tasks are kept, the newest; when one must go, finished tasks go
 * first (oldest finished first), then the oldest of any state. Offline workers are forgotten after
 * `purgeOfflineAfter` seconds. Everything here is O(1) per event except the rare worker-offline scan.
 */
import type { CeleryEvent, CustomEvent, JsonObject, TaskEvent, WorkerEvent } from '@/lib/celery';
import { IN_FLIGHT_STATES } from '@/lib/api/task-states';
import type { BuildPace } from './arrival-build';
import { Fifo } from './fifo';
import { StringPool } from './string-pool';
import { orderValue, TaskIndex } from './task-index';
import { type TaskLinkReads, TaskLinks } from './task-links';
import { eventState, type Settlement, TaskRecord } from './task-record';
import { Hearing, WorkerRecord } from './worker-record';

export interface ClusterStateOptions {
  /** Tasks kept in memory (Pollen's --max-tasks; Flower's max_tasks). */
  readonly maxTasks: number;
  /** Seconds after which an offline worker is forgotten. */
  readonly purgeOfflineAfter: number;
  /** Workers kept (Flower's --max_workers); past it the longest-offline goes, else the first seen. */
  readonly maxWorkers?: number;
  /** How the index builds what pages first read (arrival-build.ts); tests make slices small. */
  readonly indexPace?: BuildPace;
  /** The first arrival number to give: a durable history's numbering goes on across restarts. */
  readonly firstSeq?: number;
}

export interface Change {
  readonly task: TaskRecord | null;
  /** The task's state changed with this event. */
  readonly taskStateChanged: boolean;
  readonly worker: WorkerRecord | null;
  /** The worker came online with this event (first seen, or back after being offline). */
  readonly workerCameOnline: boolean;
}

/** Seconds the sorted orders and key lists are kept unread before ingest stops keeping them (task-index.ts). */
export const INDEX_IDLE_SECONDS = 300;

const NO_CHANGE: Change = { task: null, taskStateChanged: false, worker: null, workerCameOnline: false };

export class ClusterState implements TaskLinkReads {
  // Private: only the store (server/store) holds a ClusterState, and reads it through the methods below.
  private readonly tasks = new Map<string, TaskRecord>();
  private readonly workers = new Map<string, WorkerRecord>();
  /**
   * Tasks that became ready, in that order; may hold stale entries (evicted, or no longer ready). Only
   * when none is left does eviction take the oldest task of all, so an evicted task is never held here.
   */
  private readonly finished = new Fifo<TaskRecord>();
  /** The one copy of each name, hostname and queue the tasks hold (string-pool.ts). */
  private readonly strings = new StringPool();
  /** Children and retries by the id they name, kept on apply and eviction (task-links.ts). */
  private readonly links = new TaskLinks();
  /** Counts and arrival orders by state, name, worker and queue, kept on apply and eviction (task-index.ts). */
  readonly index: TaskIndex;
  /** The next arrival number (TaskRecord.seq). */
  private nextSeq: number;
  /** Tasks evicted to stay within maxTasks, since start. */
  evicted = 0;
  /** When the event stream could be heard: worker expiry counts only silence heard (worker-record.ts). */
  readonly hearing = new Hearing();

  constructor(readonly options: ClusterStateOptions) {
    this.index = new TaskIndex((task) => task.seq > 0, options.maxTasks + 1, options.indexPace);
    this.nextSeq = options.firstSeq ?? 1;
  }

  /**
   * Puts back a task read from history at start, with its arrival number. Tasks come in arrival order,
   * before any event; past maxTasks the oldest go, as they would have.
   */
  restoreTask(task: TaskRecord): void {
    if (this.tasks.has(task.uuid)) return;
    if (task.seq >= this.nextSeq) this.nextSeq = task.seq + 1;
    if (task.name !== null) task.name = this.strings.share(task.name);
    if (task.worker !== null) task.worker = this.strings.share(task.worker);
    if (task.queue !== null) task.queue = this.strings.share(task.queue);
    if (task.sender !== null) task.sender = this.strings.share(task.sender);
    if (task.routingKey !== null) task.routingKey = this.strings.share(task.routingKey);
    this.tasks.set(task.uuid, task);
    this.index.added(task);
    this.index.reordered(task, task.state, orderValue(task, 'received'), orderValue(task, 'started'), orderValue(task, 'succeeded'), orderValue(task, 'runtime'));
    if (task.ready) this.finished.push(task);
    if (task.parentId !== null || task.extra !== null) this.relink(task, null, null);
    if (this.tasks.size > this.options.maxTasks) this.evictOne(task);
  }

  /** Puts back a worker read from history at start: offline until it is heard again. */
  restoreWorker(worker: WorkerRecord): void {
    if (this.workers.has(worker.hostname)) return;
    this.workers.set(worker.hostname, worker);
  }

  /** A worker record of this model (its liveness follows the model's hearing), for restoring. */
  newWorker(hostname: string, firstSeen: number): WorkerRecord {
    return new WorkerRecord(hostname, firstSeen, this.hearing);
  }

  /** Applies one event received at `localReceived` (our clock, Unix seconds). */
  apply(event: CeleryEvent, localReceived: number): Change {
    if (event.type.startsWith('worker-') && event.known) return this.applyWorker(event as WorkerEvent, localReceived);
    if (event.type.startsWith('task-') && (event.known || event.uuid !== null)) {
      return this.applyTask(event as TaskEvent | CustomEvent, localReceived);
    }
    return NO_CHANGE;
  }

  private applyWorker(event: WorkerEvent, localReceived: number): Change {
    const offline = event.type === 'worker-offline';
    const { worker, cameOnline } = this.workerFor(event.hostname, localReceived, offline ? null : event.pid);
    worker.applyWorkerEvent(event, localReceived);
    if (offline) this.markLost(worker.hostname);
    return { task: null, taskStateChanged: false, worker, workerCameOnline: cameOnline && !offline };
  }

  /**
   * The worker an event comes from. `pid` is the sender's when the event proves it alive (null for
   * worker-offline): a worker marked offline that speaks again with the pid it had never died (a
   * partition, or a broker reconnection that made it send worker-offline and worker-online), so the tasks
   * it was running are not lost after all. A new pid is a new process: those marks stand.
   */
  private workerFor(hostname: string, now: number, pid: number | null): { worker: WorkerRecord; cameOnline: boolean } {
    let worker = this.workers.get(hostname);
    if (worker === undefined) {
      // Rare (a new node name), so a scan is fine here.
      if (this.workers.size >= (this.options.maxWorkers ?? Infinity)) this.forgetOneWorker(now);
      worker = new WorkerRecord(hostname, now, this.hearing);
      this.workers.set(hostname, worker);
      return { worker, cameOnline: true };
    }
    if (worker.offlineSince !== null && pid !== null && pid === worker.pid) this.clearLost(hostname);
    return { worker, cameOnline: !worker.alive(now) };
  }

  private forgetOneWorker(now: number): void {
    let victim: WorkerRecord | null = null;
    for (const worker of this.workers.values()) {
      if (worker.alive(now)) continue;
      if (victim === null || (worker.offlineSince ?? 0) < (victim.offlineSince ?? 0)) victim = worker;
    }
    victim ??= this.workers.values().next().value ?? null;
    if (victim !== null) this.workers.delete(victim.hostname);
  }

  private applyTask(event: TaskEvent | CustomEvent, localReceived: number): Change {
    const { task, changed } = this.applyToTask(event.uuid as string, event, localReceived);
    // The event a settlement stood for came after all: the state is no longer learnt without it.
    if (task.settled !== null && eventState(event.type) === task.state) task.settled = null;

    // task-sent comes from the producer, not a worker: it says nothing about worker liveness.
    let worker: WorkerRecord | null = null;
    let cameOnline = false;
    if (event.type !== 'task-sent') {
      ({ worker, cameOnline } = this.workerFor(event.hostname, localReceived, event.pid));
      worker.heartbeat(event.timestamp, localReceived);
      worker.countTaskEvent(event.type);
    }
    return { task, taskStateChanged: changed, worker, workerCameOnline: cameOnline };
  }

  /** Evicts one task, never `keep` (the one just added): the oldest finished, else the oldest. */
  private evictOne(keep: TaskRecord): void {
    for (let task = this.finished.shift(); task !== undefined; task = this.finished.shift()) {
      if (task.seq > 0 && task.ready && task !== keep) return this.evict(task);
    }
    // Arrival order's stale entries at the front go as tasks are evicted (arrival-list.ts), so this reads one or two.
    const all = this.index.all;
    for (let i = 0; i < all.length; i++) {
      const task = all.at(i);
      if (all.isLive(task) && task !== keep) return this.evict(task);
    }
  }

  private evict(task: TaskRecord): void {
    this.links.remove(task);
    this.tasks.delete(task.uuid);
    this.index.removed(task);
    this.evicted++;
  }

  /**
   * A task's state learnt without its event (from the result backend or the workers' own answers after a
   * gap in the stream): applied as that event would be, except that it says nothing of the worker's
   * liveness, and the task keeps how it was learnt. Returns what changed, as `apply` does.
   */
  settle(event: TaskEvent, settlement: Settlement): Change {
    const { task, changed } = this.applyToTask(event.uuid, event, null);
    task.settled = settlement;
    return { task, taskStateChanged: changed, worker: null, workerCameOnline: false };
  }

  /** The task's record, made on its first event (the oldest goes past maxTasks), with the event applied. */
  private applyToTask(uuid: string, event: TaskEvent | CustomEvent, localReceived: number | null): { task: TaskRecord; changed: boolean } {
    let task = this.tasks.get(uuid);
    if (task === undefined) {
      task = new TaskRecord(uuid);
      task.seq = this.nextSeq++;
      this.tasks.set(uuid, task);
      this.index.added(task);
      if (this.tasks.size > this.options.maxTasks) this.evictOne(task);
    }
    const wasReady = task.ready;
    const parentBefore = task.parentId;
    const extraBefore = task.extra;
    const { state, name, worker, queue, sender, rootId, routingKey, args, kwargs, result, exception } = task;
    // The sorted orders are kept only while pages read them (task-index.ts).
    const ordered = this.index.ordersKept;
    const received = ordered ? orderValue(task, 'received') : null;
    const started = ordered ? orderValue(task, 'started') : null;
    const succeeded = ordered ? orderValue(task, 'succeeded') : null;
    const runtime = ordered ? orderValue(task, 'runtime') : null;
    const changed = task.apply(event);
    // Before the orders: a suspect clock's times sort by when we last heard of the task.
    if (localReceived !== null) task.noteReceipt(event.timestamp, localReceived);
    // Each event brings its own copies of these strings: keep the ones held when equal (a comparison, no
    // lookup), else share through the pool, once per change.
    if (task.name !== null) task.name = task.name === name ? name : this.strings.share(task.name);
    if (task.worker !== null) task.worker = task.worker === worker ? worker : this.strings.share(task.worker);
    if (task.queue !== null) task.queue = task.queue === queue ? queue : this.strings.share(task.queue);
    if (task.sender !== null) task.sender = task.sender === sender ? sender : this.strings.share(task.sender);
    if (task.routingKey !== null) task.routingKey = task.routingKey === routingKey ? routingKey : this.strings.share(task.routingKey);
    if (task.rootId !== null && task.rootId !== rootId) task.rootId = task.rootId === task.uuid ? task.uuid : (this.tasks.get(task.rootId)?.uuid ?? task.rootId);
    else task.rootId = rootId;
    this.index.changed(task, state, name, worker, queue);
    this.index.reordered(task, state, received, started, succeeded, runtime);
    this.index.retexted(task, name, worker, args, kwargs, result, exception);
    if (task.ready && !wasReady) this.finished.push(task);
    if (task.parentId !== parentBefore || task.extra !== extraBefore) this.relink(task, parentBefore, extraBefore);
    return { task, changed };
  }

  private relink(task: TaskRecord, parentBefore: string | null, extraBefore: JsonObject | null): void {
    // The parent's id is held once when the parent is: every child's event carries its own copy.
    const parent = task.parentId === null || task.parentId === parentBefore ? undefined : this.tasks.get(task.parentId);
    if (parent !== undefined) task.parentId = parent.uuid;
    this.links.update(task, parentBefore, extraBefore);
  }

  task(id: string): TaskRecord | undefined {
    return this.tasks.get(id);
  }

  /** The held tasks in arrival order (a task enters once; an evicted one that comes back is a new record). */
  taskValues(): IterableIterator<TaskRecord> {
    return this.tasks.values();
  }

  get taskCount(): number {
    return this.tasks.size;
  }

  worker(hostname: string): WorkerRecord | undefined {
    return this.workers.get(hostname);
  }

  /** The held workers, in the order first seen. */
  workerValues(): IterableIterator<WorkerRecord> {
    return this.workers.values();
  }

  get workerCount(): number {
    return this.workers.size;
  }

  /** Ids of the held tasks whose parent is `id` (held or not), without walking the model. */
  childrenOf(id: string): readonly string[] {
    return this.links.childrenOf(id);
  }

  /** Ids of the held tasks Pollen sent as retries of `id` (held or not), without walking the model. */
  retriedAs(id: string): readonly string[] {
    return this.links.retriedAs(id);
  }

  /** How many ids the link indexes hold (for tests and memory figures). */
  get linkTargets(): { readonly parents: number; readonly originals: number } {
    return this.links.size;
  }

  /**
   * The event stream is cut from `since` (Unix seconds, the gap's start). Workers the sweep took offline
   * after that moment went silent only because Pollen had stopped hearing (it was behind, or the broker
   * had stalled): they are alive again, and the tasks their expiry marked lost are not. Returns them.
   */
  streamInterrupted(since: number): WorkerRecord[] {
    this.hearing.interrupted(since);
    const revived: WorkerRecord[] = [];
    for (const worker of this.workers.values()) {
      // Expiry keeps the heartbeats; worker-offline, which was heard, clears them.
      if (worker.offlineSince !== null && worker.offlineSince > since && worker.heartbeats.length > 0) {
        worker.offlineSince = null;
        this.clearLost(worker.hostname);
        revived.push(worker);
      }
    }
    return revived;
  }

  /** The stream is back at `at` (Unix seconds): heartbeat windows run again from then. */
  streamResumed(at: number): void {
    const cutFrom = this.hearing.cutSince;
    if (cutFrom === null) return;
    for (const worker of this.workers.values()) worker.resumeGrace(at, cutFrom);
    this.hearing.resumed(at);
  }

  /** Names of the workers alive at `now` (Unix seconds). */
  onlineWorkers(now: number): string[] {
    const names: string[] = [];
    for (const worker of this.workers.values()) if (worker.alive(now)) names.push(worker.hostname);
    return names;
  }

  /**
   * Marks workers whose heartbeats expired while Pollen listened as offline (their in-flight tasks as
   * lost) and forgets workers offline for longer than purgeOfflineAfter. Call it periodically; returns
   * the workers that went offline in this sweep.
   */
  sweep(now: number): WorkerRecord[] {
    this.index.sweep(now, INDEX_IDLE_SECONDS);
    const wentOffline: WorkerRecord[] = [];
    for (const worker of this.workers.values()) {
      if (worker.offlineSince === null && !worker.alive(now)) {
        worker.offlineSince = worker.expiresAt() ?? now;
        this.markLost(worker.hostname);
        wentOffline.push(worker);
      }
      if (worker.offlineSince !== null && now - worker.offlineSince > this.options.purgeOfflineAfter) {
        this.workers.delete(worker.hostname);
      }
    }
    return wentOffline;
  }

  /** The tasks a vanished worker was running or holding are lost: visible, not left STARTED forever. */
  private markLost(hostname: string): void {
    this.forTasksOf(hostname, (task) => {
      if (IN_FLIGHT_STATES.has(task.state)) task.lost = true;
    });
  }

  private clearLost(hostname: string): void {
    this.forTasksOf(hostname, (task) => {
      task.lost = false;
    });
  }

  /** The held tasks of one worker, from its list if kept. */
  private forTasksOf(hostname: string, visit: (task: TaskRecord) => void): void {
    this.index.forEachWithKeys('worker', new Set([hostname]), visit);
  }
}
