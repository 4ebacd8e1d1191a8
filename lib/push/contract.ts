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
 *
 * Records are the REST API's own shapes (lib/api), rendered by the server's same renderers:
 * - a `task` update carries GET /api/v1/tasks/:id's `task` (V1Task), field for field;
 * - a `tasks` update's rows are GET /api/v1/tasks's rows without `children` and `retried_as` (V1TaskRow):
 *   those lists have no bound (a group's parent lists every member) and no list shows them; the `task`
 *   topic carries them;
 * - `worker` and `workers` carry a worker's event fields as GET /api/workers gives them (WorkerEventJson),
 *   without the inspect replies, which REST serves with their age.
 */
import type { V1Task, V1TaskRow } from '@/lib/api/tasks';
import type { WorkerEventJson, WorkerStatus } from '@/lib/api/workers';

export type { WorkerStatus };

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

/**
 * How history is being written (for the "history is not being written" banner), and when Pollen was not
 * listening: sent on connect and on each change; never sent without history (--db memory).
 */
export interface HistoryStatus {
  /** The SQLite file, or the PostgreSQL URL without its password. */
  readonly where: string;
  /** writing: keeping up; lagging: behind its bound, rows dropped; failing: writes fail (full disk, database gone). */
  readonly state: 'writing' | 'lagging' | 'failing';
  /** Unix seconds since which it is in this state. */
  readonly since: number;
  readonly error: string | null;
  readonly pendingEvents: number;
  readonly droppedEvents: number;
  /** Between runs of Pollen on this history, newest first (Unix seconds). */
  readonly notListening: readonly { readonly from: number; readonly to: number }[];
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
 * - `task`: one task with its links (it may be subscribed before the task is known);
 * - `worker`: one worker's event fields (heartbeats, active, processed, ...);
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
  | (UpdateBase & { readonly topic: 'tasks'; readonly reset: boolean; readonly upserted: readonly V1TaskRow[]; readonly removed: readonly string[] })
  | (UpdateBase & { readonly topic: 'task'; readonly uuid: string; readonly task: V1Task | null })
  | (UpdateBase & { readonly topic: 'worker'; readonly hostname: string; readonly worker: WorkerEventJson | null })
  | (UpdateBase & { readonly topic: 'workers'; readonly reset: boolean; readonly upserted: readonly WorkerEventJson[]; readonly removed: readonly string[] });

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
  'history:status': (status: HistoryStatus) => void;
  'subscriptions:updated': (batch: PushBatch) => void;
  'subscriptions:invalidated': (invalidation: Invalidation) => void;
}

export interface ClientToServerEvents {
  'subscription:create': (request: SubscribeRequest, ack: (reply: SubscribeAck) => void) => void;
  'subscription:cancel': (request: CancelRequest, ack: (reply: CancelAck) => void) => void;
}
