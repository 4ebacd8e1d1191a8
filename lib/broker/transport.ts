/**
 * The one small interface between Pollen and a broker, implemented by the Redis, AMQP and memory
 * transports and used by the collector, the worker and the client.
 *
 * Connection modes, and what moves between them:
 *   connecting ──▶ connected ──(broker gone)──▶ reconnecting ──(back)──▶ connected ...
 *        any ──(close())──▶ closed
 * A transport reconnects by itself with backoff and never throws out of its callbacks; the rest of the
 * server learns about the link through `state()`/`onStateChange`, and about lost stretches of the event
 * stream through `EventSink.gap`.
 */
import type { CeleryMessage, DecodeError } from '@/lib/celery';
import type { BrokerUrl } from './broker-url';

export const LinkStatus = {
  Connecting: 'connecting',
  Connected: 'connected',
  Reconnecting: 'reconnecting',
  Closed: 'closed',
} as const;
export type LinkStatus = (typeof LinkStatus)[keyof typeof LinkStatus];

export interface LinkState {
  readonly status: LinkStatus;
  /** Since when (Unix ms) the link is in this status. */
  readonly since: number;
  /** The last connection error, while connecting or reconnecting. */
  readonly error: string | null;
  /** Reconnection attempts since the link was last up. */
  readonly attempts: number;
}

/** A stretch of time in which events may have been published that we did not receive. */
export interface StreamGap {
  /**
   * Unix ms: from the last moment the stream is known to have been whole (not when the loss was noticed,
   * which can be many seconds later when the subscriber had fallen behind), to when it was back.
   */
  readonly from: number;
  readonly to: number;
  /** What cut the stream, as found at the time (never an older outage's error). */
  readonly reason: string;
}

/** Where a transport delivers the event stream. Callbacks must not throw (the transport guards anyway). */
export interface EventSink {
  /** One event message (a single event or a task.multi batch), with our receive time in Unix ms. */
  message(message: CeleryMessage, receivedAt: number): void;
  /** A message that was not a valid envelope; `raw` is kept as a sample. */
  malformed(error: DecodeError, raw: string): void;
  /**
   * Every event published before `until` (Unix ms) has been delivered: the transport's own probe went
   * through the broker and came back. Until then, a worker's silence may be Pollen's own deafness.
   * A transport that confirms says it first when it (re)subscribes, with the moment it did: before any
   * confirmation the model takes silence as heard.
   */
  heard(until: number): void;
  /**
   * The stream stopped (the connection dropped, or the broker stopped answering): from now on silence says
   * nothing about the workers. `since` is where the coming gap will start.
   */
  interrupted(since: number, reason: string): void;
  /** The stream is back after `interrupted`; events published in the gap may be missing. */
  gap(gap: StreamGap): void;
}

/** One task message taken from a queue; exactly one of ack/reject settles it (later calls are no-ops). */
export interface Delivery {
  readonly message: CeleryMessage;
  /** The queue it was taken from. */
  readonly queue: string;
  /** Done with it: the broker forgets it. */
  ack(): Promise<void>;
  /** requeue: back to its queue for any consumer, marked redelivered; otherwise dropped. */
  reject(requeue: boolean): Promise<void>;
}

export interface ConsumeOptions {
  /** At most this many deliveries unsettled at once (kombu's prefetch_count); 0 = no limit. */
  readonly prefetch: number;
  deliver(delivery: Delivery): void;
  /** A queue item that is not a valid message; it has been dropped (acked). */
  malformed(error: DecodeError, raw: string): void;
}

/** A running consumer of task queues. */
export interface QueueConsumer {
  queues(): readonly string[];
  /** Starts taking from one more queue (declared as Celery declares task queues). */
  addQueue(queue: string): Promise<void>;
  cancelQueue(queue: string): Promise<void>;
  setPrefetch(prefetch: number): void;
  /** Stops taking messages. Deliveries not yet settled go back to their queue, as on a clean Celery shutdown. */
  close(): Promise<void>;
}

/** Where a worker hears remote-control requests addressed to its node (or broadcast to all). */
export interface PidboxListener {
  close(): Promise<void>;
}

/** A client's reply queue for remote control calls: `<oid>.reply.celery.pidbox`, bound with routing key oid. */
export interface ReplyQueue {
  readonly oid: string;
  close(): Promise<void>;
}

/** What a broker tells about one task queue without consuming from it. */
export interface QueueStats {
  /** Messages waiting, as `Transport.queueLength` counts them. */
  readonly messages: number;
  /** Redis: messages waiting in each of kombu's priority lists, keyed by step (0, 3, 6, 9); null elsewhere. */
  readonly byPriority: Readonly<Record<number, number>> | null;
  /** AMQP: consumers attached (the passive declare's consumer count); null where the broker cannot tell. */
  readonly consumers: number | null;
  /** AMQP: false when there is no such queue; null where the broker cannot tell (an empty Redis queue does not exist). */
  readonly exists: boolean | null;
}

export interface Transport {
  readonly broker: BrokerUrl;
  state(): LinkState;
  /** Returns a function that removes the listener. */
  onStateChange(listener: (state: LinkState) => void): () => void;
  /** Starts receiving every event (the `celeryev` exchange, all routing keys). */
  subscribeEvents(sink: EventSink): Promise<void>;
  /** Publishes to a fanout/topic exchange: `celeryev`, or `celery.pidbox` for broadcasts. */
  publishFanout(exchange: string, routingKey: string, message: CeleryMessage): Promise<void>;
  /**
   * Declares a task queue as Celery does (AMQP: durable direct exchange and durable queue of that name,
   * bound by the name; Redis: the `_kombu.binding.<queue>` member). Idempotent.
   */
  declareQueue(queue: string): Promise<void>;
  /**
   * Sends to a direct exchange: `''` (the default exchange: the routing key names the queue; Redis honours
   * the message priority with kombu's sub-queues) or a named one such as `reply.celery.pidbox`, delivered
   * to the queues bound with that routing key.
   */
  publish(exchange: string, routingKey: string, message: CeleryMessage): Promise<void>;
  /** Consumes task queues with acknowledgements (Redis: kombu's unacked hash and visibility timeout). */
  consume(queues: readonly string[], options: ConsumeOptions): Promise<QueueConsumer>;
  /** Listens on `<node>.celery.pidbox` for control requests (the caller filters them by destination). */
  listenPidbox(node: string, onRequest: (message: CeleryMessage) => void): Promise<PidboxListener>;
  /** Opens a reply queue with a fresh oid; replies published to `reply.celery.pidbox` with key oid arrive in onReply. */
  openReplyQueue(onReply: (message: CeleryMessage) => void): Promise<ReplyQueue>;
  /**
   * Messages waiting in a task queue, not counting those delivered and unacked (Redis: the four priority
   * lists summed, as Flower counts; AMQP: a passive declare's message count). 0 for a queue that does not
   * exist (on Redis an empty queue does not exist).
   */
  queueLength(queue: string): Promise<number>;
  /** `queueLength` with what else the broker tells about the queue (see QueueStats). */
  queueStats(queue: string): Promise<QueueStats>;
  /** Messages waiting in our event queue (AMQP); null where the broker has no such queue (Redis pub/sub). */
  eventBacklog(): Promise<number | null>;
  close(): Promise<void>;
}
