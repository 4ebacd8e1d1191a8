/**
 * Where kombu's Redis transport sends a message (CELERY-WIRE.md §3.3; kombu 5.2.4 `Channel._lookup`): the
 * default exchange `''` names the queue in the routing key; a named direct or topic exchange is looked up
 * in its `_kombu.binding.<exchange>` set on every publish. No binding, no queue: the message is dropped, as
 * kombu does without a `deadletter_queue`.
 */
import type { Redis } from 'ioredis';
import { type RedisKeys, routeByBindings } from './redis-keys';

export async function queuesFor(client: Redis, keys: RedisKeys, exchange: string, routingKey: string): Promise<string[]> {
  if (exchange === '') return routingKey === '' ? [] : [routingKey];
  const members = await client.smembers(keys.binding(exchange));
  return routeByBindings(members, routingKey);
}
