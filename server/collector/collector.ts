/**
 * The collector: the broker's event stream, decoded, applied to the cluster model.
 *
 *   transport ──message──▶ decodeEventMessage ──events──▶ TaskStore.apply ──changes──▶ the store's listeners
 *   retry's task-sent ──applyOwn──────────────────────────────┘
 *             ──malformed / gap──▶ IngestHealth
 *
 * Like Flower it broadcasts `enable_events` every few seconds (unless told not to), so that workers
 * started without -E report too, and it sweeps the model once a second to expire silent workers.
 */
import type { StreamGap, Transport } from '@/lib/broker';
import { type CeleryMessage, decodeEventMessage, encodeControlRequest, names, type TaskEvent, type TaskSentEvent } from '@/lib/celery';
import type { Logger } from '@/lib/runtime/logger';
import type { TaskStore } from '../store/task-store';
import { IngestHealth } from './ingest-health';
import { LinkLog } from './link-log';

export interface CollectorOptions {
  /** Broadcast enable_events periodically (Flower does, every 5 s). */
  readonly enableEvents: boolean;
  readonly enableEventsIntervalMs?: number;
  readonly sweepIntervalMs?: number;
}

/** How long the broker's copy of an event this server applied itself is waited for, to be skipped. */
const OWN_COPY_WAIT_MS = 60_000;

export class Collector {
  readonly health = new IngestHealth();
  private readonly gapListeners = new Set<(gap: StreamGap) => void>();
  private readonly timers: NodeJS.Timeout[] = [];
  /** Task ids whose task-sent this server applied before publishing it (applyOwn), with when (epoch ms). */
  private readonly ownSent = new Map<string, number>();
  private ownSentPruneAt = 1024;

  constructor(
    readonly transport: Transport,
    /** The model the events are applied to; listen to it (onChange), not to the collector. */
    readonly store: TaskStore,
    private readonly options: CollectorOptions,
    private readonly log: Logger,
  ) {}

  /** Called when the event stream is back after a gap (GapSettlement listens). */
  onGap(listener: (gap: StreamGap) => void): () => void {
    this.gapListeners.add(listener);
    return () => this.gapListeners.delete(listener);
  }

  async start(): Promise<void> {
    const linkLog = new LinkLog(this.log, this.transport.broker.display);
    this.transport.onStateChange((link) => linkLog.change(link));
    await this.transport.subscribeEvents({
      message: (message, receivedAt) => this.ingest(message, receivedAt),
      malformed: (error, raw) => {
        this.health.malformed(error, raw, Date.now());
        this.log.debug({ error }, 'malformed event message');
      },
      heard: (until) => this.store.heard(until / 1000),
      interrupted: (since, reason) => {
        // From here on silence says nothing about the workers: none is taken offline for it.
        const revived = this.store.streamInterrupted(since / 1000);
        this.health.interrupted(since, reason);
        linkLog.cut(since, reason, revived.map((w) => w.hostname));
      },
      gap: (gap) => {
        this.store.streamResumed(gap.to / 1000);
        this.health.gap(gap);
        linkLog.back(gap);
        for (const listener of this.gapListeners) {
          try {
            listener(gap);
          } catch (err) {
            this.log.error({ err }, 'gap listener failed');
          }
        }
      },
    });
    this.every(this.options.sweepIntervalMs ?? 1000, () => {
      for (const worker of this.store.sweep(Date.now() / 1000)) this.log.info({ worker: worker.hostname }, 'worker went offline (no heartbeat)');
    });
    this.every(5000, () => {
      void this.transport.eventBacklog().then((backlog) => (this.health.backlog = backlog));
    });
    if (this.options.enableEvents) {
      this.broadcastEnableEvents();
      this.every(this.options.enableEventsIntervalMs ?? 5000, () => this.broadcastEnableEvents());
    }
  }

  private every(ms: number, run: () => void): void {
    const timer = setInterval(() => {
      try {
        run();
      } catch (err) {
        this.log.error({ err }, 'collector timer failed');
      }
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  /** One event message: may hold one event or a task.multi batch. Never throws. */
  ingest(message: CeleryMessage, receivedAt: number): void {
    const { events, errors } = decodeEventMessage(message);
    this.health.countMessage(events.length, receivedAt);
    for (const error of errors) this.health.malformed(error, new TextDecoder().decode(message.body.subarray(0, 500)), receivedAt);
    const localReceived = receivedAt / 1000;
    for (const event of events) {
      if (!event.known) this.health.countCustom(event.type);
      // Our own announcement coming back: applied and counted already (applyOwn).
      if (this.ownSent.size !== 0 && event.type === 'task-sent' && this.ownSent.delete((event as TaskEvent).uuid)) continue;
      this.store.apply(event, localReceived);
    }
  }

  /**
   * A task-sent event this server made itself (a retry), applied through the store, whose listeners
   * (metrics, Prometheus, push) see it as a broker's event, before it is published: the model holds the task at once,
   * and the broker's copy, when it comes back, is skipped so that nothing counts it twice. Other monitors
   * on the broker apply that copy as any producer's event.
   */
  applyOwn(event: TaskSentEvent, localReceived: number): void {
    const now = Date.now();
    if (this.ownSent.size >= this.ownSentPruneAt) {
      // Copies lost on the way (a failed publish) are not waited for for ever.
      for (const [id, at] of this.ownSent) if (now - at > OWN_COPY_WAIT_MS) this.ownSent.delete(id);
      this.ownSentPruneAt = Math.max(1024, this.ownSent.size * 2);
    }
    this.ownSent.set(event.uuid, now);
    this.store.apply(event, localReceived);
  }

  private broadcastEnableEvents(): void {
    const request = encodeControlRequest({
      method: 'enable_events', arguments: {}, destination: null, pattern: null, matcher: null,
      ticket: null, replyTo: null, clock: 0, expires: Date.now() / 1000 + 5, extra: null,
    });
    this.transport.publishFanout(names.PIDBOX_EXCHANGE, '', request).catch((err: unknown) => {
      this.log.debug({ err }, 'enable_events broadcast failed (broker away?)');
    });
  }

  async stop(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    await this.transport.close();
  }
}
