/**
 * What every long-lived AMQP subscription shares (task queue consumers, pidbox listeners, reply queues):
 * a channel of its own on the transport's connection, set up again
 *  - on every new connection (the transport calls `attach` with the new session), and
 *  - after the broker closed just this channel (a channel error), with backoff while the connection lives;
 * and never again after `close()`.
 */
import type { Channel } from 'amqplib';
import { backoffDelay } from './backoff';
import { type AmqpSession, CLOSE_TIMEOUT_MS, within } from './amqp-session';

export abstract class AmqpChannelOwner {
  /** The channel in use; null while there is none (connection lost, set-up pending, or closed). */
  protected channel: Channel | null = null;
  protected session: AmqpSession | null = null;
  protected closed = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;

  /** `onClosed` runs once, when close() begins (the transport forgets this owner). */
  constructor(private readonly onClosed: () => void) {}

  /** Stops for good (subclasses call shutDown). */
  abstract close(): Promise<void>;

  /** Declares and subscribes on a fresh channel, which is already `this.channel`. */
  protected abstract setUp(channel: Channel, session: AmqpSession): Promise<void>;

  /** The channel went away (connection lost, the broker closed it, or close()): what was tied to it is gone. */
  protected channelGone(_channel: Channel): void {}

  /**
   * Sets up on this connection. Rejects when the set-up failed (a refused declaration, the connection
   * dropping meanwhile); it is then retried by itself while the connection lives.
   */
  async attach(session: AmqpSession): Promise<void> {
    this.session = session;
    this.clearRetry();
    if (this.closed || !session.isAlive()) return;
    const previous = this.channel;
    if (previous) {
      this.forget(previous);
      void previous.close().catch(() => undefined);
    }
    let channel: Channel | null = null;
    try {
      channel = await session.openChannel();
      const opened = channel;
      channel.on('close', () => this.channelClosed(opened));
      if (this.closed || this.session !== session) {
        void channel.close().catch(() => undefined);
        return;
      }
      this.channel = channel;
      await this.setUp(channel, session);
      this.failures = 0;
    } catch (err) {
      if (channel && this.channel === channel) {
        this.forget(channel);
        void channel.close().catch(() => undefined);
      }
      this.scheduleRetry(session);
      throw err;
    }
  }

  /** The connection is gone; the transport attaches again once it has a new one. */
  detach(): void {
    this.session = null;
    this.clearRetry();
    if (this.channel) this.forget(this.channel);
  }

  /** Starts over on a new channel (e.g. after the broker cancelled a consumer), as after a channel error. */
  protected restart(channel: Channel): void {
    if (this.channel === channel) void channel.close().catch(() => undefined); // 'close' schedules the set-up
  }

  /**
   * Stops for good: `beforeClose` runs on the live channel (cancel consumers, delete a queue), then it is
   * closed. Gives up waiting for the broker after CLOSE_TIMEOUT_MS (the connection's close does the rest).
   */
  protected async shutDown(beforeClose: (channel: Channel) => Promise<void>): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clearRetry();
    this.onClosed();
    const channel = this.channel;
    if (!channel) return;
    this.forget(channel);
    const finish = async (): Promise<void> => {
      try {
        await beforeClose(channel);
      } catch {
        // The channel or connection is going anyway; closing it below does the rest.
      }
      await channel.close().catch(() => undefined);
    };
    await within(CLOSE_TIMEOUT_MS, finish());
  }

  private channelClosed(channel: Channel): void {
    if (this.channel !== channel) return;
    this.forget(channel);
    if (this.session) this.scheduleRetry(this.session);
  }

  private forget(channel: Channel): void {
    if (this.channel === channel) this.channel = null;
    try {
      this.channelGone(channel);
    } catch {
      // Bookkeeping only.
    }
  }

  private scheduleRetry(session: AmqpSession): void {
    if (this.closed || this.retryTimer || this.session !== session || !session.isAlive()) return;
    this.failures++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.closed || this.session !== session || !session.isAlive() || this.channel) return;
      this.attach(session).catch(() => undefined);
    }, backoffDelay(this.failures));
    this.retryTimer.unref();
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
}
