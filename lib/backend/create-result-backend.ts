/** The result backend for a URL: `redis://`, `rediss://` or `memory://` (CELERY-WIRE.md §7). */
import { BrokerKind } from '@/lib/broker/broker-url';
import { parseBackendUrl } from './backend-url';
import { MemoryBackend } from './memory-backend';
import { RedisBackend, type RedisBackendOptions } from './redis-backend';
import type { ResultBackend } from './result-backend';

/**
 * Makes no connection (the first command does). Throws an Error saying what is wrong for an unsupported or
 * malformed URL, e.g. `rpc://` or `db+postgresql://`.
 */
export function createResultBackend(url: string, options: RedisBackendOptions = {}): ResultBackend {
  const parsed = parseBackendUrl(url);
  if (!parsed.ok) throw new Error(parsed.error);
  if (parsed.value.kind === BrokerKind.Memory) return new MemoryBackend(undefined, options);
  return new RedisBackend(parsed.value, options);
}
