/**
 * An in-process broker for tests and the demo: fanout exchanges delivered synchronously to every
 * subscriber of the same MemoryBroker. Messages go through the Redis envelope codec on the way, so the
 * demo exercises the same decoding as a real broker.
 */
import { type CeleryMessage, decodeRedisEnvelope, encodeRedisEnvelope } from '@/lib/celery';
import type { BrokerUrl } from './broker-url';
import { Link } from './link-state';
import { type EventSink, type LinkState, LinkStatus, type Transport } from './transport';

export class MemoryBroker {
  private readonly subscribers = new Map<string, Set<(envelope: string) => void>>();

  subscribe(exchange: string, deliver: (envelope: string) => void): () => void {
    const set = this.subscribers.get(exchange) ?? new Set();
    set.add(deliver);
    this.subscribers.set(exchange, set);
    return () => set.delete(deliver);
  }

  publish(exchange: string, envelope: string): void {
    for (const deliver of this.subscribers.get(exchange) ?? []) deliver(envelope);
  }
}

/** The process-wide broker behind every `memory://` URL. */
export const defaultMemoryBroker = new MemoryBroker();

export class MemoryTransport implements Transport {
  private readonly link = new Link();
  private readonly unsubscribes: (() => void)[] = [];

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
    this.unsubscribes.push(
      this.bus.subscribe('celeryev', (envelope) => {
        const message = decodeRedisEnvelope(envelope);
        if (message.ok) sink.message(message.value, Date.now());
        else sink.malformed(message.error, envelope);
      }),
    );
  }

  async publishFanout(exchange: string, routingKey: string, message: CeleryMessage): Promise<void> {
    this.bus.publish(exchange, encodeRedisEnvelope(message, { exchange, routingKey }));
  }

  async eventBacklog(): Promise<number | null> {
    return null;
  }

  async close(): Promise<void> {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    this.link.set(LinkStatus.Closed);
  }
}
