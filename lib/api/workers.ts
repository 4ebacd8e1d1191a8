/**
 * JSON shape of Flower's GET /api/workers, per worker: the fields Pollen derives from worker events
 * (server/api/flower-read.ts) joined with the worker's last `inspect` replies. Python Celery and
 * Pollen's TS worker answer inspect in slightly different shapes, so every reply field is optional and
 * the readers below never assume more than Celery 5 guarantees.
 */

/** One request as `inspect active` / `reserved` describe it (celery.worker.request.Request.info). */
export interface InspectedRequest {
  readonly id: string;
  readonly name?: string;
  /** A list with Celery 5 (safe=False), a repr string from older workers. */
  readonly args?: unknown;
  readonly kwargs?: unknown;
  readonly type?: string;
  readonly hostname?: string;
  /** Unix seconds when it started (active only); null while reserved. */
  readonly time_start?: number | null;
  readonly acknowledged?: boolean;
  readonly delivery_info?: { readonly exchange?: string; readonly routing_key?: string; readonly priority?: number | null; readonly redelivered?: boolean | null };
  readonly worker_pid?: number | null;
  readonly [field: string]: unknown;
}

/** One entry of `inspect scheduled`: a task held back by its ETA or countdown. */
export interface ScheduledRequest {
  /** ISO 8601 with offset, as Celery writes it. */
  readonly eta: string | null;
  readonly priority?: number | null;
  readonly request: InspectedRequest;
}

/** One entry of `inspect active_queues` (kombu's Queue.as_dict). */
export interface ActiveQueue {
  readonly name: string;
  readonly exchange?: { readonly name?: string; readonly type?: string } | null;
  readonly routing_key?: string | null;
  readonly durable?: boolean;
  readonly exclusive?: boolean;
  readonly auto_delete?: boolean;
  readonly no_ack?: boolean;
  readonly [field: string]: unknown;
}

/** `stats.pool`: prefork lists its processes; solo, threads and Pollen's async pool do not. */
export interface PoolStats {
  readonly implementation?: string;
  readonly 'max-concurrency'?: number;
  readonly processes?: readonly number[];
  readonly 'max-tasks-per-child'?: number | string;
  readonly 'put-guarded-by-semaphore'?: boolean;
  readonly timeouts?: readonly number[];
  readonly [field: string]: unknown;
}

export interface BrokerStats {
  readonly hostname?: string | null;
  readonly port?: number | null;
  readonly transport?: string | null;
  readonly virtual_host?: string | null;
  readonly userid?: string | null;
  readonly ssl?: unknown;
  readonly heartbeat?: number | null;
  readonly [field: string]: unknown;
}

/** `inspect stats` (WorkController.stats plus the consumer's). */
export interface WorkerStats {
  /** Tasks executed, by task name. */
  readonly total?: Readonly<Record<string, number>>;
  readonly pid?: number;
  readonly clock?: string;
  /** Seconds since the worker started. */
  readonly uptime?: number;
  readonly pool?: PoolStats | 'N/A';
  readonly broker?: BrokerStats;
  readonly prefetch_count?: number;
  /** getrusage(2) of the main process; maxrss in KiB on Linux. */
  readonly rusage?: Readonly<Record<string, number>>;
  /** Pollen's TS worker only: Node's memory in bytes. */
  readonly memory?: { readonly rss?: number; readonly heap_used?: number; readonly heap_total?: number };
  readonly [field: string]: unknown;
}

/** How a worker's liveness is shown: alive (`online`, or `unknown` while it cannot be heard) or `offline`. */
export type WorkerStatus = 'online' | 'offline' | 'unknown';

/**
 * A worker as its events describe it (server/api/worker-json.ts): every pushed worker (the `worker` and
 * `workers` topics), and the part of GET /api/workers's record that does not come from inspect.
 */
export interface WorkerEventJson {
  readonly hostname: string;
  readonly alive: boolean;
  /** `unknown` while Pollen cannot hear the broker, or has not heard the worker since it could again. */
  readonly status: WorkerStatus;
  /** The sender timestamp of its last event, Unix seconds. */
  readonly timestamp: number;
  readonly pid: number | null;
  /** Heartbeat interval in seconds. */
  readonly freq: number;
  /** Tasks running, as its last heartbeat counted them. */
  readonly active: number | null;
  readonly processed: number | null;
  readonly loadavg: readonly number[] | null;
  readonly sw_ident: string | null;
  readonly sw_ver: string | null;
  readonly sw_sys: string | null;
  /** Pollen's receive times of the last heartbeats, Unix seconds, oldest first; empty once offline. */
  readonly heartbeats: readonly number[];
  /** Seconds the worker's clock is ahead of the server's. */
  readonly clock_skew: number;
  /** Its last event was stamped implausibly far from when Pollen received it (hours ahead, days behind). */
  readonly clock_suspect: boolean;
  readonly offline_since: number | null;
  /**
   * Task events of each kind the worker sent since Pollen started (Flower's worker counters, under the names
   * Flower's worker rows give them): every one heard, not only those of tasks still in memory.
   */
  readonly 'task-succeeded': number;
  readonly 'task-failed': number;
  readonly 'task-retried': number;
}

/**
 * The event-derived part of GET /api/workers's record: WorkerEventJson, or only `hostname` and `alive`
 * for a worker only inspect knows. (`active` is WorkerJson's: inspect's list replaces the count.)
 */
export type WorkerEventFields = Pick<WorkerEventJson, 'hostname' | 'alive'> & Partial<Omit<WorkerEventJson, 'hostname' | 'alive' | 'active'>>;

/** The inspect methods Pollen caches, as `inspected_at` names them. */
export const INSPECT_REPLIES = ['stats', 'active_queues', 'registered', 'scheduled', 'active', 'reserved', 'revoked', 'conf'] as const;
export type InspectReplyName = (typeof INSPECT_REPLIES)[number];

export interface WorkerJson extends WorkerEventFields {
  /**
   * The heartbeat's count of running tasks, replaced by the list of them once `inspect active` has
   * answered (Flower merges both into one key): read it with activeCount / activeRequests.
   */
  readonly active?: number | null | readonly InspectedRequest[];
  readonly stats?: WorkerStats;
  readonly active_queues?: readonly ActiveQueue[];
  /** 'tasks.add' or 'tasks.add [rate_limit=10/m time_limit=30]'. */
  readonly registered?: readonly string[];
  readonly scheduled?: readonly ScheduledRequest[];
  readonly reserved?: readonly InspectedRequest[];
  readonly revoked?: readonly string[];
  readonly conf?: Readonly<Record<string, unknown>>;
  /** When each reply arrived, Unix seconds. */
  readonly inspected_at: Partial<Readonly<Record<InspectReplyName, number>>>;
}

/** GET /api/workers: worker hostname → its record. */
export type WorkersResponse = Readonly<Record<string, WorkerJson>>;

/** The inspected list of running tasks, or null when only the heartbeat's count is known. */
export function activeRequests(worker: Pick<WorkerJson, 'active'> | undefined): readonly InspectedRequest[] | null {
  return Array.isArray(worker?.active) ? worker.active : null;
}

/** The count of running tasks from either form of `active`. */
export function activeCount(worker: Pick<WorkerJson, 'active'> | undefined): number | null {
  const active = worker?.active;
  if (Array.isArray(active)) return active.length;
  return typeof active === 'number' ? active : null;
}

export function poolStats(stats: WorkerStats | undefined): PoolStats | null {
  return stats?.pool !== undefined && typeof stats.pool === 'object' ? stats.pool : null;
}

/**
 * Celery's pools by their short name ('celery.concurrency.prefork:TaskPool' → 'prefork'); others as sent.
 * Celery before 5.3 does not name the implementation; only prefork lists its processes and semaphore.
 */
export function poolName(pool: PoolStats | null): string | null {
  const implementation = pool?.implementation;
  if (typeof implementation !== 'string' || implementation === '') {
    return Array.isArray(pool?.processes) && pool !== null && 'put-guarded-by-semaphore' in pool ? 'prefork' : null;
  }
  const [module] = implementation.split(':');
  const celeryPool = /^celery\.concurrency\.(\w+)$/.exec(module ?? '');
  return celeryPool ? (celeryPool[1] as string) : implementation;
}

/**
 * Processes in a prefork pool right now (grow and shrink change it, not max-concurrency); other pools
 * list the worker's own pid at most, so their size is their concurrency.
 */
export function poolProcesses(pool: PoolStats | null): number | null {
  return poolName(pool) === 'prefork' && Array.isArray(pool?.processes) ? pool.processes.length : null;
}

export function poolSize(pool: PoolStats | null): number | null {
  return poolProcesses(pool) ?? (typeof pool?.['max-concurrency'] === 'number' ? pool['max-concurrency'] : null);
}

/** A registered task with the attributes the worker listed for it. */
export interface RegisteredTask {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** Parses 'tasks.add [rate_limit=10/m time_limit=30]' (Celery's `registered` with taskinfoitems). */
export function parseRegistered(entry: string): RegisteredTask {
  const match = /^(\S+)\s*\[(.*)\]\s*$/.exec(entry.trim());
  if (!match) return { name: entry.trim(), attributes: {} };
  const attributes: Record<string, string> = {};
  for (const pair of (match[2] as string).split(/\s+/)) {
    const eq = pair.indexOf('=');
    if (eq > 0) attributes[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { name: match[1] as string, attributes };
}
