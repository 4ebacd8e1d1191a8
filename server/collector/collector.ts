/**
 * The collector: the broker's event stream, decoded, applied to the cluster model.
 *
 *   transport ──message──▶ decodeEventMessage ──events──▶ ClusterState.apply ──changes──▶ listeners
 *   retry's task-sent ──applyOwn──────────────────────────────────┘
 *             ──malformed / gap──▶ IngestHealth
 *
 * Like Flower it broadcasts `enable_events` every few seconds (unless told not to), so that workers
 * started without -E report too, and it sweeps the model once a second to expire silent workers.
 */
import type { StreamGap, Transport } from '@/lib/broker';
import { type CeleryEvent, type CeleryMessage, decodeEventMessage, encodeControlRequest, names, type TaskEvent, type TaskSentEvent } from '@/lib/celery';
import type { Logger } from '@/lib/runtime/logger';
import type { Change, ClusterState } from '../state/cluster-state';
import type { Settlement } from '../state/task-record';
import { IngestHealth } from './ingest-health';
import { LinkLog } from './link-log';

export interface CollectorOptions {
  /** Broadcast enable_events periodically (Flower does, every 5 s). */
  readonly enableEvents: boolean;
  readonly enableEventsIntervalMs?: number;
  readonly sweepIntervalMs?: number;
}

export type ChangeListener = (change: Change, event: CeleryEvent) => void;

/** How long the broker's copy of an event this server applied itself is waited for, to be skipped. */
const OWN_COPY_WAIT_MS = 60_000;

export class Collector {
  readonly health = new IngestHealth();
  private readonly listeners = new Set<ChangeListener>();
  private readonly gapListeners = new Set<(gap: StreamGap) => void>();
  private readonly settledListeners = new Set<(change: Change) => void>();
  private readonly timers: NodeJS.Timeout[] = [];
  /** Task ids whose task-sent this server applied before publishing it (applyOwn), with when (epoch ms). */
  private readonly ownSent = new Map<string, number>();
  private ownSentPruneAt = 1024;

  constructor(
    readonly transport: Transport,
    readonly state: ClusterState,
    private readonly options: CollectorOptions,
    private readonly log: Logger,
  ) {}

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

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
      heard: (until) => this.state.hearing.heard(until / 1000),
      interrupted: (since, reason) => {
        // From here on silence says nothing about the workers: none is taken offline for it.
        const revived = this.state.streamInterrupted(since / 1000);
        this.health.interrupted(since, reason);
        linkLog.cut(since, reason, revived.map((w) => w.hostname));
      },
      gap: (gap) => {
        this.state.streamResumed(gap.to / 1000);
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
      for (const worker of this.state.sweep(Date.now() / 1000)) this.log.info({ worker: worker.hostname }, 'worker went offline (no heartbeat)');
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
      this.notify(this.state.apply(event, localReceived), event);
    }
  }

  /**
   * A task-sent event this server made itself (a retry), applied and told to the listeners (metrics,
   * Prometheus, push) as a broker's event is, before it is published: the model holds the task at once,
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
    this.notify(this.state.apply(event, localReceived), event);
  }

  /**
   * Listeners of task states learnt without their event (GapSettlement), such as push. Metrics do not
   * listen: they count events received, and the event a settlement stands for may still arrive late (a
   * worker's buffer flushed after the settlement), which would count it twice.
   */
  onSettled(listener: (change: Change) => void): () => void {
    this.settledListeners.add(listener);
    return () => this.settledListeners.delete(listener);
  }

  applySettled(event: TaskEvent, settlement: Settlement): void {
    const change = this.state.settle(event, settlement);
    for (const listener of this.settledListeners) {
      try {
        listener(change);
      } catch (err) {
        this.log.error({ err }, 'settlement listener failed');
      }
    }
  }

  private notify(change: Change, event: CeleryEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(change, event);
      } catch (err) {
        this.log.error({ err }, 'change listener failed');
      }
    }
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
