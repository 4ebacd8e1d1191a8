/**
 * The one small interface between Pollen and a broker, implemented by the Redis, AMQP and memory
 * transports and used by the collector (and, later, the worker).
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
  /** Unix ms: when the subscription was lost, and when it was back. */
  readonly from: number;
  readonly to: number;
  readonly reason: string;
}

/** Where a transport delivers the event stream. Callbacks must not throw (the transport guards anyway). */
export interface EventSink {
  /** One event message (a single event or a task.multi batch), with our receive time in Unix ms. */
  message(message: CeleryMessage, receivedAt: number): void;
  /** A message that was not a valid envelope; `raw` is kept as a sample. */
  malformed(error: DecodeError, raw: string): void;
  gap(gap: StreamGap): void;
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
  /** Messages waiting in our event queue (AMQP); null where the broker has no such queue (Redis pub/sub). */
  eventBacklog(): Promise<number | null>;
  close(): Promise<void>;
}
