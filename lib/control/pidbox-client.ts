/**
 * The client end of Celery's remote control (kombu's Mailbox `_broadcast` / `_collect`), shared by the
 * TypeScript client and the dashboard server. CELERY-WIRE.md §6.
 *
 * Requests go to the `celery.pidbox` fanout exchange with headers `{clock, expires}`; a call that wants
 * replies carries `reply_to` and a fresh `ticket`. Celery opens a new reply queue for every call; we open
 * one per client, lazily, and hand each reply to the call whose ticket it carries (§6.1 allows this).
 *
 * Collecting: until `timeout` ms have passed since the request was sent, or `limit` replies arrived
 * (`limit` defaults to the number of destinations). kombu's timeout restarts after each reply; ours is one
 * deadline, so a call never takes longer than `timeout`.
 */
import { type CeleryMessage, type ControlReply, decodeControlReply, encodeControlRequest, type JsonObject, type JsonValue, names } from '@/lib/celery';
import type { ReplyQueue, Transport } from '@/lib/broker';

/** A Lamport clock (the worker's LamportClock fits): forwarded per request, moved past every reply's clock. */
export interface ControlClock {
  forward(): number;
  adjust(other: number | null): number;
}

export interface PidboxClientOptions {
  /** Defaults to a private counter starting at 0. */
  readonly clock?: ControlClock;
  /** Unix ms; replaceable in tests. */
  readonly now?: () => number;
  /** Told about replies that could not be decoded (they are dropped). */
  readonly onMalformed?: (error: Error, message: CeleryMessage) => void;
}

export interface BroadcastOptions {
  /** Node names; absent or empty = every worker. */
  readonly destination?: readonly string[] | null;
  /** With `matcher`, selects workers by name when no destination is given. */
  readonly pattern?: string | null;
  /** `glob` (fnmatch) or `pcre` (Python's re.search). */
  readonly matcher?: 'glob' | 'pcre' | null;
  /** Wait for replies (Celery's "call"); without it the request is only published ("cast") and [] returned. */
  readonly reply?: boolean;
  /** Milliseconds to collect replies; default 1000 (Celery's 1.0 s). Also sets the request's `expires` header. */
  readonly timeout?: number;
  /** Stop after this many replies; defaults to the number of destinations (else: until the timeout). */
  readonly limit?: number | null;
}

/** What the workers answered, by node name (Celery's `inspect()` result). */
export type NodeReplies = Record<string, JsonValue>;

const DEFAULT_TIMEOUT_MS = 1000;

class PrivateClock implements ControlClock {
  private value = 0;
  forward(): number {
    return ++this.value;
  }
  adjust(other: number | null): number {
    if (other !== null && Number.isFinite(other)) this.value = Math.max(this.value, Math.trunc(other));
    return this.forward();
  }
}

interface Collector {
  readonly replies: ControlReply[];
  readonly limit: number | null;
  finish(): void;
}

export class PidboxClient {
  private readonly clock: ControlClock;
  private readonly now: () => number;
  private readonly onMalformed: (error: Error, message: CeleryMessage) => void;
  private replyQueue: Promise<ReplyQueue> | null = null;
  private openedQueue = false;
  private readonly collectors = new Map<string, Collector>();
  private closed = false;

  constructor(
    private readonly transport: Transport,
    options: PidboxClientOptions = {},
  ) {
    this.clock = options.clock ?? new PrivateClock();
    this.now = options.now ?? Date.now;
    this.onMalformed = options.onMalformed ?? (() => undefined);
  }

  /** Sends a control command; with `reply`, resolves with every reply collected (in arrival order). */
  async broadcast(method: string, args: JsonObject = {}, options: BroadcastOptions = {}): Promise<ControlReply[]> {
    if (this.closed) throw new Error('the control client is closed');
    const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
    if (!(timeout >= 0)) throw new RangeError(`timeout must be >= 0 ms, got ${timeout}`);
    const destination = options.destination && options.destination.length > 0 ? [...options.destination] : null;
    const pattern = destination ? null : (options.pattern ?? null);
    const matcher = pattern ? (options.matcher ?? 'glob') : null;
    const request = {
      method,
      arguments: args,
      destination,
      pattern,
      matcher,
      clock: this.clock.forward(),
      // kombu: time() + timeout (seconds, a float), or 0 without a timeout.
      expires: timeout > 0 ? (this.now() + timeout) / 1000 : 0,
      extra: null,
    };
    if (!options.reply) {
      await this.transport.publishFanout(names.PIDBOX_EXCHANGE, '', encodeControlRequest({ ...request, ticket: null, replyTo: null }));
      return [];
    }
    const ticket = crypto.randomUUID();
    const limit = options.limit ?? (destination ? destination.length : null);
    const replies: ControlReply[] = [];
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const collector: Collector = { replies, limit, finish };
    // Registered before publishing: a fast worker may answer before publish() resolves.
    this.collectors.set(ticket, collector);
    // The timeout covers opening the reply queue too: with the broker away, a call ends empty in time.
    const timer = setTimeout(finish, timeout);
    try {
      const queue = await Promise.race([this.openReplyQueue(), done.then(() => null)]);
      if (queue === null) return [];
      const message = encodeControlRequest({ ...request, ticket, replyTo: { exchange: names.REPLY_EXCHANGE, routingKey: queue.oid } });
      // A publish waits for a lost connection to come back; the call's deadline does not.
      const published = this.transport.publishFanout(names.PIDBOX_EXCHANGE, '', message);
      published.catch(() => undefined);
      await Promise.race([published, done]);
      if (limit !== null && limit <= 0) finish();
      await done;
      return [...replies];
    } finally {
      clearTimeout(timer);
      this.collectors.delete(ticket);
    }
  }

  /** `broadcast` with replies, flattened to `{node: reply}` as Celery's `inspect()` does. */
  async request(method: string, args: JsonObject = {}, options: Omit<BroadcastOptions, 'reply'> = {}): Promise<NodeReplies> {
    const replies = await this.broadcast(method, args, { ...options, reply: true });
    const out: NodeReplies = {};
    for (const reply of replies) out[reply.node] = reply.value;
    return out;
  }

  /** Celery's `control.ping()`: `{node: {"ok": "pong"}}` for every worker that answered in time. */
  ping(options: Omit<BroadcastOptions, 'reply'> = {}): Promise<NodeReplies> {
    return this.request('ping', {}, options);
  }

  /** `control.inspect().<method>()`: `stats`, `active`, `registered`, `active_queues`, ... */
  inspect(method: string, args: JsonObject = {}, options: Omit<BroadcastOptions, 'reply'> = {}): Promise<NodeReplies> {
    return this.request(method, args, options);
  }

  /** Celery's `control.revoke()`: a cast unless `reply` is set. */
  revoke(
    taskId: string | readonly string[],
    options: BroadcastOptions & { terminate?: boolean; signal?: string } = {},
  ): Promise<ControlReply[]> {
    const { terminate = false, signal = 'SIGTERM', ...rest } = options;
    const task_id: JsonValue = typeof taskId === 'string' ? taskId : [...taskId];
    return this.broadcast('revoke', { task_id, terminate, signal }, rest);
  }

  /** Celery's `control.rate_limit(task_name, rate_limit)`, e.g. `'10/m'`; a cast unless `reply` is set. */
  rateLimit(taskName: string, rateLimit: string | number | null, options: BroadcastOptions = {}): Promise<ControlReply[]> {
    return this.broadcast('rate_limit', { task_name: taskName, rate_limit: rateLimit }, options);
  }

  /** Stops listening for replies; calls in progress resolve with what they collected so far. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const collector of this.collectors.values()) collector.finish();
    const queue = this.replyQueue;
    this.replyQueue = null;
    if (!queue) return;
    const closing = queue.then((q) => q.close(), () => undefined);
    // A reply queue still opening (the broker is away) must not hold the close up: it is closed once it
    // opens, or goes with the transport.
    if (this.openedQueue) await closing;
  }

  private openReplyQueue(): Promise<ReplyQueue> {
    if (!this.replyQueue) {
      const opening = this.transport.openReplyQueue((message) => this.onReply(message));
      opening.then(
        () => {
          if (this.replyQueue === opening) this.openedQueue = true;
        },
        () => undefined,
      );
      // A failed open is not cached: the next call tries again.
      opening.catch(() => {
        if (this.replyQueue === opening) this.replyQueue = null;
      });
      this.replyQueue = opening;
    }
    return this.replyQueue;
  }

  private onReply(message: CeleryMessage): void {
    const decoded = decodeControlReply(message);
    if (!decoded.ok) {
      this.onMalformed(new Error(`malformed control reply (${decoded.error.path}: ${decoded.error.message})`), message);
      return;
    }
    const reply = decoded.value;
    this.clock.adjust(reply.clock ?? 0);
    // kombu drops a reply whose `expires` header has passed (workers do not set one).
    const expires = message.headers['expires'];
    if (typeof expires === 'number' && expires > 0 && this.now() / 1000 > expires) return;
    const collector = reply.ticket === null ? undefined : this.collectors.get(reply.ticket);
    // A reply for a call that already finished, or for another client's call, is dropped.
    if (!collector) return;
    collector.replies.push(reply);
    if (collector.limit !== null && collector.replies.length >= collector.limit) collector.finish();
  }
}
