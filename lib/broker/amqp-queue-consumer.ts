/**
 * A consumer of task queues on RabbitMQ, as a Celery worker consumes them: one channel, one consumer per
 * queue, acknowledgements on, and `basic.qos` with global=true so that the prefetch count is shared by
 * all the queues and can be changed while consuming (Celery does exactly this on RabbitMQ >= 3.3, whose
 * global=false would instead apply to each consumer separately and only to consumers started later).
 *
 * Settling: ack → basic.ack; reject(requeue) → basic.reject (as kombu's Message.reject). A delivery can be
 * settled only on the channel it came from: once that channel is gone (connection lost, consumer closed)
 * RabbitMQ has already put the message back, and settling it is a no-op. Acking its delivery tag on a
 * newer channel instead would make RabbitMQ close that channel with PRECONDITION_FAILED.
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import { decodeAmqpDelivery, type DecodeError, DecodeErrorCode } from '@/lib/celery';
import { backoffDelay } from './backoff';
import { AmqpChannelOwner } from './amqp-channel-owner';
import { UNDECODABLE_HEADERS } from './amqp-header-repair';
import type { AmqpSession } from './amqp-session';
import type { ConsumeOptions, Delivery, QueueConsumer } from './transport';

/** basic.qos takes a 16-bit count; above it kombu switches the limit off (0), and so do we. */
const PREFETCH_COUNT_MAX = 0xffff;

export class AmqpQueueConsumer extends AmqpChannelOwner implements QueueConsumer {
  private readonly names: string[];
  private prefetch: number;
  /** Per queue, on the current channel: the consumer being started, resolving to its tag. */
  private readonly consumers = new Map<string, Promise<string | null>>();

  constructor(
    queues: readonly string[],
    private readonly options: ConsumeOptions,
    onClosed: () => void,
  ) {
    super(onClosed);
    this.names = [...new Set(queues)];
    this.prefetch = qosCount(options.prefetch);
  }

  queues(): readonly string[] {
    return this.names;
  }

  protected async setUp(channel: Channel, session: AmqpSession): Promise<void> {
    await channel.prefetch(this.prefetch, true);
    for (const queue of [...this.names]) await this.subscribe(channel, session, queue);
  }

  protected override channelGone(): void {
    this.consumers.clear();
  }

  async addQueue(queue: string): Promise<void> {
    if (this.closed) throw new Error('the consumer is closed');
    if (this.names.includes(queue)) return;
    this.names.push(queue);
    const { channel, session } = this;
    // Without a connection now, it is declared and consumed with the others once connected again.
    if (!channel || !session) return;
    try {
      await this.subscribe(channel, session, queue);
    } catch (err) {
      this.names.splice(this.names.indexOf(queue), 1);
      throw err;
    }
  }

  async cancelQueue(queue: string): Promise<void> {
    const at = this.names.indexOf(queue);
    if (at === -1) return;
    this.names.splice(at, 1);
    const starting = this.consumers.get(queue);
    this.consumers.delete(queue);
    const channel = this.channel;
    const tag = await starting?.catch(() => null);
    // Deliveries already taken from it stay ours to settle.
    if (tag && channel && this.channel === channel) await channel.cancel(tag).catch(() => undefined);
  }

  setPrefetch(prefetch: number): void {
    this.prefetch = qosCount(prefetch);
    this.channel?.prefetch(this.prefetch, true).catch(() => undefined);
  }

  /** Cancels the consumers, then closes the channel: RabbitMQ puts every unsettled delivery back in its queue. */
  async close(): Promise<void> {
    await this.shutDown(async (channel) => {
      const tags = await Promise.all([...this.consumers.values()].map((p) => p.catch(() => null)));
      for (const tag of tags) if (tag) await channel.cancel(tag);
    });
  }

  private subscribe(channel: Channel, session: AmqpSession, queue: string): Promise<string | null> {
    let starting = this.consumers.get(queue);
    if (!starting) {
      starting = this.startConsumer(channel, session, queue);
      this.consumers.set(queue, starting);
      const started = starting;
      started.catch(() => {
        if (this.consumers.get(queue) === started) this.consumers.delete(queue);
      });
    }
    return starting;
  }

  private async startConsumer(channel: Channel, session: AmqpSession, queue: string): Promise<string | null> {
    await session.declareTaskQueue(queue);
    if (this.channel !== channel || !this.names.includes(queue)) return null;
    const { consumerTag } = await channel.consume(queue, (message) => this.received(channel, session, queue, message), { noAck: false });
    return consumerTag;
  }

  private received(channel: Channel, session: AmqpSession, queue: string, message: ConsumeMessage | null): void {
    // Closing (or replaced): RabbitMQ puts it back when the channel closes; handing it out now would run it twice.
    if (this.closed || this.channel !== channel) return;
    try {
      if (message === null) this.cancelledByBroker(channel, session, queue);
      else this.hand(channel, queue, message);
    } catch {
      // Never into amqplib's frame loop: a throw there would close the connection.
    }
  }

  /** The broker ended our consumer (the queue was deleted): declare the queue again and go on, as Celery does. */
  private cancelledByBroker(channel: Channel, session: AmqpSession, queue: string): void {
    this.consumers.delete(queue);
    session.forgetTaskQueue(queue);
    const timer = setTimeout(() => {
      if (this.closed || this.channel !== channel || !this.names.includes(queue)) return;
      this.subscribe(channel, session, queue).catch(() => this.restart(channel));
    }, backoffDelay(1));
    timer.unref();
  }

  private hand(channel: Channel, queue: string, message: ConsumeMessage): void {
    const decoded = decodeAmqpDelivery(message);
    const undecodable = message.properties.headers?.[UNDECODABLE_HEADERS];
    if (!decoded.ok || undecodable !== undefined) {
      // Dropped (acked), as kombu drops a message it cannot decode; the caller hears about it.
      try {
        if (this.channel === channel) channel.ack(message);
      } catch {
        // The channel closed under us: the broker puts the message back.
      }
      const error: DecodeError = decoded.ok
        ? { code: DecodeErrorCode.Syntax, message: `header table: ${String(undecodable)}`, path: '$.headers' }
        : decoded.error;
      this.options.malformed(error, message.content.toString('utf8').slice(0, 2000));
      return;
    }
    let settled = false;
    const settle = async (how: (live: Channel) => void): Promise<void> => {
      if (settled) return;
      settled = true;
      if (this.channel !== channel) return;
      try {
        how(channel);
      } catch {
        // The channel closed under us: the broker puts the message back.
      }
    };
    const delivery: Delivery = {
      message: decoded.value,
      queue,
      ack: () => settle((live) => live.ack(message)),
      reject: (requeue) => settle((live) => live.reject(message, requeue)),
    };
    this.options.deliver(delivery);
  }
}

function qosCount(prefetch: number): number {
  const count = Math.max(0, Math.trunc(prefetch));
  return Number.isFinite(count) && count <= PREFETCH_COUNT_MAX ? count : 0;
}
