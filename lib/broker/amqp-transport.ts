/**
 * RabbitMQ (AMQP 0-9-1) via amqplib. Events: our own queue `celeryev.<uuid>` bound to the `celeryev` topic
 * exchange with `#`, declared like Celery's receiver (auto-delete, x-message-ttl 5 s, x-expires 60 s,
 * CELERY-WIRE.md §5.7), consumed without acks, on the connection's main channel (also used by
 * publishFanout). Exchanges and queues are declared with Celery's exact flags (amqp-entities.ts), or
 * RabbitMQ refuses with PRECONDITION_FAILED.
 *
 * Task queue consumers, the pidbox listener and reply queues each hold a channel of their own
 * (amqp-channel-owner.ts); declarations and `publish` go through the connection's session
 * (amqp-session.ts). Every connection gets the py-amqp header repair (amqp-header-repair.ts), so that a
 * big integer header from a Python producer does not drop it.
 *
 * A probe goes through the broker to our own event queue every second (startProbing): its return tells
 * the collector up to when the stream is whole, so a worker's silence past that moment is not taken for
 * its death. The collector's connection heartbeats every 5 s, so a paused node is noticed within seconds.
 *
 * On connection loss, or loss of the main channel, everything is declared again after a backoff: a new
 * event queue name (the old one expires by itself), the time in between reported as a gap; consumers and
 * pidbox queues are set up again on the new connection (RabbitMQ has returned their unacked messages).
 */
import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { type CeleryMessage, decodeAmqpDelivery, encodeAmqpPublish } from '@/lib/celery';
import { backoffDelay } from './backoff';
import type { BrokerUrl } from './broker-url';
import type { AmqpChannelOwner } from './amqp-channel-owner';
import { declareEventQueue } from './amqp-entities';
import { installHeaderRepair } from './amqp-header-repair';
import { listenPidbox, openReplyQueue } from './amqp-pidbox';
import { AmqpQueueConsumer } from './amqp-queue-consumer';
import { AmqpSession, CLOSE_TIMEOUT_MS, guarded, within } from './amqp-session';
import { Link } from './link-state';
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

/** The AMQP `type` of Pollen's own stream probes (startProbing); never passed on as an event. */
const PROBE_TYPE = 'pollen.stream-probe';
const PROBE_EVERY_MS = 1_000;

export interface AmqpTransportOptions {
  /**
   * The AMQP connection heartbeat in seconds, unless the URL sets `?heartbeat=`. amqplib otherwise takes
   * the server's (RabbitMQ: 60 s, so a paused or unreachable node goes unnoticed for two minutes); a
   * monitor wants to know within seconds that it has stopped hearing the cluster.
   */
  readonly amqpHeartbeatSeconds?: number;
  /**
   * How long the connection handshake may take (ms, default 10 s, kombu's is 4 s). Without a bound, a
   * broker that accepts the socket and then says nothing (a node half-way through a restart) would hold
   * the reconnection for ever: no error, no retry, a monitor that has stopped without saying so.
   */
  readonly connectTimeoutMs?: number;
}

const CONNECT_TIMEOUT_MS = 10_000;

export class AmqpTransport implements Transport {
  private readonly link = new Link();
  private connection: ChannelModel | null = null;
  private channel: Channel | null = null;
  private session: AmqpSession | null = null;
  /** Consumers, pidbox listeners and reply queues: attached to every new connection. */
  private readonly owners = new Set<AmqpChannelOwner>();
  private sink: EventSink | null = null;
  private eventQueue: string | null = null;
  private closing = false;
  private lostAt: number | null = null;
  /**
   * When the stream was last known whole: the connection made, or the send time of the last probe that
   * came back. A dead link is noticed only after two missed heartbeats; the gap starts here, not then.
   */
  private heardAt = 0;
  private probeTimer: NodeJS.Timeout | null = null;
  private lostBecause = '';
  /** Why reconnecting failed, when it did, during the current outage. */
  private retryError: string | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private connecting: Promise<void> | null = null;

  constructor(
    readonly broker: BrokerUrl,
    private readonly options: AmqpTransportOptions = {},
  ) {}

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
      connection = await amqp.connect(this.connectUrl(), this.socketOptions());
      installHeaderRepair(connection);
      const channel = guarded(await connection.createChannel());
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
      this.session = new AmqpSession(connection);
      if (this.sink) await this.consumeEvents(channel, this.sink);
      this.heardAt = Date.now();
      // Whole up to now (nothing earlier could reach the new queue): the confirming starts here, not at the
      // first probe's return, so a stall before that cannot pass for the workers' silence.
      if (this.sink) this.sink.heard(this.heardAt);
      this.link.set(LinkStatus.Connected);
      if (this.lostAt !== null && this.sink) this.sink.gap({ from: this.lostAt, to: Date.now(), reason: this.gapReason() });
      this.lostAt = null;
      // The next outage has a cause of its own: never report this one's again.
      this.lostBecause = '';
      this.retryError = null;
      const session = this.session;
      for (const owner of this.owners) owner.attach(session).catch(() => undefined); // each retries by itself
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (this.lostAt === null) this.lostBecause = message;
      else this.retryError = message;
      await connection?.close().catch(() => undefined);
      this.connection = null;
      this.channel = null;
      this.session?.end();
      this.session = null;
      this.scheduleRetry();
    }
  }

  private connectUrl(): string {
    const href = this.broker.href.replace(/^(pyamqp|librabbitmq):/, 'amqp:');
    const heartbeat = this.options.amqpHeartbeatSeconds;
    if (heartbeat === undefined || /[?&]heartbeat=/.test(href)) return href;
    return `${href}${href.includes('?') ? '&' : '?'}heartbeat=${heartbeat}`;
  }

  /** A bounded handshake; TLS certificates are verified unless the URL says `ssl_cert_reqs=none` (as for rediss://). */
  private socketOptions(): Record<string, unknown> {
    const timeout = this.options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    if (!this.broker.tls) return { timeout };
    const reqs = this.broker.options['ssl_cert_reqs'];
    return { timeout, rejectUnauthorized: reqs !== 'none' && reqs !== 'CERT_NONE', servername: this.broker.hosts[0]?.host };
  }

  private async consumeEvents(channel: Channel, sink: EventSink): Promise<void> {
    const queue = await declareEventQueue(channel, randomUUID());
    this.eventQueue = queue;
    await channel.consume(
      queue,
      (delivery) => {
        if (delivery === null) return; // cancelled by the broker; the close handler reconnects
        const receivedAt = Date.now();
        if (delivery.properties.type === PROBE_TYPE) {
          const sentAt = Number(delivery.content.toString('utf8'));
          if (Number.isFinite(sentAt)) {
            this.heardAt = Math.max(this.heardAt, sentAt);
            sink.heard(sentAt);
          }
          return;
        }
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
    this.startProbing(channel, queue);
  }

  /**
   * Every second, a probe to our own event queue through the default exchange (only this queue gets it,
   * no other monitor sees it): when it comes back, every event published before it has been delivered.
   */
  private startProbing(channel: Channel, queue: string): void {
    this.stopProbing();
    this.probeTimer = setInterval(() => {
      if (this.channel !== channel) return this.stopProbing();
      try {
        channel.publish('', queue, Buffer.from(String(Date.now())), { type: PROBE_TYPE });
      } catch {
        // The channel is closing; its close handler takes over.
      }
    }, PROBE_EVERY_MS);
    this.probeTimer.unref();
  }

  private stopProbing(): void {
    if (this.probeTimer !== null) clearInterval(this.probeTimer);
    this.probeTimer = null;
  }

  private lost(reason: string): void {
    if (this.channel === null && this.connection === null) return;
    this.stopProbing();
    void this.connection?.close().catch(() => undefined);
    this.channel = null;
    this.connection = null;
    this.eventQueue = null;
    this.session?.end();
    this.session = null;
    for (const owner of this.owners) owner.detach();
    if (this.closing) return;
    if (this.lostAt === null) {
      this.lostAt = Math.min(Date.now(), this.heardAt || Date.now());
      this.lostBecause ||= reason;
      this.sink?.interrupted(this.lostAt, this.lostBecause);
    }
    this.scheduleRetry();
  }

  /** What cut the stream, and then what kept it cut. */
  private gapReason(): string {
    const cause = this.lostBecause || 'connection lost';
    return this.retryError !== null && this.retryError !== cause ? `${cause}; then ${this.retryError}` : cause;
  }

  private scheduleRetry(): void {
    if (this.closing || this.retryTimer) return;
    const state = this.link.state();
    this.link.set(state.status === LinkStatus.Connecting ? LinkStatus.Connecting : LinkStatus.Reconnecting, this.lostAt === null ? this.lostBecause : this.gapReason());
    const delay = backoffDelay(this.link.state().attempts + 1);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.ensureConnected();
    }, delay);
  }

  /** Without confirms (events are many and transient); the exchange is declared once per connection, on a channel of its own. */
  async publishFanout(exchange: string, routingKey: string, message: CeleryMessage): Promise<void> {
    const session = await this.liveSession();
    await session.declareExchange(exchange);
    const channel = this.channel;
    if (!channel) throw new Error(`not connected to ${this.broker.display}: ${this.lostBecause}`);
    const { content, options } = encodeAmqpPublish(message);
    channel.publish(exchange, routingKey, Buffer.from(content.buffer, content.byteOffset, content.byteLength), options);
  }

  /** The current connection's session, connecting first if there is none; throws while the broker is unreachable. */
  private async liveSession(): Promise<AmqpSession> {
    await this.ensureConnected();
    const session = this.session;
    if (!session || !session.isAlive()) throw new Error(`not connected to ${this.broker.display}: ${this.lostBecause || 'closed'}`);
    return session;
  }

  /** Attaches a consumer or control queue to the current connection and to every later one; throws if the first set-up fails. */
  private async adopt(owner: AmqpChannelOwner): Promise<void> {
    const session = await this.liveSession();
    this.owners.add(owner);
    await owner.attach(session);
  }

  private readonly controlQueues = { adopt: (owner: AmqpChannelOwner) => this.adopt(owner), forget: (owner: AmqpChannelOwner) => void this.owners.delete(owner) };

  async declareQueue(queue: string): Promise<void> {
    await (await this.liveSession()).declareTaskQueue(queue);
  }

  async publish(exchange: string, routingKey: string, message: CeleryMessage): Promise<void> {
    await (await this.liveSession()).publish(exchange, routingKey, message);
  }

  async consume(queues: readonly string[], options: ConsumeOptions): Promise<QueueConsumer> {
    const consumer: AmqpQueueConsumer = new AmqpQueueConsumer(queues, options, () => this.owners.delete(consumer));
    try {
      await this.adopt(consumer);
    } catch (err) {
      await consumer.close();
      throw err;
    }
    return consumer;
  }

  listenPidbox(node: string, onRequest: (message: CeleryMessage) => void): Promise<PidboxListener> {
    return listenPidbox(this.controlQueues, node, onRequest);
  }

  openReplyQueue(onReply: (message: CeleryMessage) => void): Promise<ReplyQueue> {
    return openReplyQueue(this.controlQueues, randomUUID(), onReply);
  }

  async queueLength(queue: string): Promise<number> {
    return (await this.queueStats(queue)).messages;
  }

  async queueStats(queue: string): Promise<QueueStats> {
    return (await this.liveSession()).queueStats(queue);
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
    this.stopProbing();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.link.set(LinkStatus.Closed);
    // Consumers first: cancelled cleanly, their unsettled deliveries go back to their queues.
    await Promise.all([...this.owners].map((owner) => owner.close().catch(() => undefined)));
    this.owners.clear();
    this.session?.end();
    this.session = null;
    const connection = this.connection;
    const channel = this.channel;
    this.connection = null;
    this.channel = null;
    // amqplib can write connection.close to the socket before a publish still buffered on the main channel
    // (no confirms), and RabbitMQ ignores what follows connection.close: a worker's last event,
    // worker-offline, was lost so. channel.close goes out after that publish and its close-ok comes back
    // after RabbitMQ has taken it.
    const closing = async (open: ChannelModel): Promise<void> => {
      await channel?.close().catch(() => undefined);
      await open.close();
    };
    if (connection && !(await within(CLOSE_TIMEOUT_MS, closing(connection)))) {
      // The broker did not answer (a cut link not noticed yet): drop the socket.
      (connection.connection as unknown as { stream?: { destroy?: () => void } }).stream?.destroy?.();
    }
  }
}
