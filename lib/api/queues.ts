/** JSON shapes of /api/v1/queues and /api/v1/queues/history, shared by the server and the dashboard. */

export interface QueueRow {
  readonly name: string;
  /** Messages waiting (ready), whichever source answered. */
  readonly messages: number;
  /** Delivered, not yet acknowledged (RabbitMQ management API only). */
  readonly unacked: number | null;
  readonly consumers: number | null;
  /** Redis: waiting per kombu priority list, keyed by step (0, 3, 6, 9). */
  readonly priorities: Readonly<Record<string, number>> | null;
  /** False when the broker has no such queue; null when it cannot tell (Redis). */
  readonly exists: boolean | null;
  /** Workers consuming it (inspect active_queues). */
  readonly workers: readonly string[];
  /** Why Pollen knows it: a worker consumes it, the default queue, task-sent events. */
  readonly origins: readonly string[];
}

/** GET /api/v1/queues. */
export interface QueuesResponse {
  readonly source: 'broker' | 'management';
  /** Why the management API (--broker-api) did not answer this read. */
  readonly warning: string | null;
  /** Epoch ms of the sampler's last reading, null before the first. */
  readonly sampledAt: number | null;
  readonly queues: readonly QueueRow[];
}

export const QUEUE_HISTORY_RANGES = ['15m', '1h', '24h'] as const;
export type QueueHistoryRange = (typeof QUEUE_HISTORY_RANGES)[number];

/** GET /api/v1/queues/history: `messages` is the last reading of the slot, `max` its largest. */
export interface QueueHistoryResponse {
  readonly range: QueueHistoryRange;
  /** Slot length, ms. */
  readonly step: number;
  readonly from: number;
  readonly to: number;
  readonly queues: readonly { readonly name: string; readonly points: readonly { readonly t: number; readonly messages: number; readonly max: number }[] }[];
}
