/**
 * The Pollen client: send tasks and canvases to Celery workers (Python or Pollen), wait for their results,
 * control the workers. See client.ts for an example.
 */
export { AsyncResult, type GetOptions, GroupResult, type Outcome, type ResultContext, type RevokeOptions } from './async-result';
export {
  chain,
  type ChainSignature,
  chord,
  type ChordSignature,
  group,
  type GroupSignature,
  pipe,
  si,
  signature,
  type TaskSignature,
} from './canvas-builders';
export { Client, type ClientOptions, type ClientParts, createClient } from './client';
export { pythonExceptionStr, RemoteTaskError } from './remote-error';
export { celeryIsoDate, celeryOptions, type SendOptions } from './send-options';
export { ResultTimeoutError } from '@/lib/backend';
export { type BroadcastOptions, type NodeReplies, PidboxClient } from '@/lib/control';
