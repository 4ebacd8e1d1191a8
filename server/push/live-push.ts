/**
 * Live subscriptions: which sockets follow what, what changed for them, and the coalesced flush.
 *
 *   store ──change──▶ onChange ──marks──▶ feeds (dirty flags, bounded id sets)
 *                            └─ FlushClock.request()  (one timer for the whole server)
 *   FlushClock ──≤ every 250 ms──▶ flush ──▶ one update per changed feed ──▶ one batch per socket
 *
 * Equal subscriptions share one feed, so an event costs the same for 1 socket as for 200: O(1) for the
 * overview, task and worker feeds (map look-ups), plus one filter test per distinct `tasks` filter, and
 * a single comparison when nobody subscribes. Sockets that get the same updates get the same batch,
 * encoded once (PushOutlet.send).
 *
 * A socket whose transport cannot take more (PushOutlet.canTake) is skipped rather than queued for,
 * and is sent `subscriptions:invalidated` when it can again, so a stalled browser costs the server a
 * flag, never a growing buffer. Feeds whose changes pass their caps invalidate their subscribers too.
 *
 * Changes that happen without an event (a worker expires or its liveness becomes unknown, the throughput
 * window slides) are picked up
 * by a housekeeping tick, once a second while anyone follows workers or the overview.
 */
import { type CancelAck, type Invalidation, PUSH_LIMITS, type PushBatch, type PushUpdate, type SubscribeAck } from '@/lib/push/contract';
import type { WorkerEventJson } from '@/lib/api/workers';
import type { Metrics } from '../metrics';
import type { Change, TaskStore } from '../store/task-store';
import type { TaskRecord } from '../state/task-record';
import { FeedRegistry } from './feed-registry';
import type { Feed, OverviewFeed, SocketEntry, TaskFeed, TasksFeed } from './feeds';
import { FlushClock } from './flush-clock';
import { buildOverview, overviewClock } from './overview';
import { pushedRow, pushedTask, pushedWorkers } from './pushed-records';
import { parseCancelRequest, parseSubscribeRequest, pushError } from './subscription-request';
import type { TaskListFeed } from './task-list-feed';

/** Where batches go: Socket.IO in production (socket-server.ts), a recorder in tests. */
export interface PushOutlet {
  /** The same batch to every socket listed (Socket.IO encodes it once). */
  send(socketIds: readonly string[], batch: PushBatch): void;
  invalidate(socketId: string, invalidation: Invalidation): void;
  /** Whether the socket's transport can take another batch now, or is still busy with earlier ones. */
  canTake(socketId: string): boolean;
}

export interface LivePushSources {
  readonly state: TaskStore;
  readonly metrics: Metrics;
}

export interface LivePushOptions {
  readonly flushIntervalMs?: number;
  readonly housekeepingMs?: number;
  /** Distinct `tasks` filters server-wide: each costs one filter test per task event. */
  readonly maxTaskLists?: number;
  readonly onError?: (err: unknown) => void;
}

const HOUSEKEEPING_MS = 1000;
const MAX_TASK_LISTS = 256;

export class LivePush {
  private readonly feeds: FeedRegistry;
  /** Sockets owed a `subscriptions:invalidated` (stalled, or a feed of theirs overflowed). */
  private readonly owed = new Set<SocketEntry>();
  private readonly clock: FlushClock;
  private housekeeping: NodeJS.Timeout | null = null;
  private clockCheckDue = false;
  private flushing = false;
  /** Flushes run and batches sent, for tests and benchmarks. */
  readonly counters = { flushes: 0, batches: 0, skipped: 0, invalidations: 0 };

  constructor(
    private readonly sources: LivePushSources,
    private readonly outlet: PushOutlet,
    private readonly options: LivePushOptions = {},
  ) {
    this.feeds = new FeedRegistry(sources.state, options.maxTaskLists ?? MAX_TASK_LISTS);
    this.clock = new FlushClock(options.flushIntervalMs ?? PUSH_LIMITS.flushIntervalMs, () => void this.flush());
  }

  /** The store's change listener: the hot path, run once per applied event. */
  readonly onChange = (change: Change): void => {
    const feeds = this.feeds;
    if (feeds.byId.size === 0) return;
    let touched = false;
    const task = change.task;
    if (task !== null) {
      if (feeds.overview !== null) feeds.overview.dirty = touched = true;
      if (feeds.taskFeeds.size > 0) touched = this.markTask(task) || touched;
      const lists = feeds.lists;
      for (let i = 0; i < lists.length; i++) if ((lists[i] as TaskListFeed).consider(task)) touched = true;
    }
    const worker = change.worker;
    if (worker !== null) {
      if (feeds.workers !== null) {
        feeds.workers.mark(worker.hostname);
        touched = true;
      }
      const feed = feeds.workerFeeds.get(worker.hostname);
      if (feed !== undefined) feed.dirty = touched = true;
    }
    if (touched) this.clock.request();
  };

  private markTask(task: TaskRecord): boolean {
    let touched = false;
    const own = this.feeds.taskFeeds.get(task.uuid);
    if (own !== undefined) own.dirty = touched = true;
    // A new child changes its parent's `children`.
    if (task.parentId !== null && task.parentId !== task.uuid) {
      const parent = this.feeds.taskFeeds.get(task.parentId);
      if (parent !== undefined) parent.dirty = touched = true;
    }
    return touched;
  }

  subscribe(socketId: string, input: unknown): SubscribeAck {
    const parsed = parseSubscribeRequest(input);
    if (!parsed.ok) return parsed;
    const feed = this.feeds.join(socketId, parsed.value);
    if (!('topic' in feed)) return { ok: false, error: feed };
    this.clock.request();
    this.startHousekeeping();
    return { ok: true, subscriptionId: feed.id };
  }

  cancel(socketId: string, input: unknown): CancelAck {
    const parsed = parseCancelRequest(input);
    if (!parsed.ok) return parsed;
    if (!this.feeds.cancel(socketId, parsed.value)) {
      return { ok: false, error: pushError('unknown', `no subscription '${parsed.value}' on this connection`, 'subscriptionId') };
    }
    if (this.feeds.byId.size === 0) this.stop();
    return { ok: true };
  }

  disconnect(socketId: string): void {
    const socket = this.feeds.disconnect(socketId);
    if (socket !== undefined) this.owed.delete(socket);
    if (this.feeds.byId.size === 0) this.stop();
  }

  stop(): void {
    this.clock.stop();
    if (this.housekeeping !== null) clearInterval(this.housekeeping);
    this.housekeeping = null;
  }

  /** Subscriptions (distinct feeds) and sockets holding any: for tests and benchmarks. */
  get size(): { feeds: number; sockets: number } {
    return { feeds: this.feeds.byId.size, sockets: this.feeds.sockets.size };
  }

  private startHousekeeping(): void {
    if (this.housekeeping !== null) return;
    this.housekeeping = setInterval(() => {
      if (this.feeds.overview !== null || this.feeds.workers !== null || this.feeds.workerFeeds.size > 0 || this.owed.size > 0) {
        this.clockCheckDue = true;
        this.clock.request();
      }
    }, this.options.housekeepingMs ?? HOUSEKEEPING_MS);
    this.housekeeping.unref();
  }

  /** Runs one flush now (the FlushClock calls it; tests may too). Never throws. */
  async flush(): Promise<void> {
    if (this.flushing) {
      this.clock.request();
      return;
    }
    this.flushing = true;
    this.counters.flushes++;
    try {
      await this.flushNow(Date.now());
    } catch (err) {
      this.options.onError?.(err);
    } finally {
      this.flushing = false;
    }
  }

  private async flushNow(nowMs: number): Promise<void> {
    const { state, metrics } = this.sources;
    if (this.clockCheckDue) {
      this.clockCheckDue = false;
      this.noticeTimeChanges(nowMs);
    }

    // 1. What each feed sends. The overview counts states over the whole model (one pass below), so it
    // goes at most once per PUSH_LIMITS.overviewIntervalMs.
    const updates = new Map<Feed, PushUpdate>();
    const taskFeeds: TaskFeed[] = [];
    const lists: { feed: TasksFeed; reset: boolean; tasks: readonly TaskRecord[]; removed: readonly string[] }[] = [];
    let overview: OverviewFeed | null = null;
    let overviewWaits = false;
    let renderWorkers = false;
    for (const feed of this.feeds.byId.values()) {
      switch (feed.topic) {
        case 'overview':
          if (!feed.dirty) break;
          if (nowMs - feed.sentAt >= PUSH_LIMITS.overviewIntervalMs) overview = feed;
          else overviewWaits = true;
          break;
        case 'task':
          if (!feed.dirty) break;
          taskFeeds.push(feed);
          break;
        case 'worker':
          if (feed.dirty) renderWorkers = true;
          break;
        case 'workers':
          if (feed.overflowed) {
            feed.overflowed = false;
            this.overflow(feed);
          } else if (feed.dirty) {
            renderWorkers = true;
          }
          break;
        case 'tasks': {
          const pending = feed.list.take(state);
          if (pending === null) break;
          if (pending.kind === 'overflow') {
            this.overflow(feed);
            break;
          }
          lists.push({ feed, ...pending });
          break;
        }
        default: {
          const unreachable: never = feed;
          throw new Error(`unknown feed ${String(unreachable)}`);
        }
      }
    }

    // 2. One pass over the model: states for the overview.
    const byState = overview === null ? new Map<string, number>() : state.countsByState();

    // 3. The updates.
    if (overview !== null) {
      overview.dirty = false;
      overview.sentAt = nowMs;
      overview.lastClock = overviewClock(state, metrics, nowMs);
      updates.set(overview, { topic: 'overview', subscriptionId: overview.id, seq: ++overview.seq, overview: buildOverview(state, metrics, byState, nowMs) });
    }
    for (const feed of taskFeeds) {
      feed.dirty = false;
      const task = state.task(feed.uuid);
      updates.set(feed, { topic: 'task', subscriptionId: feed.id, seq: ++feed.seq, uuid: feed.uuid, task: task === undefined ? null : pushedTask(task, state) });
    }
    for (const { feed, reset, tasks, removed } of lists) {
      const upserted = tasks.map(pushedRow);
      updates.set(feed, { topic: 'tasks', subscriptionId: feed.id, seq: ++feed.seq, reset, upserted, removed });
    }
    if (renderWorkers) this.workerUpdates(pushedWorkers(state, nowMs), updates);

    this.fanOut(updates, nowMs);
    if (overviewWaits) this.clock.request();
  }

  private workerUpdates(rendered: ReadonlyMap<string, WorkerEventJson>, updates: Map<Feed, PushUpdate>): void {
    for (const feed of this.feeds.workerFeeds.values()) {
      if (!feed.dirty) continue;
      feed.dirty = false;
      const worker = rendered.get(feed.hostname) ?? null;
      feed.lastStatus = worker?.status ?? null;
      updates.set(feed, { topic: 'worker', subscriptionId: feed.id, seq: ++feed.seq, hostname: feed.hostname, worker });
    }
    const feed = this.feeds.workers;
    if (feed === null || !feed.dirty) return;
    const names = feed.reset ? [...rendered.keys()] : [...feed.changed];
    const upserted: WorkerEventJson[] = [];
    const removed: string[] = [];
    if (feed.reset) feed.lastStatus.clear();
    for (const hostname of names) {
      const worker = rendered.get(hostname);
      if (worker === undefined) {
        removed.push(hostname);
        feed.lastStatus.delete(hostname);
      } else {
        upserted.push(worker);
        feed.lastStatus.set(hostname, worker.status);
      }
    }
    updates.set(feed, { topic: 'workers', subscriptionId: feed.id, seq: ++feed.seq, reset: feed.reset, upserted, removed });
    feed.reset = false;
    feed.changed.clear();
  }

  /** Workers expire and throughput windows slide without events: compare with what was last sent. */
  private noticeTimeChanges(nowMs: number): void {
    const { state, metrics } = this.sources;
    const now = nowMs / 1000;
    if (this.feeds.overview !== null && overviewClock(state, metrics, nowMs) !== this.feeds.overview.lastClock) this.feeds.overview.dirty = true;
    for (const feed of this.feeds.workerFeeds.values()) {
      if ((state.worker(feed.hostname)?.status(now) ?? null) !== feed.lastStatus) feed.dirty = true;
    }
    const workers = this.feeds.workers;
    if (workers === null) return;
    for (const worker of state.workers()) {
      if (workers.lastStatus.get(worker.hostname) !== worker.status(now)) workers.mark(worker.hostname);
    }
    for (const hostname of workers.lastStatus.keys()) if (state.worker(hostname) === undefined) workers.mark(hostname);
  }

  private overflow(feed: Feed): void {
    for (const socket of feed.subscribers) {
      socket.overflowed.add(feed.id);
      this.owed.add(socket);
    }
  }

  /** One batch per socket; sockets with the same updates share one (encoded once). */
  private fanOut(updates: ReadonlyMap<Feed, PushUpdate>, nowMs: number): void {
    const perSocket = new Map<SocketEntry, PushUpdate[]>();
    for (const [feed, update] of updates) {
      for (const socket of feed.subscribers) {
        const list = perSocket.get(socket);
        if (list === undefined) perSocket.set(socket, [update]);
        else list.push(update);
      }
    }
    for (const socket of this.owed) if (!perSocket.has(socket)) perSocket.set(socket, []);
    const groups = new Map<string, { updates: PushUpdate[]; sockets: string[] }>();
    for (const [socket, list] of perSocket) {
      if (!this.outlet.canTake(socket.id)) {
        if (list.length > 0) this.counters.skipped++;
        socket.stalled = true;
        this.owed.add(socket);
        continue;
      }
      this.invalidateIfNeeded(socket);
      if (list.length === 0) continue;
      const key = list.map((update) => update.subscriptionId).join(',');
      const group = groups.get(key);
      if (group === undefined) groups.set(key, { updates: list, sockets: [socket.id] });
      else group.sockets.push(socket.id);
    }
    for (const { updates: list, sockets } of groups.values()) {
      this.counters.batches += sockets.length;
      this.outlet.send(sockets, { at: nowMs, updates: list });
    }
  }

  private invalidateIfNeeded(socket: SocketEntry): void {
    this.owed.delete(socket);
    if (socket.stalled) {
      socket.stalled = false;
      socket.overflowed.clear();
      this.counters.invalidations++;
      this.outlet.invalidate(socket.id, { subscriptionIds: [...socket.feeds.keys()].map((feed) => feed.id), reason: 'stalled' });
    } else if (socket.overflowed.size > 0) {
      this.counters.invalidations++;
      this.outlet.invalidate(socket.id, { subscriptionIds: [...socket.overflowed], reason: 'overflow' });
      socket.overflowed.clear();
    }
  }
}
