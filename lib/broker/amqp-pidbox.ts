/**
 * Remote control over AMQP (CELERY-WIRE.md §6): a worker's mailbox `<node>.celery.pidbox` and a client's
 * reply queue `<oid>.reply.celery.pidbox`. Both are consumed without acknowledgements (as kombu's pidbox
 * does), declared with Celery's flags on every (re)connection, and set up again after the broker ended
 * the consumer. Messages that do not decode as kombu messages are dropped; the caller's callback is
 * guarded, so a throw there does not stop the queue.
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import { type CeleryMessage, decodeAmqpDelivery } from '@/lib/celery';
import { AmqpChannelOwner } from './amqp-channel-owner';
import { declarePidboxQueue, declareReplyQueue } from './amqp-entities';
import type { PidboxListener, ReplyQueue } from './transport';

/** A control queue consumed with noAck; `declare` declares and binds it on the given channel and returns its name. */
class ControlQueue extends AmqpChannelOwner {
  private consumerTag: string | null = null;

  constructor(
    private readonly declare: (channel: Channel) => Promise<string>,
    private readonly onMessage: (message: CeleryMessage) => void,
    onClosed: () => void,
  ) {
    super(onClosed);
  }

  protected async setUp(channel: Channel): Promise<void> {
    const queue = await this.declare(channel);
    const { consumerTag } = await channel.consume(queue, (message) => this.received(channel, message), { noAck: true });
    if (this.channel === channel) this.consumerTag = consumerTag;
  }

  protected override channelGone(): void {
    this.consumerTag = null;
  }

  private received(channel: Channel, message: ConsumeMessage | null): void {
    if (this.closed || this.channel !== channel) return;
    try {
      // null: the broker ended the consumer (the queue was deleted); declare it again on a new channel.
      if (message === null) return this.restart(channel);
      const decoded = decodeAmqpDelivery(message);
      if (decoded.ok) this.onMessage(decoded.value);
    } catch {
      // The callback's own failure; the queue goes on.
    }
  }

  /** Cancels the consumer (or runs `finish` instead, e.g. deleting the queue) and closes the channel. */
  close(finish?: (channel: Channel) => Promise<void>): Promise<void> {
    return this.shutDown(async (channel) => {
      if (finish) await finish(channel);
      else if (this.consumerTag) await channel.cancel(this.consumerTag);
    });
  }
}

export interface ControlQueues {
  /** Called with each new owner, so the transport attaches it now and on every reconnection. */
  adopt(owner: AmqpChannelOwner): Promise<void>;
  forget(owner: AmqpChannelOwner): void;
}

/** Listens on `<node>.celery.pidbox` (bound to the `celery.pidbox` fanout). The auto-delete queue goes when closed. */
export async function listenPidbox(transport: ControlQueues, node: string, onRequest: (message: CeleryMessage) => void): Promise<PidboxListener> {
  const listener: ControlQueue = new ControlQueue((channel) => declarePidboxQueue(channel, node), onRequest, () => transport.forget(listener));
  await adopted(transport, listener);
  return { close: () => listener.close() };
}

/** A reply queue with this oid, bound to `reply.celery.pidbox` with key oid; deleted when closed. */
export async function openReplyQueue(transport: ControlQueues, oid: string, onReply: (message: CeleryMessage) => void): Promise<ReplyQueue> {
  let queue = '';
  const declare = async (channel: Channel): Promise<string> => (queue = await declareReplyQueue(channel, oid));
  const replies: ControlQueue = new ControlQueue(declare, onReply, () => transport.forget(replies));
  await adopted(transport, replies);
  return {
    oid,
    // Deleting the queue also ends our consumer of it; replies still on their way are dropped.
    close: () =>
      replies.close(async (channel) => {
        if (queue) await channel.deleteQueue(queue);
      }),
  };
}

async function adopted(transport: ControlQueues, owner: ControlQueue): Promise<void> {
  try {
    await transport.adopt(owner);
  } catch (err) {
    await owner.close();
    throw err;
  }
}
