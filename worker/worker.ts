/**
 * A Celery worker in TypeScript: consumes task messages from the broker, runs the app's tasks, stores
 * results, sends events and heartbeats, and answers remote control, so that Python clients, `celery
 * inspect` and monitors (Flower, Pollen) see it as one of their own.
 *
 *   delivery ─▶ decode ─▶ unknown / revoked / expired? ─▶ task-received ─▶ pool (ETA, rate limit, slots)
 *            ─▶ executor (ack, task-started, run, result, events, follow-ups)
 */
import pino, { type Logger } from 'pino';
import { createResultBackend, type ResultBackend } from '@/lib/backend';
import { backoffDelay, createTransport, type Delivery, parseBrokerUrl, type PidboxListener, type QueueConsumer, type Transport } from '@/lib/broker';
import { decodeTaskMessage, type TaskMessage, TaskState, taskReprs } from '@/lib/celery';
import { VERSION } from '@/lib/runtime/version';
import type { App } from './task/app';
import { exceptionInfo, exceptionRepr, NotRegistered, WorkerShutdown } from './task/task-errors';
import type { Producer } from './canvas/producer';
import { SentEvents } from './events/sent-events';
import { PidboxNode } from './control/pidbox-node';
import { EventDispatcher } from './events/event-dispatcher';
import { Heart } from './events/heart';
import { LamportClock } from './events/lamport-clock';
import { Executor } from './execution/executor';
import { Request } from './execution/request';
import { RevokedSet } from './execution/revoked-set';
import { TaskPool } from './execution/task-pool';
import { bareMeta } from './execution/task-meta';
import { defaultConcurrency, nodeName, type WorkerOptions } from './worker-options';

export class Worker {
  readonly hostname: string;
  readonly app: App;
  readonly transport: Transport;
  readonly backend: ResultBackend | null;
  readonly clock = new LamportClock();
  readonly revoked = new RevokedSet();
  readonly events: EventDispatcher;
  readonly heart: Heart;
  readonly pool: TaskPool;
  readonly executor: Executor;
  readonly log: Logger;
  readonly producer: Producer;
  readonly prefetchMultiplier: number;
  /** Unix ms. */
  readonly startedAt = Date.now();
  consumer: QueueConsumer | null = null;
  private readonly initialQueues: readonly string[];
  private pidbox: PidboxListener | null = null;
  private starting: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private readonly ownsTransport: boolean;
  private readonly ownsBackend: boolean;
  private readonly shutdownTimeoutMs: number | null;
  private markStopped: () => void = () => undefined;
  private readonly stoppedPromise = new Promise<void>((resolve) => {
    this.markStopped = resolve;
  });

  constructor(options: WorkerOptions) {
    this.app = options.app;
    this.hostname = nodeName(options.hostname ?? 'celery@%h');
    this.log = (options.logger ?? pino({ level: process.env['LOG_LEVEL'] ?? 'info' })).child({ worker: this.hostname });
    if (options.transport) this.transport = options.transport;
    else {
      const url = parseBrokerUrl(options.broker ?? 'memory://');
      if (!url.ok) throw new Error(`--broker: ${url.error}`);
      this.transport = createTransport(url.value);
    }
    this.ownsTransport = !options.transport;
    this.backend = options.backend !== undefined ? options.backend : options.resultBackend ? createResultBackend(options.resultBackend) : null;
    this.ownsBackend = options.backend === undefined && !!options.resultBackend;
    this.initialQueues = options.queues && options.queues.length > 0 ? options.queues : ['celery'];
    this.prefetchMultiplier = options.prefetchMultiplier ?? 4;
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? null;
    this.producer = {
      transport: this.transport,
      backend: this.backend,
      origin: this.hostname,
      defaultQueue: this.initialQueues[0] as string,
      // Named gen<pid>@host as a Python worker's child: a monitor must not take the announcement for the worker's.
      sentEvents: options.sendSentEvents ? new SentEvents(this.transport) : null,
    };
    this.events = new EventDispatcher(this.transport, this.hostname, this.clock, {
      taskEvents: options.taskEvents ?? true,
      onError: (err) => this.log.debug({ err: String(err) }, 'an event could not be sent'),
    });
    this.executor = new Executor({ hostname: this.hostname, producer: this.producer, events: this.events, resultExtended: options.resultExtended ?? true, log: this.log });
    this.pool = new TaskPool(this.executor, options.concurrency ?? defaultConcurrency(), () => this.applyPrefetch());
    this.heart = new Heart(this.events, { active: () => this.pool.active.size, processed: () => this.pool.processed }, options.heartbeatInterval ?? 2, VERSION);
  }

  /** Messages held at once: a slot's share, plus every ETA task waiting (as Celery raises its QoS for them). */
  prefetch(): number {
    return this.pool.concurrency * this.prefetchMultiplier + this.pool.scheduled.size;
  }

  applyPrefetch(): void {
    this.consumer?.setPrefetch(this.prefetch());
  }

  /** Connects, listens for control, consumes and says worker-online; waits for a broker that is down. */
  start(): Promise<void> {
    this.starting ??= this.open();
    return this.starting;
  }

  private async open(): Promise<void> {
    this.pidbox = await this.retrying('listen for remote control', () =>
      this.transport.listenPidbox(this.hostname, (message) => void this.control.handle(message)),
    );
    this.consumer = await this.retrying('consume the task queues', () =>
      this.transport.consume(this.initialQueues, {
        prefetch: this.prefetch(),
        deliver: (delivery) => void this.receive(delivery),
        malformed: (error) => this.log.warn({ error: error.message, path: error.path }, 'dropped a queue item that is not a kombu message'),
      }),
    );
    await this.heart.start();
    this.log.info({ queues: this.initialQueues, concurrency: this.pool.concurrency, broker: this.transport.broker.display, tasks: this.app.names() }, `${this.hostname} ready.`);
  }

  readonly control: PidboxNode = new PidboxNode(this);

  /** A broker that is down at start is waited for, with backoff, as Celery's broker_connection_retry_on_startup. */
  private async retrying<T>(what: string, step: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await step();
      } catch (err) {
        if (this.stopping) throw err;
        const delay = backoffDelay(attempt);
        this.log.warn({ broker: this.transport.broker.display, err: err instanceof Error ? err.message : String(err) }, `cannot ${what}; trying again in ${Math.round(delay / 100) / 10} s`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async receive(delivery: Delivery): Promise<void> {
    // Arrived while stopping: left unsettled, so the consumer's close gives it back to the queue (a reject
    // now would only have it delivered here again).
    if (this.stopping) return;
    const decoded = decodeTaskMessage(delivery.message);
    if (!decoded.ok) {
      this.log.error({ error: decoded.error.message, path: decoded.error.path }, 'received an invalid task message; rejected');
      await delivery.reject(false).catch(() => undefined);
      return;
    }
    const message = decoded.value;
    const task = this.app.get(message.name);
    if (!task) {
      await this.unknownTask(message, delivery);
      return;
    }
    const request = new Request(message, delivery, task, this.hostname);
    if (this.revoked.has(message.id) || request.isExpired()) {
      await this.executor.revoked(request, this.revoked.has(message.id) ? 'revoked' : 'expired');
      return;
    }
    const { argsrepr, kwargsrepr } = taskReprs(message);
    this.events.task('task-received', message.id, {
      name: message.name,
      args: argsrepr,
      kwargs: kwargsrepr,
      root_id: message.rootId,
      parent_id: message.parentId,
      retries: message.retries,
      eta: message.eta,
      expires: message.expires,
    });
    this.pool.accept(request);
  }

  /** Celery's answer to a task nobody registered: FAILURE NotRegistered, task-failed without traceback, rejected. */
  private async unknownTask(message: TaskMessage, delivery: Delivery): Promise<void> {
    this.log.error({ task: message.name, id: message.id }, `Received unregistered task of type '${message.name}'.`);
    const error = new NotRegistered(message.name);
    await this.backend
      ?.store(bareMeta(message.id, TaskState.Failure, { exception: exceptionInfo(error) }, { groupId: message.group, parentId: message.parentId }))
      .catch(() => undefined);
    this.events.task('task-failed', message.id, { exception: exceptionRepr(error) });
    await delivery.reject(false).catch(() => undefined);
  }

  /** Resolves when the worker has stopped (by `stop()` or a `shutdown` command). */
  stopped(): Promise<void> {
    return this.stoppedPromise;
  }

  /**
   * Warm shutdown: stop taking messages, give waiting ones back, let running tasks finish (up to the
   * shutdown timeout; then they are given back too), say worker-offline, close. `graceful: false` gives
   * running tasks back at once.
   */
  stop(options: { graceful?: boolean } = {}): Promise<void> {
    this.stopping ??= this.shutdown(options.graceful ?? true);
    return this.stopping;
  }

  private async shutdown(graceful: boolean): Promise<void> {
    this.log.info('shutting down');
    // A stop during start: let the start finish (or give up) first, so that nothing it opens is left open.
    await this.starting?.catch(() => undefined);
    // Stop taking new messages first, as Celery's warm shutdown does: otherwise a busy queue keeps the
    // pool from ever going idle. The consumer stays open for the acks of the tasks still running.
    const consumer = this.consumer;
    if (consumer) for (const queue of consumer.queues()) await consumer.cancelQueue(queue).catch(() => undefined);
    for (const request of this.pool.takeWaiting()) await request.reject(true).catch(() => undefined);
    if (graceful && this.pool.active.size > 0) {
      const limit = this.shutdownTimeoutMs;
      await (limit === null ? this.pool.idle() : Promise.race([this.pool.idle(), new Promise((r) => setTimeout(r, limit))]));
    }
    for (const request of this.pool.active.values()) {
      if (!request.settled) request.abort.abort(new WorkerShutdown());
      if (request.acksLate) await request.reject(true).catch(() => undefined);
    }
    await this.consumer?.close().catch(() => undefined);
    await this.pidbox?.close().catch(() => undefined);
    // Task events still buffered go out before worker-offline: a monitor takes any event from a worker as
    // a sign of life, so one arriving after worker-offline would show the stopped worker online again.
    await this.events.drain();
    await this.heart.stop().catch(() => undefined);
    await this.events.drain();
    if (this.ownsBackend) await this.backend?.close().catch(() => undefined);
    if (this.ownsTransport) await this.transport.close().catch(() => undefined);
    this.log.info('stopped');
    this.markStopped();
  }
}
