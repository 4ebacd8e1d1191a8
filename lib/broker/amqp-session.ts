/**
 * What lives exactly as long as one AMQP connection: the record of what was declared on it, and the
 * channels for declaring and publishing. The transport makes a new session on every (re)connection.
 *
 * Declarations run on a short-lived channel each: a declaration RabbitMQ refuses (PRECONDITION_FAILED
 * for a queue declared with other flags elsewhere) closes its channel, and must not take a consumer's
 * unacknowledged deliveries or other callers' work with it. Publishing uses one confirm channel, so
 * `publish` resolves once RabbitMQ has taken the message, and rejects when it refused it (NOT_FOUND for
 * an exchange that does not exist closes that channel; the next publish opens a new one).
 */
import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';
import { type CeleryMessage, encodeAmqpPublish } from '@/lib/celery';
import { declareExchange, declareTaskQueue, isCeleryExchange } from './amqp-entities';
import type { QueueStats } from './transport';

export class AmqpSession {
  private alive = true;
  private readonly taskQueues = new Map<string, Promise<void>>();
  private readonly exchanges = new Map<string, Promise<void>>();
  private confirmChannel: Promise<{ channel: ConfirmChannel; lastError: () => Error | null }> | null = null;

  constructor(readonly connection: ChannelModel) {}

  isAlive(): boolean {
    return this.alive;
  }

  /** The connection is gone: nothing more is done on it. */
  end(): void {
    this.alive = false;
  }

  /** Opens a channel of our own; its errors are reported through the promises that use it, never thrown as events. */
  async openChannel(): Promise<Channel> {
    if (!this.alive) throw new Error('the connection is gone');
    return guarded(await this.connection.createChannel());
  }

  /** Runs `work` on a channel of its own, closed afterwards. */
  async withChannel<T>(work: (channel: Channel) => Promise<T>): Promise<T> {
    const channel = await this.openChannel();
    try {
      return await work(channel);
    } finally {
      // After a refused declaration the broker has already closed it.
      void channel.close().catch(() => undefined);
    }
  }

  /** Declares a task queue as Celery does, once per connection (again after a failure or `forgetTaskQueue`). */
  declareTaskQueue(queue: string): Promise<void> {
    return this.once(this.taskQueues, queue, (channel) => declareTaskQueue(channel, queue));
  }

  /** The queue may be gone (the broker cancelled our consumer): declare it again next time. */
  forgetTaskQueue(queue: string): void {
    this.taskQueues.delete(queue);
  }

  /**
   * A passive declare on a channel of its own: a missing queue closes only that channel, with NOT_FOUND,
   * and is reported as 0 messages that does not exist.
   */
  async queueStats(queue: string): Promise<QueueStats> {
    try {
      const { messageCount, consumerCount } = await this.withChannel((channel) => channel.checkQueue(queue));
      return { messages: messageCount, byPriority: null, consumers: consumerCount, exists: true };
    } catch (err) {
      if ((err as { code?: number }).code === 404) return { messages: 0, byPriority: null, consumers: 0, exists: false };
      throw err;
    }
  }

  declareExchange(exchange: string): Promise<void> {
    return this.once(this.exchanges, exchange, (channel) => declareExchange(channel, exchange));
  }

  private once(done: Map<string, Promise<void>>, key: string, declare: (channel: Channel) => Promise<void>): Promise<void> {
    let pending = done.get(key);
    if (!pending) {
      pending = this.withChannel(declare);
      done.set(key, pending);
      pending.catch(() => {
        if (done.get(key) === pending) done.delete(key);
      });
    }
    return pending;
  }

  /**
   * Publishes with the message's own delivery mode (2 = persistent) and properties. Celery's fixed
   * exchanges (`celery.pidbox`, `reply.celery.pidbox`, `celeryev`) are declared first with Celery's flags,
   * as kombu does; `''` is the default exchange; other exchanges must exist.
   */
  async publish(exchange: string, routingKey: string, message: CeleryMessage): Promise<void> {
    if (isCeleryExchange(exchange)) await this.declareExchange(exchange);
    const { channel, lastError } = await this.publishChannel();
    const { content, options } = encodeAmqpPublish(message);
    const body = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
    await new Promise<void>((resolve, reject) => {
      const settle = (err: unknown): void => {
        if (err === null || err === undefined) resolve();
        else reject(lastError() ?? err);
      };
      try {
        channel.publish(exchange, routingKey, body, options, settle);
      } catch (err) {
        settle(err);
      }
    });
  }

  private publishChannel(): Promise<{ channel: ConfirmChannel; lastError: () => Error | null }> {
    if (!this.alive) return Promise.reject(new Error('the connection is gone'));
    if (!this.confirmChannel) {
      const opening = this.connection.createConfirmChannel().then((channel) => {
        let error: Error | null = null;
        guarded(channel).on('error', (err: Error) => {
          error = err;
        });
        channel.on('close', () => {
          if (this.confirmChannel === opening) this.confirmChannel = null;
        });
        return { channel, lastError: () => error };
      });
      opening.catch(() => {
        if (this.confirmChannel === opening) this.confirmChannel = null;
      });
      this.confirmChannel = opening;
    }
    return this.confirmChannel;
  }
}

/**
 * amqplib emits a channel's errors as 'error' events (an EventEmitter with no listener throws them), and
 * rethrows what a listener throws into its frame loop unless 'handler-error' is listened to: either would
 * close the whole connection.
 */
export function guarded<C extends Channel>(channel: C): C {
  channel.on('error', () => undefined);
  channel.on('handler-error', () => undefined);
  return channel;
}

/** How long a clean close waits for the broker's answers (a cut link can go unnoticed until heartbeats fail). */
export const CLOSE_TIMEOUT_MS = 5_000;

/** Waits for `work` (its failure ignored), at most `ms`; true when it finished in time. */
export async function within(ms: number, work: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
