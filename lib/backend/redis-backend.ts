/**
 * Celery 5.2's Redis result backend, byte-compatible: a Python client waiting with AsyncResult.get() wakes
 * on what we store, a Python worker's results decode here, and a chord's header parts may be finished by
 * either side (CELERY-WIRE.md §7; the logic is in kv-backend.ts, this file is the Redis side).
 *
 * Two connections in RESP2, made on first use: one for commands, one shared subscriber for every watcher
 * (SUBSCRIBE to the exact channel `celery-task-meta-<id>`, UNSUBSCRIBE when its last watcher stops).
 * ioredis reconnects with our backoff and re-subscribes by itself; PUB/SUB keeps nothing for a client that
 * is away, so after a reconnection every watcher reads its key again (ChannelWatcher.resync).
 */
import { readFileSync } from 'node:fs';
import { type ChainableCommander, Redis, type RedisOptions } from 'ioredis';
import { backoffDelay } from '@/lib/broker/backoff';
import type { BrokerUrl } from '@/lib/broker/broker-url';
import { parseBackendUrl, verifiesCertificate } from './backend-url';
import { type ChordKeys, parseScore } from './codec';
import { KeyValueResultBackend, type ResultBackendOptions } from './kv-backend';
import type { ChannelWatcher, ChordCount, ChordMember, KvStore } from './kv-store';

export interface RedisBackendOptions extends ResultBackendOptions {
  /** CLIENT SETNAME of both connections (default `pollen-results`). */
  readonly connectionName?: string;
}

interface Channel {
  readonly watchers: Set<ChannelWatcher>;
  /** Settles once the SUBSCRIBE is confirmed. */
  readonly subscribed: Promise<void>;
}

export class RedisStore implements KvStore {
  readonly display: string;
  private client: Redis | null = null;
  private subscriber: Redis | null = null;
  private readonly channels = new Map<string, Channel>();
  private closing = false;
  /** The commands connection's last failure since it was last ready, and whether it ever was. */
  private commandsError: string | null = null;
  private commandsWereReady = false;

  constructor(
    readonly url: BrokerUrl,
    private readonly options: { connectionName?: string; onError?: (error: Error) => void } = {},
  ) {
    this.display = url.display;
  }

  async get(key: string): Promise<string | null> {
    return this.commands().get(key);
  }

  async setAndPublish(key: string, value: string, expiresSeconds: number): Promise<void> {
    const multi = this.commands().multi();
    if (expiresSeconds > 0) multi.setex(key, expiresSeconds, value);
    else multi.set(key, value);
    await exec(multi.publish(key, value));
  }

  async setAndPublishIf(key: string, expected: string | null, value: string, expiresSeconds: number): Promise<boolean> {
    const stored = await this.commands().eval(SET_AND_PUBLISH_IF, 1, key, expected === null ? '0' : '1', expected ?? '', value, String(expiresSeconds));
    return stored === 1;
  }

  unavailable(): string | null {
    const client = this.client;
    // Not connected yet, or a first connection under way without a failure: a read may well succeed.
    if (client === null || client.status === 'ready' || client.status === 'wait') return null;
    if (!this.commandsWereReady && this.commandsError === null) return null;
    return this.commandsError ?? `connection ${client.status}`;
  }

  async del(...keys: string[]): Promise<void> {
    const multi = this.commands().multi();
    for (const key of keys) multi.del(key);
    await exec(multi);
  }

  async chordAdd(keys: ChordKeys, score: string, member: string, expiresSeconds: number): Promise<ChordCount> {
    const multi = this.commands().multi().zadd(keys.parts, score, member).zcount(keys.parts, '-inf', '+inf').get(keys.added).get(keys.size);
    if (expiresSeconds > 0) multi.expire(keys.parts, expiresSeconds).expire(keys.added, expiresSeconds).expire(keys.size, expiresSeconds);
    const [, ready, added, size] = await exec(multi);
    return { ready: Number(ready), added: (added as string | null) ?? null, size: (size as string | null) ?? null };
  }

  async chordMembers(partsKey: string): Promise<ChordMember[]> {
    const [flat] = await exec(this.commands().multi().zrange(partsKey, '0', '-1', 'WITHSCORES'));
    const items = flat as string[];
    const members: ChordMember[] = [];
    for (let i = 0; i + 1 < items.length; i += 2) members.push({ member: items[i] as string, score: parseScore(items[i + 1] as string) });
    return members;
  }

  async subscribe(channel: string, watcher: ChannelWatcher): Promise<() => Promise<void>> {
    let entry = this.channels.get(channel);
    if (!entry) {
      const subscribed = this.subscriberConnection()
        .subscribe(channel)
        .then(() => undefined);
      entry = { watchers: new Set(), subscribed };
      this.channels.set(channel, entry);
      const created = entry;
      subscribed.catch(() => {
        if (this.channels.get(channel) === created) this.channels.delete(channel);
      });
    }
    entry.watchers.add(watcher);
    const joined = entry;
    try {
      await joined.subscribed;
    } catch (err) {
      joined.watchers.delete(watcher);
      throw err;
    }
    let stopped = false;
    return async () => {
      if (stopped) return;
      stopped = true;
      joined.watchers.delete(watcher);
      if (joined.watchers.size > 0 || this.channels.get(channel) !== joined) return;
      this.channels.delete(channel);
      // A later SUBSCRIBE to the same channel is sent after this UNSUBSCRIBE on the same connection.
      if (!this.closing) await this.subscriber?.unsubscribe(channel);
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    const connections = [this.client, this.subscriber].filter((c): c is Redis => c !== null);
    await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    this.channels.clear();
  }

  private commands(): Redis {
    if (this.closing) throw new Error(`result backend ${this.display} is closed`);
    if (this.client === null) {
      const client = this.connect('commands');
      client.on('ready', () => {
        this.commandsWereReady = true;
        this.commandsError = null;
      });
      client.on('error', (err: Error) => (this.commandsError = err.message));
      client.on('close', () => (this.commandsError ??= 'connection lost'));
      this.client = client;
    }
    return this.client;
  }

  private subscriberConnection(): Redis {
    if (this.closing) throw new Error(`result backend ${this.display} is closed`);
    if (this.subscriber) return this.subscriber;
    const subscriber = this.connect('subscriber');
    let wasReady = false;
    subscriber.on('ready', () => {
      if (!wasReady) {
        wasReady = true;
        return;
      }
      // ioredis re-subscribed before 'ready'; a PING on the same connection is answered after those
      // SUBSCRIBEs, so what the watchers read next cannot miss a message.
      subscriber.ping().then(
        () => {
          for (const { watchers } of this.channels.values()) for (const w of [...watchers]) w.resync();
        },
        () => undefined,
      );
    });
    subscriber.on('message', (channel: string, text: string) => {
      const entry = this.channels.get(channel);
      if (!entry) return;
      for (const watcher of [...entry.watchers]) {
        try {
          watcher.message(text);
        } catch (err) {
          this.options.onError?.(err instanceof Error ? err : new Error(String(err)));
        }
      }
    });
    this.subscriber = subscriber;
    return subscriber;
  }

  private connect(role: 'commands' | 'subscriber'): Redis {
    const u = this.url;
    const host = u.hosts[0] ?? { host: 'localhost', port: 6379 };
    const options: RedisOptions = {
      host: host.host,
      port: host.port,
      username: u.username ?? undefined,
      password: u.password ?? undefined,
      db: u.db,
      connectionName: this.options.connectionName ?? 'pollen-results',
      // RESP2, as Celery's redis-py: a subscribed connection runs only (UN)SUBSCRIBE and PING.
      protocol: 2,
      lazyConnect: true,
      // A command waits through 8 reconnection attempts, ~23 s with our backoff (Celery's retry policy gives
      // up after ~20 s); a subscription waits forever.
      maxRetriesPerRequest: role === 'commands' ? 8 : null,
      retryStrategy: (attempt) => (this.closing ? null : backoffDelay(attempt)),
      ...(u.tls && { tls: tlsOptions(u) }),
    };
    const redis = new Redis(options);
    redis.on('error', (err: Error) => this.options.onError?.(err));
    return redis;
  }
}

/**
 * KEYS[1] key; ARGV: expected present ('1'/'0'), expected value, new value, expiry seconds (0: none).
 * SETEX (or SET) and PUBLISH, only when the key still holds what the caller read: 1 if stored, else 0.
 */
const SET_AND_PUBLISH_IF = `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
if tonumber(ARGV[4]) > 0 then redis.call('SETEX', KEYS[1], ARGV[4], ARGV[3]) else redis.call('SET', KEYS[1], ARGV[3]) end
redis.call('PUBLISH', KEYS[1], ARGV[3])
return 1`;

function tlsOptions(url: BrokerUrl): NonNullable<RedisOptions['tls']> {
  const file = (name: string): Buffer | undefined => {
    const path = url.options[name];
    return path ? readFileSync(path) : undefined;
  };
  return { rejectUnauthorized: verifiesCertificate(url), ca: file('ssl_ca_certs'), cert: file('ssl_certfile'), key: file('ssl_keyfile') };
}

/** EXEC's replies; the first error fails the whole call. */
async function exec(multi: ChainableCommander): Promise<unknown[]> {
  const replies = await multi.exec();
  if (replies === null) throw new Error('Redis transaction aborted');
  return replies.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

export class RedisBackend extends KeyValueResultBackend {
  constructor(url: string | BrokerUrl, options: RedisBackendOptions = {}) {
    super(new RedisStore(resolve(url), { connectionName: options.connectionName, onError: options.onError }), options);
  }
}

function resolve(url: string | BrokerUrl): BrokerUrl {
  if (typeof url !== 'string') return url;
  const parsed = parseBackendUrl(url);
  if (!parsed.ok) throw new Error(parsed.error);
  if (parsed.value.kind !== 'redis') throw new Error(`not a Redis result backend URL: ${parsed.value.display}`);
  return parsed.value;
}
