/**
 * Redis (kombu's virtual transport): events are PUB/SUB on `/<db>.celeryev/<routing key>`, pidbox
 * broadcasts on `/<db>.celery.pidbox` (CELERY-WIRE.md §3.5). One subscriber connection in RESP2 (RESP3
 * costs a fifth of a core at 100 000 events/s and lets Redis' output buffer grow, shared/PERF.md), and a
 * separate connection for publishing, made on first use.
 *
 * ioredis reconnects with our backoff and re-subscribes by itself. PUB/SUB keeps nothing for a client
 * that is away, so every disconnection is a gap in the event stream and is reported as one; that includes
 * Redis closing a subscriber that fell behind (client-output-buffer-limit pubsub).
 */
import { Redis, type RedisOptions } from 'ioredis';
import { type CeleryMessage, decodeRedisEnvelope, encodeRedisEnvelope, names } from '@/lib/celery';
import { backoffDelay } from './backoff';
import type { BrokerUrl } from './broker-url';
import { Link } from './link-state';
import { type EventSink, type LinkState, LinkStatus, type Transport } from './transport';

export interface RedisTransportOptions {
  /** kombu's `global_keyprefix` transport option. */
  readonly keyprefix?: string;
}

export class RedisTransport implements Transport {
  private readonly link = new Link();
  private readonly connections: Redis[] = [];
  private publisher: Redis | null = null;
  private closing = false;

  constructor(
    readonly broker: BrokerUrl,
    private readonly options: RedisTransportOptions = {},
  ) {}

  state(): LinkState {
    return this.link.state();
  }

  onStateChange(listener: (state: LinkState) => void): () => void {
    return this.link.onChange(listener);
  }

  private connect(role: 'events' | 'publish'): Redis {
    const b = this.broker;
    const base: RedisOptions = {
      connectionName: `pollen-${role}`,
      username: b.username ?? undefined,
      password: b.password ?? undefined,
      db: b.db,
      // RESP2: see the file comment.
      protocol: 2,
      // The subscription waits for the broker as long as it takes; a publish waits for one reconnection
      // attempt, then fails, so that broadcasts do not pile up while the broker is away.
      maxRetriesPerRequest: role === 'events' ? null : 1,
      retryStrategy: (attempt) => (this.closing ? null : backoffDelay(attempt)),
      ...(b.tls && { tls: { rejectUnauthorized: b.options['ssl_cert_reqs'] !== 'none' && b.options['ssl_cert_reqs'] !== 'CERT_NONE' } }),
    };
    const first = b.hosts[0] ?? { host: 'localhost', port: 6379 };
    const options: RedisOptions = b.sentinel
      ? { ...base, sentinels: b.hosts.map((h) => ({ host: h.host, port: h.port })), name: b.options['master_name'] ?? 'mymaster', sentinelPassword: b.password ?? undefined }
      : { ...base, host: first.host, port: first.port };
    const redis = new Redis(options);
    this.connections.push(redis);
    return redis;
  }

  async subscribeEvents(sink: EventSink): Promise<void> {
    const subscriber = this.connect('events');
    let lostAt: number | null = null;
    let lostBecause = '';
    subscriber.on('ready', () => {
      this.link.set(LinkStatus.Connected);
      if (lostAt !== null) sink.gap({ from: lostAt, to: Date.now(), reason: lostBecause || 'connection lost' });
      lostAt = null;
    });
    subscriber.on('error', (err: Error) => {
      lostBecause = err.message;
      if (this.link.state().status !== LinkStatus.Connected) this.link.set(this.link.state().status, err.message);
    });
    subscriber.on('close', () => {
      if (this.closing) return;
      if (this.link.state().status === LinkStatus.Connected) lostAt ??= Date.now();
      this.link.set(this.link.state().status === LinkStatus.Connecting ? LinkStatus.Connecting : LinkStatus.Reconnecting, lostBecause || 'connection closed');
    });
    subscriber.on('pmessage', (_pattern: string, _channel: string, data: string) => {
      const receivedAt = Date.now();
      // Lines where a mistake would lose events: a throwing sink must not break the subscription.
      try {
        const message = decodeRedisEnvelope(data);
        if (message.ok) sink.message(message.value, receivedAt);
        else sink.malformed(message.error, data);
      } catch {
        // The sink's own failure; the stream goes on.
      }
    });
    // Queued until the connection is ready, so a broker that is down at start does not fail the server.
    void subscriber.psubscribe(names.redisEventPattern({ db: this.broker.db, keyprefix: this.options.keyprefix })).catch(() => undefined);
  }

  async publishFanout(exchange: string, routingKey: string, message: CeleryMessage): Promise<void> {
    this.publisher ??= this.connect('publish');
    const channel = names.redisFanoutChannel(exchange, routingKey, { db: this.broker.db, keyprefix: this.options.keyprefix });
    await this.publisher.publish(channel, encodeRedisEnvelope(message, { exchange, routingKey }));
  }

  async eventBacklog(): Promise<number | null> {
    return null;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.link.set(LinkStatus.Closed);
    await Promise.all(this.connections.map((c) => c.quit().catch(() => c.disconnect())));
  }
}
