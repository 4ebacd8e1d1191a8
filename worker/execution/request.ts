/** One task message in the worker's hands, from receipt to its end: Celery's `Request`. */
import type { Delivery } from '@/lib/broker';
import { type JsonObject, saferepr, type TaskMessage } from '@/lib/celery';
import type { RegisteredTask } from '../task/app';

export const RequestStage = {
  /** Received, waiting for its ETA. */
  Scheduled: 'scheduled',
  /** Waiting for a pool slot or a rate-limit token (Celery's "reserved"). */
  Reserved: 'reserved',
  Active: 'active',
  Done: 'done',
} as const;
export type RequestStage = (typeof RequestStage)[keyof typeof RequestStage];

export class Request {
  stage: RequestStage = RequestStage.Reserved;
  /** Unix seconds when the run began. */
  timeStart: number | null = null;
  acknowledged = false;
  readonly abort = new AbortController();
  /** Set when the run's outcome is decided, so that a late one (an abandoned run) is ignored. */
  settled = false;

  constructor(
    readonly message: TaskMessage,
    readonly delivery: Delivery,
    readonly task: RegisteredTask,
    readonly hostname: string,
  ) {}

  get id(): string {
    return this.message.id;
  }

  get name(): string {
    return this.message.name;
  }

  get acksLate(): boolean {
    return this.task.options.acksLate;
  }

  /** ETA as Unix ms, or null when none (or not a date). */
  etaMs(): number | null {
    return parseDate(this.message.eta);
  }

  expiresMs(): number | null {
    return parseDate(this.message.expires);
  }

  isExpired(now = Date.now()): boolean {
    const expires = this.expiresMs();
    return expires !== null && expires <= now;
  }

  async ack(): Promise<void> {
    if (this.acknowledged) return;
    this.acknowledged = true;
    await this.delivery.ack();
  }

  async reject(requeue: boolean): Promise<void> {
    if (this.acknowledged) return;
    this.acknowledged = true;
    await this.delivery.reject(requeue);
  }

  /** `Request.info()` as inspect active/reserved/scheduled/query_task answer it. */
  info(safe = false): JsonObject {
    const m = this.message;
    const info = this.delivery.message.delivery;
    return {
      id: m.id,
      name: m.name,
      args: safe ? (m.argsrepr ?? saferepr(m.args, { tuple: true })) : m.args,
      kwargs: safe ? (m.kwargsrepr ?? saferepr(m.kwargs)) : m.kwargs,
      type: m.name,
      hostname: this.hostname,
      time_start: this.timeStart,
      acknowledged: this.acknowledged,
      delivery_info: {
        exchange: info?.exchange ?? '',
        routing_key: info?.routingKey ?? this.delivery.queue,
        priority: m.properties.priority ?? 0,
        redelivered: info?.redelivered ?? false,
      },
      worker_pid: this.stage === RequestStage.Active ? process.pid : null,
    };
  }
}

/** ISO-8601 as Celery sends it; a naive one is read as UTC (Pollen's workers run in UTC, as Celery's default). */
export function parseDate(text: string | null): number | null {
  if (!text) return null;
  const naive = !/(Z|[+-]\d\d:?\d\d)$/.test(text);
  const ms = Date.parse(naive ? `${text}Z` : text);
  return Number.isNaN(ms) ? null : ms;
}
