/**
 * The AMQP exchanges and queues Celery declares, with Celery's exact flags and arguments
 * (CELERY-WIRE.md §4, §6.1; captures/amqp/topology-mid.json). RabbitMQ refuses a declaration that differs
 * from an existing entity in any flag or argument with PRECONDITION_FAILED, which closes the channel.
 */
import type { Channel } from 'amqplib';
import { amqpHeaderTable, names } from '@/lib/celery';

interface ExchangeFlags {
  readonly type: 'direct' | 'fanout' | 'topic';
  readonly durable: boolean;
}

/** Exchanges with a fixed declaration in Celery (kombu's pidbox Mailbox and the event dispatcher). */
const CELERY_EXCHANGES: Readonly<Record<string, ExchangeFlags>> = {
  [names.EVENT_EXCHANGE]: { type: 'topic', durable: true },
  [names.PIDBOX_EXCHANGE]: { type: 'fanout', durable: false },
  [names.REPLY_EXCHANGE]: { type: 'direct', durable: false },
};

export function isCeleryExchange(exchange: string): boolean {
  return Object.hasOwn(CELERY_EXCHANGES, exchange);
}

/** One of Celery's fixed exchanges as Celery declares it; another name as a durable topic exchange. */
export async function declareExchange(channel: Channel, exchange: string): Promise<void> {
  const flags = CELERY_EXCHANGES[exchange] ?? { type: 'topic', durable: true };
  await channel.assertExchange(exchange, flags.type, { durable: flags.durable, autoDelete: false, internal: false });
}

/**
 * A task queue as Celery declares it: kombu's `Queue(q, Exchange(q, 'direct'), routing_key=q)`, so a
 * durable direct exchange and a durable, shared, never auto-deleted queue of that name with no arguments,
 * bound by the name. (Producers then publish to the default exchange with the queue as routing key.)
 */
export async function declareTaskQueue(channel: Channel, queue: string): Promise<void> {
  await channel.assertExchange(queue, 'direct', { durable: true, autoDelete: false, internal: false });
  await channel.assertQueue(queue, { durable: true, exclusive: false, autoDelete: false });
  await channel.bindQueue(queue, queue, queue);
}

/** Pidbox and reply queues: transient, auto-delete, expiring (control_queue_expires 10 s, control_queue_ttl 300 s). */
function controlQueueOptions() {
  // Typed as 32-bit signed ints, as py-amqp sends them ("signedint" in RabbitMQ's view).
  return { durable: false, exclusive: false, autoDelete: true, arguments: amqpHeaderTable({ ...names.PIDBOX_QUEUE_ARGUMENTS }) };
}

/** A worker's mailbox `<node>.celery.pidbox`, bound to the `celery.pidbox` fanout exchange. Returns the queue name. */
export async function declarePidboxQueue(channel: Channel, node: string): Promise<string> {
  const queue = names.pidboxQueue(node);
  await declareExchange(channel, names.PIDBOX_EXCHANGE);
  await channel.assertQueue(queue, controlQueueOptions());
  await channel.bindQueue(queue, names.PIDBOX_EXCHANGE, '');
  return queue;
}

/** A client's reply queue `<oid>.reply.celery.pidbox`, bound to `reply.celery.pidbox` with key oid. Returns the queue name. */
export async function declareReplyQueue(channel: Channel, oid: string): Promise<string> {
  const queue = names.replyQueue(oid);
  await declareExchange(channel, names.REPLY_EXCHANGE);
  await channel.assertQueue(queue, controlQueueOptions());
  await channel.bindQueue(queue, names.REPLY_EXCHANGE, oid);
  return queue;
}

/** The event receiver's queue `celeryev.<uuid>`, bound to `celeryev` with `#` (as `celery events` and Flower). */
export async function declareEventQueue(channel: Channel, id: string): Promise<string> {
  const queue = names.eventQueue(id);
  await declareExchange(channel, names.EVENT_EXCHANGE);
  await channel.assertQueue(queue, { durable: false, autoDelete: true, exclusive: false, arguments: { ...names.EVENT_QUEUE_ARGUMENTS } });
  await channel.bindQueue(queue, names.EVENT_EXCHANGE, '#');
  return queue;
}
