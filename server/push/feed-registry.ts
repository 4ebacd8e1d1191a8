/**
 * Who follows what: sockets, the feeds they hold (counted, since two components on one page may ask
 * for the same thing), and the per-topic indexes the collector's hot path reads. Equal requests share
 * one feed; a feed goes when its last subscriber does.
 */
import { type PushError, PUSH_LIMITS } from '@/lib/push/contract';
import type { TaskStore } from '../store/task-store';
import { type Feed, OverviewFeed, type SocketEntry, TaskFeed, TasksFeed, WorkerFeed, WorkersFeed } from './feeds';
import { feedKey, pushError, type ValidSubscription } from './subscription-request';
import { TaskListFeed } from './task-list-feed';

export class FeedRegistry {
  readonly sockets = new Map<string, SocketEntry>();
  readonly byId = new Map<string, Feed>();
  private readonly byKey = new Map<string, Feed>();
  // Per-topic indexes for the hot path.
  overview: OverviewFeed | null = null;
  workers: WorkersFeed | null = null;
  readonly taskFeeds = new Map<string, TaskFeed>();
  readonly workerFeeds = new Map<string, WorkerFeed>();
  /** Replaced, never mutated, so the hot path can loop over it while a subscription comes or goes. */
  lists: readonly TaskListFeed[] = [];
  private nextId = 1;

  constructor(
    private readonly state: TaskStore,
    /** Distinct `tasks` filters server-wide: each costs one filter test per task event. */
    private readonly maxTaskLists: number,
  ) {}

  /** Adds one subscription of a socket; the feed's next update carries its whole current value. */
  join(socketId: string, subscription: ValidSubscription): Feed | PushError {
    const socket = this.socket(socketId);
    const key = feedKey(subscription);
    let feed = this.byKey.get(key);
    if ((feed === undefined || !socket.feeds.has(feed)) && socket.feeds.size >= PUSH_LIMITS.maxSubscriptionsPerSocket) {
      return pushError('limit', `at most ${PUSH_LIMITS.maxSubscriptionsPerSocket} subscriptions per connection`);
    }
    if (feed === undefined) {
      if (subscription.topic === 'tasks' && this.lists.length >= this.maxTaskLists) {
        return pushError('limit', 'too many distinct task lists are followed on this server; try again later');
      }
      feed = this.create(key, subscription);
    }
    socket.feeds.set(feed, (socket.feeds.get(feed) ?? 0) + 1);
    feed.subscribers.add(socket);
    sendCurrent(feed);
    return feed;
  }

  /** Removes one subscription of a socket; false when the socket holds no such subscription. */
  cancel(socketId: string, subscriptionId: string): boolean {
    const socket = this.sockets.get(socketId);
    const feed = this.byId.get(subscriptionId);
    const refs = feed === undefined ? undefined : socket?.feeds.get(feed);
    if (socket === undefined || feed === undefined || refs === undefined) return false;
    if (refs > 1) socket.feeds.set(feed, refs - 1);
    else this.leave(socket, feed);
    return true;
  }

  /** Forgets a socket and every subscription it held; returns it, if it had any. */
  disconnect(socketId: string): SocketEntry | undefined {
    const socket = this.sockets.get(socketId);
    if (socket === undefined) return undefined;
    for (const feed of [...socket.feeds.keys()]) this.leave(socket, feed);
    this.sockets.delete(socketId);
    return socket;
  }

  private socket(socketId: string): SocketEntry {
    let socket = this.sockets.get(socketId);
    if (socket === undefined) {
      socket = { id: socketId, feeds: new Map(), stalled: false, overflowed: new Set() };
      this.sockets.set(socketId, socket);
    }
    return socket;
  }

  private create(key: string, subscription: ValidSubscription): Feed {
    const id = `s${this.nextId++}`;
    let feed: Feed;
    switch (subscription.topic) {
      case 'overview':
        feed = this.overview = new OverviewFeed(id, key);
        break;
      case 'workers':
        feed = this.workers = new WorkersFeed(id, key);
        break;
      case 'task':
        feed = new TaskFeed(id, key, subscription.uuid);
        this.taskFeeds.set(subscription.uuid, feed);
        break;
      case 'worker':
        feed = new WorkerFeed(id, key, subscription.hostname);
        this.workerFeeds.set(subscription.hostname, feed);
        break;
      case 'tasks': {
        const list = new TaskListFeed(subscription.filter, subscription.limit);
        list.seed(this.state);
        feed = new TasksFeed(id, key, list);
        this.lists = [...this.lists, list];
        break;
      }
      default: {
        const unreachable: never = subscription;
        throw new Error(`unknown topic ${String(unreachable)}`);
      }
    }
    this.byKey.set(key, feed);
    this.byId.set(id, feed);
    return feed;
  }

  private leave(socket: SocketEntry, feed: Feed): void {
    socket.feeds.delete(feed);
    feed.subscribers.delete(socket);
    if (feed.subscribers.size > 0) return;
    this.byKey.delete(feed.key);
    this.byId.delete(feed.id);
    if (feed === this.overview) this.overview = null;
    else if (feed === this.workers) this.workers = null;
    else if (feed.topic === 'task') this.taskFeeds.delete(feed.uuid);
    else if (feed.topic === 'worker') this.workerFeeds.delete(feed.hostname);
    else if (feed.topic === 'tasks') this.lists = this.lists.filter((list) => list !== feed.list);
  }
}

/** Marks a feed so that its next update carries its whole current value. */
function sendCurrent(feed: Feed): void {
  switch (feed.topic) {
    case 'overview':
    case 'task':
    case 'worker':
      feed.dirty = true;
      break;
    case 'workers':
      feed.reset = true;
      break;
    case 'tasks':
      feed.list.requestWindow();
      break;
    default: {
      const unreachable: never = feed;
      throw new Error(`unknown feed ${String(unreachable)}`);
    }
  }
}
