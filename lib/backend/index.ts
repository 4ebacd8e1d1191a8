/**
 * Where task results live (CELERY-WIRE.md §7): Celery's Redis result backend, byte-compatible, and the
 * same behaviour in process for the demo and tests. The worker writes, the client waits, the server reads.
 */
export type { ChordJoin, ChordPart, ResultBackend } from './result-backend';
export { createResultBackend } from './create-result-backend';
export { parseBackendUrl, SUPPORTED_BACKEND_SCHEMES, type BackendUrlResult } from './backend-url';
export { KeyValueResultBackend, type ResultBackendOptions } from './kv-backend';
export type { ChannelWatcher, ChordCount, ChordMember, KvStore } from './kv-store';
export { RedisBackend, type RedisBackendOptions } from './redis-backend';
export { defaultMemoryStore, MemoryBackend, MemoryStore } from './memory-backend';
export { chordError, exceptionRepr, failedChordPart, PROPAGATE_STATES } from './chord-error';
export {
  chordKeys,
  DEFAULT_EXPIRES_SECONDS,
  groupKey,
  MalformedResultError,
  ResultStoreError,
  ResultTimeoutError,
  taskKey,
} from './codec';
