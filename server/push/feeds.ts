/**
 * Feeds: what the push channel keeps per distinct subscription, shared by every socket that asked for
 * the same thing. A feed collects what changed since the last flush; the flush turns that into one
 * update, sent to all its subscribers. The `tasks` feed's own bookkeeping is in task-list-feed.ts.
 */
import type { PushTopic, WorkerStatus } from '@/lib/push/contract';
import type { TaskListFeed } from './task-list-feed';

/** One socket as the push channel sees it: its subscriptions, with how many creates each had. */
export interface SocketEntry {
  readonly id: string;
  readonly feeds: Map<Feed, number>;
  /** Batches were skipped because its transport could not take them: invalidate before the next one. */
  stalled: boolean;
  /** Feeds whose changes overflowed their caps since this socket's last batch. */
  readonly overflowed: Set<string>;
}

abstract class FeedBase {
  abstract readonly topic: PushTopic;
  /** Updates sent so far; the next one carries seq + 1. */
  seq = 0;
  readonly subscribers = new Set<SocketEntry>();

  constructor(
    readonly id: string,
    readonly key: string,
  ) {}
}

export class OverviewFeed extends FeedBase {
  readonly topic = 'overview';
  dirty = true;
  /** When it was last sent (Unix ms). */
  sentAt = -Infinity;
  /** The time-dependent part last sent (workers online, throughput), to notice when it moves without events. */
  lastClock = '';
}

export class TaskFeed extends FeedBase {
  readonly topic = 'task';
  dirty = true;

  constructor(id: string, key: string, readonly uuid: string) {
    super(id, key);
  }
}

export class WorkerFeed extends FeedBase {
  readonly topic = 'worker';
  dirty = true;
  /** Liveness last sent: a worker expires without an event, so the housekeeping tick compares. */
  lastStatus: WorkerStatus | null = null;

  constructor(id: string, key: string, readonly hostname: string) {
    super(id, key);
  }
}

/** Changed workers past this many between two flushes are not kept: the subscribers re-fetch. */
export const WORKERS_CHANGED_CAP = 10_000;

export class WorkersFeed extends FeedBase {
  readonly topic = 'workers';
  /** Send every worker (a subscriber joined). */
  reset = true;
  overflowed = false;
  readonly changed = new Set<string>();
  /** Liveness last sent per worker, to notice expiries and workers forgotten by the model. */
  readonly lastStatus = new Map<string, WorkerStatus>();

  mark(hostname: string): void {
    if (this.overflowed) return;
    this.changed.add(hostname);
    if (this.changed.size > WORKERS_CHANGED_CAP) {
      this.overflowed = true;
      this.changed.clear();
    }
  }

  get dirty(): boolean {
    return this.reset || this.overflowed || this.changed.size > 0;
  }
}

export class TasksFeed extends FeedBase {
  readonly topic = 'tasks';

  constructor(id: string, key: string, readonly list: TaskListFeed) {
    super(id, key);
  }
}

export type Feed = OverviewFeed | TasksFeed | TaskFeed | WorkerFeed | WorkersFeed;
