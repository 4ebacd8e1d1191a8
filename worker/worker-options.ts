/** How a worker is started: the options of `pollen worker` and of `new Worker()`. */
import os from 'node:os';
import type { Logger } from 'pino';
import type { ResultBackend } from '@/lib/backend';
import type { Transport } from '@/lib/broker';
import type { App } from './task/app';

export interface WorkerOptions {
  readonly app: App;
  /** Broker URL (redis://, amqp://, memory://), unless a transport is given. */
  readonly broker?: string;
  readonly transport?: Transport;
  /** Result backend URL (redis://, memory://); null or absent = results are not stored. */
  readonly resultBackend?: string | null;
  readonly backend?: ResultBackend | null;
  /** Queues to consume; default `celery`. */
  readonly queues?: readonly string[];
  /** Tasks run at once (async functions in this process); default: the number of CPUs, as Celery's. */
  readonly concurrency?: number;
  /** Messages held per slot (Celery's worker_prefetch_multiplier, 4). */
  readonly prefetchMultiplier?: number;
  /** Node name; `%h` is the host name, `%n` its first label, `%d` its domain (as `celery -n`). Default `celery@%h`. */
  readonly hostname?: string;
  /** Seconds between heartbeats (Celery's default 2). */
  readonly heartbeatInterval?: number;
  /** Send task events (task-received, ...). Worker events are always sent. Default true. */
  readonly taskEvents?: boolean;
  /**
   * Announce the tasks this worker sends (retries, chain steps, callbacks, chord bodies) with task-sent
   * events, as a Python worker does with `task_send_sent_event`; default false.
   */
  readonly sendSentEvents?: boolean;
  /** Store name, args, kwargs, worker, retries and queue with results (Celery's result_extended). Default true. */
  readonly resultExtended?: boolean;
  /** How long a warm shutdown waits for running tasks before it gives them back (ms); default: as long as they take. */
  readonly shutdownTimeoutMs?: number | null;
  readonly logger?: Logger;
}

export function nodeName(template: string, host = os.hostname()): string {
  const dot = host.indexOf('.');
  const name = template.includes('@') ? template : `${template}@%h`;
  return name
    .replaceAll('%h', host)
    .replaceAll('%n', dot === -1 ? host : host.slice(0, dot))
    .replaceAll('%d', dot === -1 ? '' : host.slice(dot + 1));
}

export function defaultConcurrency(): number {
  return os.availableParallelism();
}
