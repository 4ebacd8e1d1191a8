/** A consumer of the in-process broker's task queues, with prefetch and acknowledgements. */
import { decodeRedisEnvelope } from '@/lib/celery';
import type { MemoryBroker } from './memory-transport';
import type { ConsumeOptions, Delivery, QueueConsumer } from './transport';

interface Unsettled {
  readonly queue: string;
  readonly envelope: string;
}

export class MemoryQueueConsumer implements QueueConsumer {
  private readonly names: string[];
  private readonly unsettled = new Set<Unsettled>();
  private prefetch: number;
  private closed = false;
  private scheduled = false;
  private readonly stopWaking: () => void;
  private readonly closedListeners: (() => void)[] = [];

  constructor(
    private readonly bus: MemoryBroker,
    queues: readonly string[],
    private readonly options: ConsumeOptions,
  ) {
    this.names = [...queues];
    this.prefetch = options.prefetch;
    this.stopWaking = bus.onPush(() => this.schedule());
    this.schedule();
  }

  queues(): readonly string[] {
    return this.names;
  }

  async addQueue(queue: string): Promise<void> {
    if (!this.names.includes(queue)) this.names.push(queue);
    this.schedule();
  }

  async cancelQueue(queue: string): Promise<void> {
    const at = this.names.indexOf(queue);
    if (at !== -1) this.names.splice(at, 1);
  }

  setPrefetch(prefetch: number): void {
    this.prefetch = prefetch;
    this.schedule();
  }

  onClosed(listener: () => void): void {
    this.closedListeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopWaking();
    for (const item of this.unsettled) this.bus.push(item.queue, item.envelope, true);
    this.unsettled.clear();
    for (const listener of this.closedListeners) listener();
  }

  /** Deliveries happen on a later turn, never inside the publisher's call. */
  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    let progressed = true;
    while (progressed && !this.closed) {
      progressed = false;
      for (const queue of this.names) {
        if (this.prefetch > 0 && this.unsettled.size >= this.prefetch) return;
        const envelope = this.bus.take(queue);
        if (envelope === undefined) continue;
        progressed = true;
        this.hand(queue, envelope);
      }
    }
  }

  private hand(queue: string, envelope: string): void {
    const message = decodeRedisEnvelope(envelope);
    if (!message.ok) {
      this.options.malformed(message.error, envelope);
      return;
    }
    const item: Unsettled = { queue, envelope };
    this.unsettled.add(item);
    const settle = (): boolean => {
      const was = this.unsettled.delete(item);
      if (was) this.schedule();
      return was;
    };
    const delivery: Delivery = {
      message: message.value,
      queue,
      ack: async () => {
        settle();
      },
      reject: async (requeue) => {
        if (settle() && requeue) this.bus.push(queue, redelivered(envelope), true);
      },
    };
    try {
      this.options.deliver(delivery);
    } catch {
      // The consumer's own failure; the delivery stays unsettled until it is settled or we close.
    }
  }
}

/** The envelope marked as kombu marks a restored message. */
function redelivered(envelope: string): string {
  const parsed = JSON.parse(envelope) as { headers?: Record<string, unknown>; properties?: { delivery_info?: Record<string, unknown> } };
  parsed.headers = { ...parsed.headers, redelivered: true };
  if (parsed.properties?.delivery_info) parsed.properties.delivery_info['redelivered'] = true;
  return JSON.stringify(parsed);
}
