/** Remote control of Celery workers from Node (CELERY-WIRE.md §6): the client shared by the TS client and the server. */
export {
  type BroadcastOptions,
  type ControlClock,
  type NodeReplies,
  PidboxClient,
  type PidboxClientOptions,
} from './pidbox-client';
