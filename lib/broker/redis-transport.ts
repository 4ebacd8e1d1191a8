/**
 * Redis (kombu's virtual transport): events are PUB/SUB on `/<db>.celeryev/<routing key>`, pidbox
 * broadcasts on `/<db>.celery.pidbox` (CELERY-WIRE.md §3.5); task queues are lists with kombu's ack
 * emulation (§3.3, §3.4, redis-queue-consumer.ts), pidbox replies go through `reply.celery.pidbox`
 * (§6.4, redis-pidbox.ts). Every key and channel carries kombu's `global_keyprefix` (§3.6).
 *
 * Connections, all RESP2 (RESP3 costs a fifth of a core at 100 000 events/s and lets Redis' output buffer
 * grow, shared/PERF.md), each made on first use:
 *   events    the event subscriber;
 *   publish   publishes (waits for one reconnection, then fails, so that sends do not pile up);
 *   commands  declarations, acks, restores, bindings: waits through broker restarts, so no ack is lost;
 *   one per consumer, pidbox listener and reply queue (a BRPOP or a subscription blocks its connection).
 *
 * ioredis reconnects with our backoff, re-subscribes and re-sends a pending BRPOP by itself. PUB/SUB keeps
 * nothing for a client that is away, so every disconnection is a gap in the event stream and is reported
 * as one; that includes Redis closing a subscriber that fell behind (client-output-buffer-limit pubsub).
 */
import { Redis, type RedisOptions } from 'ioredis';
import { type CeleryMessage, encodeRedisEnvelope, names } from '@/lib/celery';
import { backoffDelay } from './backoff';
import type { BrokerUrl } from './broker-url';
import { Link } from './link-state';
import { DEFAULT_WATCH, type SubscriberWatchOptions, watchEventSubscriber } from './redis-event-subscriber';
import { DEFAULT_VISIBILITY_TIMEOUT_S, RedisKeys } from './redis-keys';
import { RedisPidboxListener, RedisReplyQueue } from './redis-pidbox';
import { RedisQueueConsumer } from './redis-queue-consumer';
import { queuesFor } from './redis-routing';
import { UnackedStore } from './redis-unacked';
import {
  type ConsumeOptions,
  type EventSink,
  type LinkState,
  LinkStatus,
  type PidboxListener,
  type QueueConsumer,
  type QueueStats,
  type ReplyQueue,
  type Transport,
} from './transport';

export interface RedisTransportOptions {
  /**
   * kombu's `global_keyprefix` transport option. Also read from the broker URL (`?global_keyprefix=pfx:`);
   * this option wins.
   */
  readonly keyprefix?: string;
  /**
   * kombu's `visibility_timeout` in seconds (default 3600): a delivered message not acked for this long is
   * restored to its queue. Also read from the broker URL (`?visibility_timeout=N`); this option wins.
   */
  readonly visibilityTimeout?: number;
  /** How the event subscriber tells a stalled broker (tests shorten it). */
  readonly watch?: SubscriberWatchOptions;
}

type Role = 'events' | 'publish' | 'commands' | 'consume' | 'pidbox' | 'reply';

export class RedisTransport implements Transport {
  private readonly link = new Link();
  private readonly connections = new Set<Redis>();
  private readonly keys: RedisKeys;
  private readonly keyprefix: string;
  private readonly visibilityTimeoutS: number;
  private readonly watch: SubscriberWatchOptions;
  private publisher: Redis | null = null;
  private commandConnection: Redis | null = null;
  private unackedStore: UnackedStore | null = null;
  /** Queues whose binding is known to be in place; forgotten when the connection drops. */
  private readonly declared = new Set<string>();
  private readonly consumers = new Set<RedisQueueConsumer>();
  private readonly closables = new Set<{ close(): Promise<void> }>();
  private closing = false;

  constructor(
    readonly broker: BrokerUrl,
    options: RedisTransportOptions = {},
  ) {
    this.keyprefix = options.keyprefix ?? broker.options['global_keyprefix'] ?? '';
    this.keys = new RedisKeys(this.keyprefix);
    this.visibilityTimeoutS = options.visibilityTimeout ?? visibilityFromUrl(broker) ?? DEFAULT_VISIBILITY_TIMEOUT_S;
    this.watch = options.watch ?? DEFAULT_WATCH;
  }

  state(): LinkState {
    return this.link.state();
  }

  onStateChange(listener: (state: LinkState) => void): () => void {
    return this.link.onChange(listener);
  }

  private connect(role: Role): Redis {
    const b = this.broker;
    const base: RedisOptions = {
      connectionName: `pollen-${role}`,
      username: b.username ?? undefined,
      password: b.password ?? undefined,
      db: b.db,
      // RESP2: see the file comment.
      protocol: 2,
      // Everything waits for the broker as long as it takes, except a publish: it waits for one
      // reconnection attempt, then fails, so that sends do not pile up while the broker is away.
      maxRetriesPerRequest: role === 'publish' ? 1 : null,
      retryStrategy: (attempt) => (this.closing ? null : backoffDelay(attempt)),
      ...(b.tls && { tls: { rejectUnauthorized: b.options['ssl_cert_reqs'] !== 'none' && b.options['ssl_cert_reqs'] !== 'CERT_NONE' } }),
    };
    const first = b.hosts[0] ?? { host: 'localhost', port: 6379 };
    const options: RedisOptions = b.sentinel
      ? { ...base, sentinels: b.hosts.map((h) => ({ host: h.host, port: h.port })), name: b.options['master_name'] ?? 'mymaster', sentinelPassword: b.password ?? undefined }
      : { ...base, host: first.host, port: first.port };
    const redis = new Redis(options);
    this.connections.add(redis);
    redis.once('end', () => this.connections.delete(redis));
    // The event subscriber reports the link itself, with gaps; the others only report up and down.
    if (role !== 'events') this.reportLink(redis);
    return redis;
  }

  private reportLink(redis: Redis): void {
    let lastError = '';
    redis.on('ready', () => this.link.set(LinkStatus.Connected));
    redis.on('error', (err: Error) => {
      lastError = err.message;
    });
    redis.on('reconnecting', () => {
      if (this.closing) return;
      const status = this.link.state().status === LinkStatus.Connecting ? LinkStatus.Connecting : LinkStatus.Reconnecting;
      this.link.set(status, lastError || 'connection closed');
    });
  }

  private commands(): Redis {
    if (!this.commandConnection) {
      const redis = this.connect('commands');
      redis.on('close', () => this.declared.clear());
      this.commandConnection = redis;
    }
    return this.commandConnection;
  }

  private store(): UnackedStore {
    this.unackedStore ??= new UnackedStore(this.commands(), this.keys);
    return this.unackedStore;
  }

  async subscribeEvents(sink: EventSink): Promise<void> {
    const subscriber = this.connect('events');
    const stop = watchEventSubscriber(subscriber, names.redisEventPattern({ db: this.broker.db, keyprefix: this.keyprefix }), sink, this.link, this.watch, () => this.closing);
    subscriber.once('end', stop);
  }

  async publishFanout(exchange: string, routingKey: string, message: CeleryMessage): Promise<void> {
    this.publisher ??= this.connect('publish');
    const channel = names.redisFanoutChannel(exchange, routingKey, { db: this.broker.db, keyprefix: this.keyprefix });
    await this.publisher.publish(channel, encodeRedisEnvelope(message, { exchange, routingKey }));
  }

  /** Celery's task-queue declaration on Redis: `SADD _kombu.binding.<queue> <queue>\x06\x16\x06\x16<queue>`, once. */
  async declareQueue(queue: string, again = false): Promise<void> {
    if (this.declared.has(queue) && !again) return;
    await this.commands().sadd(this.keys.binding(queue), names.redisBindingMember(queue, '', queue));
    this.declared.add(queue);
  }

  async publish(exchange: string, routingKey: string, message: CeleryMessage): Promise<void> {
    if (exchange === '' && routingKey === '') throw new Error('a message for the default exchange needs a routing key (the queue name)');
    this.publisher ??= this.connect('publish');
    const queues = await queuesFor(this.publisher, this.keys, exchange, routingKey);
    if (queues.length === 0) return;
    // One delivery tag for every copy, as kombu augments the message once before routing it.
    const envelope = encodeRedisEnvelope(message, { exchange, routingKey });
    const priority = message.properties.priority ?? 0;
    if (queues.length === 1) {
      await this.publisher.lpush(this.keys.list(queues[0] as string, priority), envelope);
      return;
    }
    const transaction = this.publisher.multi();
    for (const queue of queues) transaction.lpush(this.keys.list(queue, priority), envelope);
    const results = await transaction.exec();
    const failed = results?.find(([error]) => error !== null);
    if (failed) throw failed[0];
  }

  async consume(queues: readonly string[], options: ConsumeOptions): Promise<QueueConsumer> {
    this.assertOpen();
    const consumer = await RedisQueueConsumer.start(queues, options, {
      pop: this.connect('consume'),
      store: this.store(),
      keys: this.keys,
      declare: (queue, again) => this.declareQueue(queue, again),
      visibilityTimeoutS: this.visibilityTimeoutS,
    });
    this.consumers.add(consumer);
    consumer.onClosed(() => this.consumers.delete(consumer));
    return consumer;
  }

  async listenPidbox(node: string, onRequest: (message: CeleryMessage) => void): Promise<PidboxListener> {
    this.assertOpen();
    const channel = names.redisPidboxChannel({ db: this.broker.db, keyprefix: this.keyprefix });
    const listener = await RedisPidboxListener.open(this.pidboxDeps('pidbox'), channel, node, onRequest);
    const handle: PidboxListener = { close: () => this.untrack(handle, listener) };
    this.closables.add(handle);
    return handle;
  }

  async openReplyQueue(onReply: (message: CeleryMessage) => void): Promise<ReplyQueue> {
    this.assertOpen();
    const queue = await RedisReplyQueue.open(this.pidboxDeps('reply'), onReply);
    const handle: ReplyQueue = { oid: queue.oid, close: () => this.untrack(handle, queue) };
    this.closables.add(handle);
    return handle;
  }

  async queueLength(queue: string): Promise<number> {
    return (await this.queueStats(queue)).messages;
  }

  /** Flower's count: LLEN of the four priority lists in one pipeline, summed (CELERY-WIRE.md §8). */
  async queueStats(queue: string): Promise<QueueStats> {
    const pipeline = this.commands().pipeline();
    for (const step of names.PRIORITY_STEPS) pipeline.llen(this.keys.list(queue, step));
    const results = (await pipeline.exec()) ?? [];
    const byPriority: Record<number, number> = {};
    let messages = 0;
    names.PRIORITY_STEPS.forEach((step, i) => {
      const [error, length] = results[i] ?? [new Error('no reply to LLEN'), 0];
      if (error) throw error;
      byPriority[step] = Number(length);
      messages += Number(length);
    });
    return { messages, byPriority, consumers: null, exists: null };
  }

  async eventBacklog(): Promise<number | null> {
    return null;
  }

  /** Consumers put their unsettled deliveries back first (as kombu on a clean shutdown), then every connection closes. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await Promise.all([...this.consumers].map((c) => c.close()));
    await Promise.all([...this.closables].map((c) => c.close()));
    this.link.set(LinkStatus.Closed);
    await Promise.all([...this.connections].map((c) => (c.status === 'ready' ? c.quit().catch(() => c.disconnect()) : c.disconnect())));
  }

  /** Test-only: the process vanishes. Connections drop; nothing is acked, restored or unbound. */
  _abandon(): void {
    this.closing = true;
    for (const consumer of this.consumers) consumer._abandon();
    for (const connection of this.connections) connection.disconnect();
  }

  private pidboxDeps(role: 'pidbox' | 'reply') {
    return { connection: this.connect(role), commands: this.commands(), keys: this.keys };
  }

  private untrack(handle: { close(): Promise<void> }, inner: { close(): Promise<void> }): Promise<void> {
    this.closables.delete(handle);
    return inner.close();
  }

  private assertOpen(): void {
    if (this.closing) throw new Error('the transport is closed');
  }
}

/** `?visibility_timeout=N` on the broker URL, in seconds; null when absent or not a positive number. */
function visibilityFromUrl(broker: BrokerUrl): number | null {
  const text = broker.options['visibility_timeout'];
  if (text === undefined) return null;
  const seconds = Number(text);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : null;
}
