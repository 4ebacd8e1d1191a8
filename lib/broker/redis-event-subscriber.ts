/**
 * The Redis event subscriber's watch over its own stream. PUB/SUB keeps nothing for a subscriber that is
 * away or behind, so it must know, and say truly, when the stream was cut:
 *
 * - A PING goes down the subscribed connection every second. Redis queues its reply behind every message
 *   published before it, so a reply says "everything published before this PING was sent has reached
 *   you". The send time of the last answered PING is therefore where a later gap starts: when Redis drops
 *   a subscriber that fell behind (client-output-buffer-limit pubsub), the loss began then, not when the
 *   connection closed, which can be many seconds later.
 * - A PING with no reply and no message at all for `stallAfterMs` means the broker stopped answering (a
 *   paused or wedged server, a dead network path that TCP has not noticed): an outage, reported as one.
 *   The connection is kept, since a paused server loses nothing; past `reconnectAfterMs` it is dropped
 *   and made again.
 * - The reason of a gap is what was found during that gap: a connection error seen while reconnecting,
 *   a stall, or a close by the server while Pollen was behind. Never an older outage's error.
 */
import type { Redis } from 'ioredis';
import { decodeRedisEnvelope } from '@/lib/celery';
import type { Link } from './link-state';
import { type EventSink, LinkStatus } from './transport';

export interface SubscriberWatchOptions {
  readonly pingEveryMs: number;
  /** No reply to a PING and no message for this long: the broker is taken as down. */
  readonly stallAfterMs: number;
  /** A stall this long drops the connection and makes it again. */
  readonly reconnectAfterMs: number;
}

export const DEFAULT_WATCH: SubscriberWatchOptions = { pingEveryMs: 1_000, stallAfterMs: 3_000, reconnectAfterMs: 30_000 };

/** Behind by more than this when Redis closed the connection: taken as a drop for the output buffer. */
const BEHIND_MS = 1_000;

/** Subscribes `subscriber` to the event pattern and watches it; returns a function that stops the watch. */
export function watchEventSubscriber(
  subscriber: Redis,
  pattern: string,
  sink: EventSink,
  link: Link,
  options: SubscriberWatchOptions,
  closing: () => boolean,
): () => void {
  let up = false;
  /** Start of the current gap (Unix ms), while the stream is interrupted. */
  let lostAt: number | null = null;
  let lostBecause = '';
  /** A socket or connect error seen since the stream was last whole. */
  let errorSinceUp: string | null = null;
  let wholeUntil = Date.now();
  let lastDataAt = Date.now();
  let pingSentAt: number | null = null;
  let stalledAt: number | null = null;

  const interrupt = (reason: string): void => {
    if (lostAt !== null) return;
    lostAt = wholeUntil;
    lostBecause = reason;
    link.set(link.state().status === LinkStatus.Connecting ? LinkStatus.Connecting : LinkStatus.Reconnecting, reason);
    sink.interrupted(lostAt, reason);
  };

  const resume = (): void => {
    const now = Date.now();
    wholeUntil = now;
    lastDataAt = now;
    stalledAt = null;
    link.set(LinkStatus.Connected);
    if (lostAt === null) return;
    const gap = { from: lostAt, to: now, reason: errorSinceUp !== null && errorSinceUp !== lostBecause ? `${lostBecause}; then ${errorSinceUp}` : lostBecause };
    lostAt = null;
    errorSinceUp = null;
    sink.gap(gap);
  };

  subscriber.on('ready', () => {
    up = true;
    pingSentAt = null;
    // Nothing published before the subscription could reach us, so the stream is whole up to now. Said at
    // once, not at the first PONG a second later: until the first confirmation the model trusts silence
    // (a model fed by hand), and a Pollen stalled in that second took its workers offline.
    sink.heard(Date.now());
    // ioredis subscribes again by itself; the stream is whole from the moment the connection is back.
    resume();
  });
  subscriber.on('error', (err: Error) => {
    errorSinceUp = err.message;
    // Never up yet (a wrong password, a broker down at start): the error is the link's.
    if (lostAt !== null) link.set(link.state().status, `${lostBecause}; ${err.message}`);
    else if (link.state().status !== LinkStatus.Connected) link.set(link.state().status, err.message);
  });
  subscriber.on('close', () => {
    if (!up || closing()) return;
    up = false;
    pingSentAt = null;
    const behind = Date.now() - wholeUntil;
    const reason = errorSinceUp !== null
      ? errorSinceUp
      : behind > BEHIND_MS
        ? `Redis closed the event subscriber while Pollen was ${(behind / 1000).toFixed(1)} s behind (its output buffer passed client-output-buffer-limit pubsub)`
        : 'the broker closed the connection';
    errorSinceUp = null;
    interrupt(reason);
  });
  subscriber.on('pmessage', (_pattern: string, _channel: string, data: string) => {
    const receivedAt = Date.now();
    lastDataAt = receivedAt;
    if (stalledAt !== null) resume();
    // Lines where a mistake would lose events: a throwing sink must not break the subscription.
    try {
      const message = decodeRedisEnvelope(data);
      if (message.ok) sink.message(message.value, receivedAt);
      else sink.malformed(message.error, data);
    } catch {
      // The sink's own failure; the stream goes on.
    }
  });

  const tick = (): void => {
    if (!up) return;
    const now = Date.now();
    if (pingSentAt !== null) {
      const silentFor = now - Math.max(pingSentAt, lastDataAt);
      if (stalledAt === null && silentFor > options.stallAfterMs) {
        stalledAt = now;
        interrupt(`the broker stopped answering (no reply to PING for ${(silentFor / 1000).toFixed(1)} s)`);
      }
      if (stalledAt !== null) {
        if (now - stalledAt > options.reconnectAfterMs) {
          // ioredis makes the connection again and subscribes anew; 'ready' ends the gap.
          up = false;
          pingSentAt = null;
          subscriber.disconnect(true);
        }
        return;
      }
      // Messages flow but the reply is late: Pollen is far behind, or the reply went astray. Ask again, so
      // that confirmations go on either way. (Without messages, the silence above decides.)
      if (lastDataAt <= pingSentAt || now - pingSentAt < options.stallAfterMs) return;
    }
    const sentAt = now;
    pingSentAt = sentAt;
    subscriber.ping().then(
      () => {
        // Any reply proves the stream whole up to its own PING, even when a later PING is out.
        if (pingSentAt === sentAt) pingSentAt = null;
        lastDataAt = Date.now();
        wholeUntil = Math.max(wholeUntil, sentAt);
        if (stalledAt !== null) resume();
        sink.heard(sentAt);
      },
      () => {
        if (pingSentAt === sentAt) pingSentAt = null;
      },
    );
  };
  const timer = setInterval(tick, options.pingEveryMs);
  timer.unref();

  // Queued until the connection is ready, so a broker that is down at start does not fail the server.
  void subscriber.psubscribe(pattern).catch(() => undefined);
  return () => clearInterval(timer);
}
