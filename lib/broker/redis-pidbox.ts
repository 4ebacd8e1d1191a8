/**
 * Remote control over Redis as kombu 5.2.4 does it (CELERY-WIRE.md §6.4):
 *
 * - A worker hears requests by PSUBSCRIBE `[prefix]/<db>.celery.pidbox` (the fanout exchange), and lists
 *   its pidbox queue in `_kombu.binding.celery.pidbox` as `\x06\x16\x06\x16<node>.celery.pidbox`. That
 *   member is informational (nothing routes by it), but Python workers write it, so we do too.
 * - A client's replies come through the direct exchange `reply.celery.pidbox`: the client binds
 *   `<oid>\x06\x16\x06\x16<oid>.reply.celery.pidbox` BEFORE sending its request (a worker that finds no
 *   binding drops its reply), then BRPOPs the reply queue's four lists. On close it unbinds and deletes
 *   the lists, as Python's client does after collecting.
 *
 * Both re-add their binding when their connection comes back, since a restarted Redis may have lost it.
 * Undecodable messages are skipped; callbacks that throw are contained.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { type CeleryMessage, decodeRedisEnvelope, names } from '@/lib/celery';
import { BrpopLoop } from './redis-brpop-loop';
import type { RedisKeys } from './redis-keys';
import type { PidboxListener, ReplyQueue } from './transport';

/** How long a close waits for the broker to take an unbinding before going on (it is sent anyway). */
const UNBIND_WAIT_MS = 2_000;

export interface RedisPidboxDeps {
  /** A connection of its own (subscriber, or BRPOP for a reply queue); closed with the listener. */
  readonly connection: Redis;
  /** For SADD/SREM/DEL; waits through broker restarts. */
  readonly commands: Redis;
  readonly keys: RedisKeys;
}

export class RedisPidboxListener implements PidboxListener {
  private closing: Promise<void> | null = null;

  /** Resolves once the subscription is active, so a request sent after that is heard. */
  static async open(deps: RedisPidboxDeps, channel: string, node: string, onRequest: (message: CeleryMessage) => void): Promise<RedisPidboxListener> {
    const listener = new RedisPidboxListener(deps, channel, names.redisBindingMember('', '', names.pidboxQueue(node)));
    deps.connection.on('pmessage', (_pattern: string, _channel: string, data: string) => {
      const message = decodeRedisEnvelope(data);
      if (!message.ok) return;
      try {
        onRequest(message.value);
      } catch {
        // The handler's own failure; the listener goes on.
      }
    });
    rebindOnReconnect(deps, listener.bindingKey, listener.member);
    await deps.commands.sadd(listener.bindingKey, listener.member);
    await deps.connection.psubscribe(channel);
    return listener;
  }

  private readonly bindingKey: string;

  private constructor(
    private readonly deps: RedisPidboxDeps,
    private readonly channel: string,
    private readonly member: string,
  ) {
    this.bindingKey = deps.keys.binding(names.PIDBOX_EXCHANGE);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await within(this.deps.commands.srem(this.bindingKey, this.member), UNBIND_WAIT_MS);
      if (this.deps.connection.status === 'ready') await within(this.deps.connection.punsubscribe(this.channel), UNBIND_WAIT_MS);
      this.deps.connection.disconnect();
    })();
    return this.closing;
  }
}

export class RedisReplyQueue implements ReplyQueue {
  readonly oid = randomUUID();
  private readonly member: string;
  private readonly bindingKey: string;
  private readonly lists: string[];
  private readonly loop: BrpopLoop;
  private closing: Promise<void> | null = null;

  /** Resolves once the binding is in place: a request may be published right after. */
  static async open(deps: RedisPidboxDeps, onReply: (message: CeleryMessage) => void): Promise<RedisReplyQueue> {
    const queue = new RedisReplyQueue(deps, onReply);
    rebindOnReconnect(deps, queue.bindingKey, queue.member);
    await deps.commands.sadd(queue.bindingKey, queue.member);
    queue.loop.start();
    return queue;
  }

  private constructor(
    private readonly deps: RedisPidboxDeps,
    onReply: (message: CeleryMessage) => void,
  ) {
    const queue = names.replyQueue(this.oid);
    this.member = names.redisBindingMember(this.oid, '', queue);
    this.bindingKey = deps.keys.binding(names.REPLY_EXCHANGE);
    this.lists = deps.keys.lists(queue);
    this.loop = new BrpopLoop(deps.connection, {
      keys: () => this.lists,
      take: async (_list, item) => {
        const message = decodeRedisEnvelope(item);
        if (!message.ok) return;
        try {
          onReply(message.value);
        } catch {
          // The handler's own failure; the queue goes on.
        }
      },
    });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.loop.stop();
      const commands = this.deps.commands;
      await within(commands.srem(this.bindingKey, this.member).then(() => commands.del(...this.lists)), UNBIND_WAIT_MS);
    })();
    return this.closing;
  }
}

function rebindOnReconnect(deps: RedisPidboxDeps, key: string, member: string): void {
  let readies = 0;
  deps.connection.on('ready', () => {
    if (readies++ > 0) void deps.commands.sadd(key, member).catch(() => undefined);
  });
}

/** Waits for `promise` (its failure ignored), or `ms` at most. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
