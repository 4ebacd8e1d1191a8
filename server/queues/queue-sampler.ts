/**
 * Reads the known queues' lengths every 5 s while the server runs and keeps them in a QueueHistory, for
 * the dashboard's queue charts (GET /api/v1/queues/history).
 *
 * Modes: stopped ──start()──▶ running ──stop()──▶ stopped. While running, a tick reads and records; a
 * tick that comes while the previous read is still out (a slow broker) is skipped, so reads never pile
 * up; a failed read records nothing (a gap in the charts) and is logged at debug level, since the
 * broker link's own state already says the broker is down.
 */
import type { Transport } from '@/lib/broker';
import type { Logger } from '@/lib/runtime/logger';
import type { InspectCache } from '../control/inspect-cache';
import { type KnownQueue, knownQueues, QueueOrigin } from './known-queues';
import { QueueHistory, SAMPLE_MS } from './queue-history';
import { QueueReader } from './queue-reader';

export interface QueueSamplerOptions {
  readonly intervalMs?: number;
  readonly now?: () => number;
  readonly history?: QueueHistory;
  readonly log?: Logger | null;
}

/** What the server hands over: the broker connection, --broker-api, and where queue names come from. */
export interface ServerQueueSources {
  readonly transport: Transport;
  readonly brokerApi: string | null;
  readonly inspect: InspectCache | null;
  /** Queues named in task events: `metrics.keys('queue')`. */
  readonly seenInEvents: () => readonly string[];
  readonly log: Logger;
}

export class QueueSampler {
  readonly history: QueueHistory;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly log: Logger | null;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  /** When the last read succeeded, epoch ms; null before. */
  lastSampleAt: number | null = null;

  constructor(
    readonly reader: QueueReader,
    /** The known queues, most important first (the history keeps a capped number). */
    readonly known: () => readonly KnownQueue[],
    options: QueueSamplerOptions = {},
  ) {
    this.history = options.history ?? new QueueHistory();
    this.intervalMs = options.intervalMs ?? SAMPLE_MS;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? null;
  }

  /** The sampler of a running server: the workers' queues, the default queue and those seen in events. */
  static forServer(sources: ServerQueueSources): QueueSampler {
    const log = sources.log;
    const reader = new QueueReader(sources.transport, { brokerApi: sources.brokerApi, log });
    return new QueueSampler(reader, () => knownQueues(sources.inspect, sources.seenInEvents()), { log });
  }

  get running(): boolean {
    return this.timer !== null;
  }

  /** Samples now, then every interval. Idempotent. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    // The sampler alone must not keep a process alive (tests, a CLI that forgot to stop it).
    this.timer.unref();
    void this.sample();
  }

  /**
   * Stops sampling. A read still out is not waited for: it ends or fails by itself (failures are caught),
   * and a server shutting down should not wait on a slow broker.
   */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One reading of every known queue (joined when one is already out); never throws. */
  sample(): Promise<void> {
    this.inFlight ??= this.read().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async read(): Promise<void> {
    const at = this.now();
    this.history.prune(at);
    const names = this.pick(this.known());
    if (names.length === 0) return;
    try {
      const readout = await this.reader.read(names, 'counts');
      for (const queue of readout.queues) this.history.record(queue.name, at, queue.messages);
      this.lastSampleAt = at;
    } catch (err) {
      this.log?.debug({ err: err instanceof Error ? err.message : String(err) }, 'queue lengths not sampled');
    }
  }

  /**
   * The queues the history already follows, then new ones while there is room: those workers consume
   * and the default queue before those only seen in events.
   */
  private pick(known: readonly KnownQueue[]): string[] {
    const tracked: string[] = [];
    const important: string[] = [];
    const rest: string[] = [];
    for (const queue of known) {
      if (this.history.has(queue.name)) tracked.push(queue.name);
      else if (queue.origins.some((origin) => origin !== QueueOrigin.Events)) important.push(queue.name);
      else rest.push(queue.name);
    }
    const room = Math.max(0, this.history.maxQueues - this.history.size);
    return [...tracked, ...[...important, ...rest].slice(0, room)];
  }
}
