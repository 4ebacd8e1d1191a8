/**
 * An in-process broker for tests and the demo. Fanout exchanges are delivered synchronously to every
 * subscriber; task queues are lists with acknowledgements (an unsettled delivery goes back to its queue
 * when its consumer closes), and direct exchanges route by binding, as kombu's virtual transport does.
 * Messages go through the Redis envelope codec on the way, so the demo exercises the same decoding as a
 * real broker.
 */
import { randomUUID } from 'node:crypto';
import { type CeleryMessage, decodeRedisEnvelope, encodeRedisEnvelope, names } from '@/lib/celery';
import type { BrokerUrl } from './broker-url';
import { Link } from './link-state';
import { MemoryQueueConsumer } from './memory-queue-consumer';
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

export class MemoryBroker {
  private readonly subscribers = new Map<string, Set<(envelope: string) => void>>();
  private readonly lists = new Map<string, string[]>();
  /** Direct exchange -> routing key -> queues. */
  private readonly bindings = new Map<string, Map<string, Set<string>>>();
  private readonly waiters = new Set<() => void>();

  subscribe(exchange: string, deliver: (envelope: string) => void): () => void {
    const set = this.subscribers.get(exchange) ?? new Set();
    set.add(deliver);
    this.subscribers.set(exchange, set);
    return () => set.delete(deliver);
  }

  publish(exchange: string, envelope: string): void {
    for (const deliver of this.subscribers.get(exchange) ?? []) deliver(envelope);
  }

  bind(exchange: string, routingKey: string, queue: string): void {
    const table = this.bindings.get(exchange) ?? new Map<string, Set<string>>();
    const queues = table.get(routingKey) ?? new Set<string>();
    queues.add(queue);
    table.set(routingKey, queues);
    this.bindings.set(exchange, table);
  }

  unbind(exchange: string, routingKey: string, queue: string): void {
    this.bindings.get(exchange)?.get(routingKey)?.delete(queue);
  }

  /** Queues a message; on the default exchange the routing key is the queue. Unrouted messages are dropped, as on Redis. */
  route(exchange: string, routingKey: string, envelope: string): void {
    const queues = exchange === '' ? [routingKey] : [...(this.bindings.get(exchange)?.get(routingKey) ?? [])];
    for (const queue of queues) this.push(queue, envelope);
  }

  /** Appends to the tail (front = next out); `first` puts a returned message back at the front. */
  push(queue: string, envelope: string, first = false): void {
    const list = this.lists.get(queue) ?? [];
    if (first) list.unshift(envelope);
    else list.push(envelope);
    this.lists.set(queue, list);
    for (const wake of [...this.waiters]) wake();
  }

  take(queue: string): string | undefined {
    return this.lists.get(queue)?.shift();
  }

  length(queue: string): number {
    return this.lists.get(queue)?.length ?? 0;
  }

  /** Calls `wake` whenever a message is queued anywhere; returns the unsubscribe. */
  onPush(wake: () => void): () => void {
    this.waiters.add(wake);
    return () => this.waiters.delete(wake);
  }

  deleteQueue(queue: string): void {
    this.lists.delete(queue);
  }

  /** What the broker holds, for benchmarks that must see a queue nobody consumes (a reply queue left behind). */
  holdings(): { readonly queues: ReadonlyMap<string, number>; readonly bindings: number; readonly listeners: number } {
    const queues = new Map<string, number>();
    for (const [name, list] of this.lists) queues.set(name, list.length);
    let bindings = 0;
    for (const table of this.bindings.values()) for (const bound of table.values()) bindings += bound.size;
    let listeners = this.waiters.size;
    for (const set of this.subscribers.values()) listeners += set.size;
    return { queues, bindings, listeners };
  }
}

/** The process-wide broker behind every `memory://` URL. */
export const defaultMemoryBroker = new MemoryBroker();

export class MemoryTransport implements Transport {
  private readonly link = new Link();
  private readonly closers = new Set<() => Promise<void> | void>();

  constructor(
    readonly broker: BrokerUrl,
    private readonly bus: MemoryBroker = defaultMemoryBroker,
  ) {
    this.link.set(LinkStatus.Connected);
  }

  state(): LinkState {
    return this.link.state();
  }

  onStateChange(listener: (state: LinkState) => void): () => void {
    return this.link.onChange(listener);
  }

  async subscribeEvents(sink: EventSink): Promise<void> {
    // In-process: nothing published is ever missed.
    sink.heard(Number.POSITIVE_INFINITY);
    this.closers.add(
      this.bus.subscribe(names.EVENT_EXCHANGE, (envelope) => {
        const message = decodeRedisEnvelope(envelope);
        if (message.ok) sink.message(message.value, Date.now());
        else sink.malformed(message.error, envelope);
      }),
    );
  }

  async publishFanout(exchange: string, routingKey: string, message: CeleryMessage): Promise<void> {
    this.bus.publish(exchange, encodeRedisEnvelope(message, { exchange, routingKey }));
  }

  async declareQueue(): Promise<void> {
    // Queues exist as soon as something is pushed to them.
  }

  async publish(exchange: string, routingKey: string, message: CeleryMessage): Promise<void> {
    this.bus.route(exchange, routingKey, encodeRedisEnvelope(message, { exchange, routingKey }));
  }

  async consume(queues: readonly string[], options: ConsumeOptions): Promise<QueueConsumer> {
    const consumer = new MemoryQueueConsumer(this.bus, queues, options);
    const close = (): Promise<void> => consumer.close();
    this.closers.add(close);
    consumer.onClosed(() => this.closers.delete(close));
    return consumer;
  }

  /** Every node hears every request, as on a fanout exchange; the node filters by destination. */
  async listenPidbox(_node: string, onRequest: (message: CeleryMessage) => void): Promise<PidboxListener> {
    const unsubscribe = this.bus.subscribe(names.PIDBOX_EXCHANGE, (envelope) => {
      const message = decodeRedisEnvelope(envelope);
      if (message.ok) onRequest(message.value);
    });
    this.closers.add(unsubscribe);
    return {
      close: async () => {
        unsubscribe();
        this.closers.delete(unsubscribe);
      },
    };
  }

  async openReplyQueue(onReply: (message: CeleryMessage) => void): Promise<ReplyQueue> {
    const oid = randomUUID();
    const queue = names.replyQueue(oid);
    this.bus.bind(names.REPLY_EXCHANGE, oid, queue);
    const drain = (): void => {
      for (let envelope = this.bus.take(queue); envelope !== undefined; envelope = this.bus.take(queue)) {
        const message = decodeRedisEnvelope(envelope);
        if (message.ok) onReply(message.value);
      }
    };
    // Replies are pushed synchronously from inside a publish; hand them over on the next turn, as a broker would.
    const stop = this.bus.onPush(() => queueMicrotask(drain));
    const close = async (): Promise<void> => {
      stop();
      this.bus.unbind(names.REPLY_EXCHANGE, oid, queue);
      this.bus.deleteQueue(queue);
      this.closers.delete(close);
    };
    this.closers.add(close);
    return { oid, close };
  }

  async queueLength(queue: string): Promise<number> {
    return this.bus.length(queue);
  }

  /** One list per queue: no priority lists, no consumer count, and an empty queue does not exist (as on Redis). */
  async queueStats(queue: string): Promise<QueueStats> {
    return { messages: this.bus.length(queue), byPriority: null, consumers: null, exists: null };
  }

  async eventBacklog(): Promise<number | null> {
    return null;
  }

  async close(): Promise<void> {
    for (const close of [...this.closers]) await close();
    this.closers.clear();
    this.link.set(LinkStatus.Closed);
  }
}
