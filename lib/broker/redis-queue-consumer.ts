/**
 * A consumer of task queues on Redis, taking messages exactly as a Python Celery worker (kombu 5.2.4) does,
 * so that it shares queues, the `unacked` hash and the visibility timeout with Python workers.
 * CELERY-WIRE.md §3.3, §3.4.
 *
 *   popping ──(unsettled = prefetch)──▶ waiting ──(ack/reject)──▶ popping
 *   popping / waiting ──close()──▶ closed: unsettled deliveries go back to the FRONT of their queue
 *
 * Each pop: BRPOP over every queue's four priority lists (kombu's order, queues rotated round-robin after
 * each hit), then MULTI ZADD unacked_index + HSET unacked, then deliver. ack = forget; reject(true) = back
 * of the queue, marked redelivered; reject(false) = forget. An item that is not a valid envelope is reported
 * through `malformed` and dropped without ever being recorded. Every `visibility timeout` (at most 100 s)
 * and at start, messages delivered longer ago than the timeout, by anyone, are restored.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { type CeleryMessage, decodeRedisEnvelope, names } from '@/lib/celery';
import { BrpopLoop } from './redis-brpop-loop';
import { type RedisKeys, restoreIntervalMs, rotated } from './redis-keys';
import { RestoreEnd, type UnackedStore } from './redis-unacked';
import type { UnackedEntry } from './redis-unacked-entry';
import type { ConsumeOptions, Delivery, QueueConsumer } from './transport';

export interface RedisConsumerDeps {
  /** A connection of the consumer's own, for BRPOP; closed by the consumer. */
  readonly pop: Redis;
  /** The unacked hash, on a connection that waits through broker restarts. */
  readonly store: UnackedStore;
  readonly keys: RedisKeys;
  /** Declares a task queue as Celery does (the `_kombu.binding.<queue>` member). */
  readonly declare: (queue: string, again?: boolean) => Promise<void>;
  readonly visibilityTimeoutS: number;
}

/** The most messages one batch pop takes when prefetch is unlimited. */
const MAX_BATCH = 100;

interface Popped {
  readonly queue: string;
  readonly message: CeleryMessage;
  readonly tag: string;
  readonly entry: UnackedEntry;
}

interface Unsettled {
  readonly tag: string;
  settled: boolean;
}

export class RedisQueueConsumer implements QueueConsumer {
  private order: string[] = [];
  private queueOf = new Map<string, string>();
  /** In delivery order, which close() relies on. */
  private readonly unsettled = new Set<Unsettled>();
  private prefetch: number;
  private closed = false;
  private closing: Promise<void> | null = null;
  private restoring = false;
  private readonly loop: BrpopLoop;
  private readonly timer: NodeJS.Timeout;
  private readonly closedListeners: (() => void)[] = [];

  /** Declares the queues (waiting for the broker if it is away), then starts popping. */
  static async start(queues: readonly string[], options: ConsumeOptions, deps: RedisConsumerDeps): Promise<RedisQueueConsumer> {
    const consumer = new RedisQueueConsumer(options, deps);
    try {
      for (const queue of queues) await consumer.addQueue(queue);
    } catch (err) {
      await consumer.close();
      throw err;
    }
    consumer.begin();
    return consumer;
  }

  private constructor(
    private readonly options: ConsumeOptions,
    private readonly deps: RedisConsumerDeps,
  ) {
    this.prefetch = options.prefetch;
    this.loop = new BrpopLoop(deps.pop, { keys: () => this.keys(), take: (list, item) => this.take(list, item), takeWaiting: () => this.takeWaiting() });
    this.timer = setInterval(() => void this.restoreTimedOut(), restoreIntervalMs(deps.visibilityTimeoutS));
    this.timer.unref();
    // After a broker restart the bindings may be gone: declare again, as Celery does when it reconnects.
    let readies = 0;
    deps.pop.on('ready', () => {
      if (readies++ === 0 || this.closed) return;
      for (const queue of this.order) void deps.declare(queue, true).catch(() => undefined);
    });
  }

  private begin(): void {
    void this.restoreTimedOut().finally(() => {
      if (!this.closed) this.loop.start();
    });
  }

  queues(): readonly string[] {
    return this.order;
  }

  async addQueue(queue: string): Promise<void> {
    if (this.order.includes(queue)) return;
    await this.deps.declare(queue);
    if (this.order.includes(queue)) return;
    this.order = [...this.order, queue];
    this.loop.wake();
  }

  /** A BRPOP already on the wire may still bring one message from it; that one is delivered. */
  async cancelQueue(queue: string): Promise<void> {
    this.order = this.order.filter((q) => q !== queue);
  }

  setPrefetch(prefetch: number): void {
    this.prefetch = prefetch;
    this.loop.wake();
  }

  onClosed(listener: () => void): void {
    this.closedListeners.push(listener);
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  /** Test-only: the consumer's process vanishes. Its connection drops; its unsettled deliveries stay in `unacked`. */
  _abandon(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.loop.abandon();
  }

  private async shutDown(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.loop.stop();
    // kombu pops its delivered messages newest first and RPUSHes each, so the oldest ends up next in line.
    // Those being acked or rejected right now are left to that (their commands are ahead on the connection).
    const pending = [...this.unsettled].filter((item) => !item.settled).reverse();
    this.unsettled.clear();
    for (const item of pending) {
      item.settled = true;
      await this.deps.store.restore(item.tag, RestoreEnd.Front).catch(() => false);
    }
    for (const listener of this.closedListeners) guard(listener);
  }

  private keys(): string[] | null {
    if (this.closed) return null;
    if (this.prefetch > 0 && this.unsettled.size >= this.prefetch) return null;
    const { keys, queueOf } = this.deps.keys.popOrder(this.order);
    this.queueOf = queueOf;
    return keys;
  }

  private async take(list: string, item: string): Promise<void> {
    const popped = this.read(list, item);
    if (!popped) return;
    await this.deps.store.record(popped.tag, popped.entry);
    await this.hand([popped]);
  }

  /** The rest of a backlog, up to the prefetch room, in one pop and one record. */
  private async takeWaiting(): Promise<number> {
    const keys = this.keys();
    if (!keys) return 0;
    const room = this.prefetch > 0 ? this.prefetch - this.unsettled.size : MAX_BATCH;
    const items = await this.deps.store.pop(keys, this.order.length, Math.min(room, MAX_BATCH));
    const popped = items.map(([list, item]) => this.read(list, item)).filter((p): p is Popped => p !== null);
    await this.deps.store.recordMany(popped);
    await this.hand(popped);
    return items.length;
  }

  /** The queue order rotates past the queue served; a malformed item is reported and dropped here. */
  private read(list: string, item: string): Popped | null {
    const queue = this.queueOf.get(list) ?? queueOfList(list, this.deps.keys.prefix);
    this.order = rotated(this.order, queue);
    const decoded = decodeRedisEnvelope(item);
    if (!decoded.ok) {
      guard(() => this.options.malformed(decoded.error, item));
      return null;
    }
    const message = decoded.value;
    const info = message.delivery;
    // kombu needs both to put it back; without them it goes back to the queue it came from.
    const exchange = info?.exchange ?? '';
    const routingKey = info && (info.exchange !== '' || info.routingKey !== '') ? info.routingKey : queue;
    return { queue, message, tag: info?.tag ?? randomUUID(), entry: { envelope: item, exchange, routingKey } };
  }

  /** Recorded messages go to the worker, or straight back to the front of their queue when we are closing. */
  private async hand(popped: readonly Popped[]): Promise<void> {
    for (const p of popped) {
      if (this.closed) {
        await this.deps.store.restore(p.tag, RestoreEnd.Front);
        continue;
      }
      const state: Unsettled = { tag: p.tag, settled: false };
      this.unsettled.add(state);
      guard(() => this.options.deliver(this.delivery(p.message, p.queue, state)));
    }
  }

  private delivery(message: CeleryMessage, queue: string, state: Unsettled): Delivery {
    // Never rejects: if the broker cannot be told (the transport is closing), the message stays in
    // `unacked` and comes back after the visibility timeout, as with kombu. As in kombu, the prefetch
    // slot frees only once the broker has it, so a requeued message is in line before the next pop.
    const settle = async (requeue: boolean | null): Promise<void> => {
      if (state.settled) return;
      state.settled = true;
      try {
        if (requeue) await this.deps.store.restore(state.tag, RestoreEnd.Back);
        else await this.deps.store.forget(state.tag);
      } catch {
        // See above.
      } finally {
        this.unsettled.delete(state);
        this.loop.wake();
      }
    };
    return {
      message,
      queue,
      ack: () => settle(null),
      reject: (requeue) => settle(requeue),
    };
  }

  private async restoreTimedOut(): Promise<void> {
    if (this.restoring || this.closed) return;
    this.restoring = true;
    try {
      await this.deps.store.restoreTimedOut(this.deps.visibilityTimeoutS);
    } catch {
      // The broker is away or closing; the next round tries again.
    } finally {
      this.restoring = false;
    }
  }
}

/** kombu's way back from a list to its queue: strip the key prefix and any `\x06\x16<step>` suffix. */
function queueOfList(list: string, prefix: string): string {
  const name = list.startsWith(prefix) ? list.slice(prefix.length) : list;
  const at = name.lastIndexOf(names.KOMBU_SEP);
  return at === -1 ? name : name.slice(0, at);
}

function guard(run: () => void): void {
  try {
    run();
  } catch {
    // A callback's own failure never stops the consumer.
  }
}
