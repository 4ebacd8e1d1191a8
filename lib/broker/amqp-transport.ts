/**
 * RabbitMQ (AMQP 0-9-1) via amqplib. Events: our own queue `celeryev.<uuid>` bound to the `celeryev` topic
 * exchange with `#`, declared like Celery's receiver (auto-delete, x-message-ttl 5 s, x-expires 60 s,
 * CELERY-WIRE.md §5.7), consumed without acks. Exchanges are declared with Celery's exact flags, or
 * RabbitMQ refuses with PRECONDITION_FAILED.
 *
 * On any connection or channel loss everything is declared again after a backoff, with a new queue name
 * (the old one expires by itself); the time in between is reported as a gap.
 */
import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { type CeleryMessage, decodeAmqpDelivery, encodeAmqpPublish, names } from '@/lib/celery';
import { backoffDelay } from './backoff';
import type { BrokerUrl } from './broker-url';
import { Link } from './link-state';
import { type EventSink, type LinkState, LinkStatus, type Transport } from './transport';

/** Exchange flags as Celery declares them (topology-mid.json in the captures). */
const EXCHANGES: Readonly<Record<string, { type: string; durable: boolean }>> = {
  [names.EVENT_EXCHANGE]: { type: 'topic', durable: true },
  [names.PIDBOX_EXCHANGE]: { type: 'fanout', durable: false },
  [names.REPLY_EXCHANGE]: { type: 'direct', durable: false },
};

export class AmqpTransport implements Transport {
  private readonly link = new Link();
  private connection: ChannelModel | null = null;
  private channel: Channel | null = null;
  private sink: EventSink | null = null;
  private eventQueue: string | null = null;
  private closing = false;
  private lostAt: number | null = null;
  private lostBecause = '';
  private retryTimer: NodeJS.Timeout | null = null;
  private connecting: Promise<void> | null = null;

  constructor(readonly broker: BrokerUrl) {}

  state(): LinkState {
    return this.link.state();
  }

  onStateChange(listener: (state: LinkState) => void): () => void {
    return this.link.onChange(listener);
  }

  async subscribeEvents(sink: EventSink): Promise<void> {
    this.sink = sink;
    // Connection failures are retried in the background; the server starts either way.
    void this.ensureConnected();
  }

  private ensureConnected(): Promise<void> {
    this.connecting ??= this.open().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async open(): Promise<void> {
    if (this.closing || this.channel) return;
    let connection: ChannelModel | null = null;
    try {
      connection = await amqp.connect(this.broker.href.replace(/^(pyamqp|librabbitmq):/, 'amqp:'), this.socketOptions());
      const channel = await connection.createChannel();
      connection.on('error', (err: Error) => {
        this.lostBecause = err.message;
      });
      connection.on('close', () => this.lost('connection closed'));
      channel.on('error', (err: Error) => {
        this.lostBecause = err.message;
      });
      channel.on('close', () => this.lost('channel closed'));
      this.connection = connection;
      this.channel = channel;
      if (this.sink) await this.consumeEvents(channel, this.sink);
      this.link.set(LinkStatus.Connected);
      if (this.lostAt !== null && this.sink) this.sink.gap({ from: this.lostAt, to: Date.now(), reason: this.lostBecause || 'connection lost' });
      this.lostAt = null;
    } catch (err) {
      this.lostBecause = err instanceof Error ? err.message : String(err);
      await connection?.close().catch(() => undefined);
      this.connection = null;
      this.channel = null;
      this.scheduleRetry();
    }
  }

  /** TLS: certificates are verified unless the URL says `ssl_cert_reqs=none` (as for rediss://). */
  private socketOptions(): Record<string, unknown> {
    if (!this.broker.tls) return {};
    const reqs = this.broker.options['ssl_cert_reqs'];
    return { rejectUnauthorized: reqs !== 'none' && reqs !== 'CERT_NONE', servername: this.broker.hosts[0]?.host };
  }

  private async consumeEvents(channel: Channel, sink: EventSink): Promise<void> {
    await this.assertExchange(channel, names.EVENT_EXCHANGE);
    const queue = names.eventQueue(randomUUID());
    await channel.assertQueue(queue, { durable: false, autoDelete: true, exclusive: false, arguments: { ...names.EVENT_QUEUE_ARGUMENTS } });
    await channel.bindQueue(queue, names.EVENT_EXCHANGE, '#');
    this.eventQueue = queue;
    await channel.consume(
      queue,
      (delivery) => {
        if (delivery === null) return; // cancelled by the broker; the close handler reconnects
        const receivedAt = Date.now();
        try {
          const message = decodeAmqpDelivery(delivery);
          if (message.ok) sink.message(message.value, receivedAt);
          else sink.malformed(message.error, delivery.content.toString('utf8').slice(0, 2000));
        } catch {
          // The sink's own failure; the stream goes on.
        }
      },
      { noAck: true },
    );
  }

  private async assertExchange(channel: Channel, exchange: string): Promise<void> {
    const flags = EXCHANGES[exchange] ?? { type: 'topic', durable: true };
    await channel.assertExchange(exchange, flags.type, { durable: flags.durable, autoDelete: false });
  }

  private lost(reason: string): void {
    if (this.channel === null && this.connection === null) return;
    void this.connection?.close().catch(() => undefined);
    this.channel = null;
    this.connection = null;
    this.eventQueue = null;
    if (this.closing) return;
    this.lostAt ??= Date.now();
    this.lostBecause ||= reason;
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closing || this.retryTimer) return;
    const state = this.link.state();
    this.link.set(state.status === LinkStatus.Connecting ? LinkStatus.Connecting : LinkStatus.Reconnecting, this.lostBecause);
    const delay = backoffDelay(this.link.state().attempts + 1);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.ensureConnected();
    }, delay);
  }

  async publishFanout(exchange: string, routingKey: string, message: CeleryMessage): Promise<void> {
    await this.ensureConnected();
    const channel = this.channel;
    if (!channel) throw new Error(`not connected to ${this.broker.display}: ${this.lostBecause}`);
    await this.assertExchange(channel, exchange);
    const { content, options } = encodeAmqpPublish(message);
    channel.publish(exchange, routingKey, Buffer.from(content.buffer, content.byteOffset, content.byteLength), options);
  }

  async eventBacklog(): Promise<number | null> {
    if (!this.channel || !this.eventQueue) return null;
    try {
      return (await this.channel.checkQueue(this.eventQueue)).messageCount;
    } catch {
      return null;
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.link.set(LinkStatus.Closed);
    await this.connection?.close().catch(() => undefined);
    this.connection = null;
    this.channel = null;
  }
}
