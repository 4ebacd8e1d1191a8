/**
 * The Socket.IO contract between the server (server/push) and the browser (components/): one typed map
 * per direction. Server -> client events are `noun:verb-past`; client -> server requests are `noun:verb`
 * and are answered through their ack. Payloads are plain JSON objects. This file is imported by browser
 * code: it holds types and constants only, nothing from Node.
 *
 * Live data, as a page uses it:
 *   1. emit `subscription:create` with what the page shows ({topic: 'tasks', state: 'FAILURE', limit: 50});
 *      the ack carries a `subscriptionId`, or an error naming the field that was wrong;
 *   2. the first `subscriptions:updated` after it carries the current value (the window for `tasks`,
 *      every worker for `workers`), later ones the changes, coalesced: at most one batch every
 *      FLUSH_INTERVAL_MS per socket, holding every subscription that changed;
 *   3. on `subscriptions:invalidated`, or when an update's `seq` skips a number, re-fetch over REST
 *      (the server skipped this socket while it could not keep up, or dropped changes past a cap);
 *   4. emit `subscription:cancel` when the page goes away. A new connection starts with no subscriptions.
 * A subscription's id names what it carries: two sockets (or two components on one socket) asking for
 * the same thing get the same id; each create needs its own cancel.
 */

/** What the server says about itself to every client that connects. */
export interface ServerInfo {
  readonly name: 'pollen';
  readonly version: string;
  /** The broker URL with its password masked, or null when none is configured. */
  readonly broker: string | null;
  /** The result backend URL, password masked, or null when none is configured. */
  readonly resultBackend: string | null;
  /** Unix milliseconds. */
  readonly startedAt: number;
}

/**
 * The server's link to the broker (for the "broker down" banner): sent on connect and on each change;
 * never sent when no broker is configured (ServerInfo.broker is null).
 */
export interface BrokerLink {
  readonly status: 'connecting' | 'connected' | 'reconnecting' | 'closed';
  /** Unix ms since which the link is in this status. */
  readonly since: number;
  /** The last connection error while connecting or reconnecting. */
  readonly error: string | null;
  /** Reconnection attempts since the link was last up. */
  readonly attempts: number;
}

export const PUSH_TOPICS = ['overview', 'tasks', 'task', 'worker', 'workers'] as const;
export type PushTopic = (typeof PUSH_TOPICS)[number];

export const PUSH_LIMITS = {
  /** Batches reach a socket at most this often; changes in between are coalesced. */
  flushIntervalMs: 250,
  /** The overview counts every task in memory: it is sent at most this often. */
  overviewIntervalMs: 1000,
  /** Distinct subscriptions one socket may hold (a dashboard page needs a handful). */
  maxSubscriptionsPerSocket: 32,
  /** `tasks` windows: the default and the largest `limit`. */
  defaultTaskWindow: 50,
  maxTaskWindow: 500,
} as const;

/**
 * What to follow:
 * - `overview`: task counts by state, workers online/offline, throughput;
 * - `tasks`: the newest tasks matching a filter, as GET /api/tasks filters them (lib/query: `state` in
 *   any case, `name` = taskname, `worker` = workername, `search` in Flower's search language), `limit` rows;
 * - `task`: one task's full record (it may be subscribed before the task is known);
 * - `worker`: one worker's record (heartbeats, active, processed, ...);
 * - `workers`: every worker.
 */
export type SubscribeRequest =
  | { readonly topic: 'overview' }
  | {
      readonly topic: 'tasks';
      readonly state?: string;
      readonly name?: string;
      readonly worker?: string;
      readonly search?: string;
      readonly limit?: number;
    }
  | { readonly topic: 'task'; readonly uuid: string }
  | { readonly topic: 'worker'; readonly hostname: string }
  | { readonly topic: 'workers' };

export const PUSH_ERROR_CODES = ['invalid', 'limit', 'unknown', 'internal'] as const;
/** invalid: a field is wrong; limit: too many subscriptions; unknown: no such subscription; internal: a server fault. */
export type PushErrorCode = (typeof PUSH_ERROR_CODES)[number];

export interface PushError {
  readonly code: PushErrorCode;
  readonly message: string;
  /** The request field at fault (`limit`, `search`, `topic`, ...), or null when it is not one field. */
  readonly field: string | null;
}

export type SubscribeAck = { readonly ok: true; readonly subscriptionId: string } | { readonly ok: false; readonly error: PushError };

export interface CancelRequest {
  readonly subscriptionId: string;
}

export type CancelAck = { readonly ok: true } | { readonly ok: false; readonly error: PushError };

/**
 * A task as GET /api/task/info/:id and GET /api/tasks render it (Flower's fields, worker as its
 * hostname, Pollen's additions); the fields named here are the ones a list needs to merge and sort.
 * Rows of a `tasks` update leave out `children` (keep the one REST gave); `task` updates carry it.
 */
export interface PushedTask {
  readonly uuid: string;
  readonly name: string | null;
  readonly state: string;
  /** Sender timestamp (Unix s) of the event that set `state`: lists sort on it, newest first. */
  readonly timestamp: number;
  readonly worker: string | null;
  readonly [field: string]: unknown;
}

/** How a worker's liveness is shown: alive (`online`, or `unknown` while it cannot be heard) or `offline`. */
export type WorkerStatus = 'online' | 'offline' | 'unknown';

/** A worker as GET /api/workers renders its event-derived fields (no inspect replies: fetch those over REST). */
export interface PushedWorker {
  readonly hostname: string;
  readonly alive: boolean;
  /** `unknown` while Pollen cannot hear the broker, or has not heard the worker since it could again. */
  readonly status: WorkerStatus;
  readonly heartbeats?: readonly number[];
  readonly active?: number | null;
  readonly processed?: number | null;
  /** Task events of each kind it sent since Pollen started (as in GET /api/workers). */
  readonly 'task-succeeded'?: number;
  readonly 'task-failed'?: number;
  readonly 'task-retried'?: number;
  readonly [field: string]: unknown;
}

/** Task events counted by the metrics, by type (sent, received, ..., rejected). */
export type ThroughputCounts = Readonly<Record<'sent' | 'received' | 'started' | 'succeeded' | 'failed' | 'retried' | 'revoked' | 'rejected', number>>;

export interface Overview {
  /** Tasks in memory (the newest `--max-tasks`), by Celery state; custom states appear by their name. */
  readonly tasks: { readonly total: number; readonly byState: Readonly<Record<string, number>> };
  readonly workers: { readonly online: number; readonly offline: number };
  /** Events counted over the last 10 s and 60 s (divide by the seconds for a rate). */
  readonly throughput: { readonly last10s: ThroughputCounts; readonly last60s: ThroughputCounts };
}

interface UpdateBase {
  readonly subscriptionId: string;
  /** Counts this subscription's updates; a gap means updates were missed: re-fetch. */
  readonly seq: number;
}

/**
 * One subscription's change. List updates: apply `removed`, then upsert `upserted` (newest first),
 * then sort by `timestamp` (tasks) and keep `limit` rows. `reset`: `upserted` is the whole current
 * window or list, so rows not in it go. `task` / `worker` null: not known to the server (not seen yet,
 * or forgotten to stay within --max-tasks / --max-workers).
 */
export type PushUpdate =
  | (UpdateBase & { readonly topic: 'overview'; readonly overview: Overview })
  | (UpdateBase & { readonly topic: 'tasks'; readonly reset: boolean; readonly upserted: readonly PushedTask[]; readonly removed: readonly string[] })
  | (UpdateBase & { readonly topic: 'task'; readonly uuid: string; readonly task: PushedTask | null })
  | (UpdateBase & { readonly topic: 'worker'; readonly hostname: string; readonly worker: PushedWorker | null })
  | (UpdateBase & { readonly topic: 'workers'; readonly reset: boolean; readonly upserted: readonly PushedWorker[]; readonly removed: readonly string[] });

/** Everything that changed for one socket since its last batch. */
export interface PushBatch {
  /** Server time of the flush, Unix ms. */
  readonly at: number;
  readonly updates: readonly PushUpdate[];
}

/** stalled: this socket could not take more and batches were skipped; overflow: changes came faster than kept. */
export interface Invalidation {
  readonly subscriptionIds: readonly string[];
  readonly reason: 'stalled' | 'overflow';
}

export interface ServerToClientEvents {
  'server:connected': (info: ServerInfo) => void;
  'broker:link-changed': (link: BrokerLink) => void;
  'subscriptions:updated': (batch: PushBatch) => void;
  'subscriptions:invalidated': (invalidation: Invalidation) => void;
}

export interface ClientToServerEvents {
  'subscription:create': (request: SubscribeRequest, ack: (reply: SubscribeAck) => void) => void;
  'subscription:cancel': (request: CancelRequest, ack: (reply: CancelAck) => void) => void;
}
