/**
 * The producer API: send tasks and canvases to a Celery cluster (Python or Pollen workers) as Celery's
 * `app.send_task` / `Signature.apply_async` would, follow their results, and control the workers.
 *
 *   const client = createClient({ broker: 'redis://localhost:6379/0', resultBackend: 'redis://localhost:6379/1' });
 *   const sum = await (await client.sendTask('tasks.add', [2, 3])).get({ timeout: 10_000 });   // 5
 */
import { hostname } from 'node:os';
import { createResultBackend, type ResultBackend } from '@/lib/backend';
import { createTransport, parseBrokerUrl, type Transport } from '@/lib/broker';
import { type JsonObject, type JsonValue, names, type Signature } from '@/lib/celery';
import { PidboxClient } from '@/lib/control';
import { applySignature } from '../canvas/apply-signature';
import { SentEvents } from '../events/sent-events';
import type { Producer } from '../canvas/producer';
import { AsyncResult, GroupResult, type ResultContext } from './async-result';
import { type GroupSignature, signature } from './canvas-builders';
import { freeze, type ResultShape } from './freeze';
import type { SendOptions } from './send-options';

export interface ClientOptions {
  /** `redis://`, `rediss://`, `amqp://`, `amqps://` or `memory://`. */
  readonly broker: string;
  /** `redis://...` or `memory://`; null/absent: no results (get() refuses, chords cannot be sent). */
  readonly resultBackend?: string | null;
  /** Where tasks go without a `queue` option; default `celery`. */
  readonly defaultQueue?: string;
  /** The sender's node name in every message (`origin`); default `gen<pid>@<host>` as Celery's. */
  readonly origin?: string;
  /**
   * Announce each task with a task-sent event (Celery's `task_send_sent_event`), so that monitors show
   * tasks still waiting in their queue as PENDING; default false, as Celery's.
   */
  readonly sendSentEvents?: boolean;
}

/** A client over a transport and backend that already exist (tests, a server sharing its connections). */
export interface ClientParts {
  readonly transport: Transport;
  readonly backend: ResultBackend | null;
  readonly defaultQueue?: string;
  readonly origin?: string;
  readonly sendSentEvents?: boolean;
  /** Close the transport and backend with the client (default: false, they belong to the caller). */
  readonly ownsConnections?: boolean;
}

export function createClient(options: ClientOptions): Client {
  const broker = parseBrokerUrl(options.broker);
  if (!broker.ok) throw new Error(broker.error);
  const backend = options.resultBackend ? createResultBackend(options.resultBackend) : null;
  return new Client({
    transport: createTransport(broker.value),
    backend,
    ...(options.defaultQueue !== undefined && { defaultQueue: options.defaultQueue }),
    ...(options.origin !== undefined && { origin: options.origin }),
    ...(options.sendSentEvents !== undefined && { sendSentEvents: options.sendSentEvents }),
    ownsConnections: true,
  });
}

export class Client {
  readonly transport: Transport;
  readonly backend: ResultBackend | null;
  /** Remote control: `client.control.ping()`, `.inspect('active')`, `.broadcast('rate_limit', {...})`. */
  readonly control: PidboxClient;
  readonly producer: Producer;
  private readonly results: ResultContext;
  private readonly ownsConnections: boolean;
  private closed = false;

  constructor(parts: ClientParts) {
    this.transport = parts.transport;
    this.backend = parts.backend;
    this.ownsConnections = parts.ownsConnections ?? false;
    this.control = new PidboxClient(parts.transport);
    const origin = parts.origin ?? `gen${process.pid}@${hostname()}`;
    this.producer = {
      transport: parts.transport,
      backend: parts.backend,
      origin,
      defaultQueue: parts.defaultQueue ?? names.DEFAULT_QUEUE,
      sentEvents: parts.sendSentEvents ? new SentEvents(parts.transport, origin) : null,
    };
    this.results = { backend: parts.backend, control: this.control };
  }

  /** Celery's `app.send_task(name, args, kwargs, **options)`. */
  sendTask(name: string, args: readonly JsonValue[] = [], kwargs: JsonObject = {}, options: SendOptions = {}): Promise<AsyncResult> {
    return this.apply(signature(name, args, kwargs, options));
  }

  /**
   * Sends a signature or canvas (`Signature.apply_async()`): a task or a chain gives the AsyncResult of
   * its (last) task, a chord the body's, a group a GroupResult. A chain or chord that ends in a group has
   * a group's result: send it with `applyGroup`.
   */
  apply(sig: GroupSignature): Promise<GroupResult>;
  apply(sig: Signature): Promise<AsyncResult>;
  async apply(sig: Signature): Promise<AsyncResult | GroupResult> {
    const frozen = freeze(sig);
    if (frozen.result.kind === 'group' && sig.task !== 'celery.group') {
      throw new TypeError(`this ${sig.task} ends in a group, whose result is a GroupResult: send it with client.applyGroup()`);
    }
    return this.send(frozen.sig, frozen.result);
  }

  /** Sends a canvas whose result is a group's: a group, or a chain or chord ending in one. */
  async applyGroup(sig: Signature): Promise<GroupResult> {
    const frozen = freeze(sig);
    if (frozen.result.kind !== 'group') throw new TypeError(`the result of this ${sig.task} is one task's, not a group's: send it with client.apply()`);
    return (await this.send(frozen.sig, frozen.result)) as GroupResult;
  }

  /** A handle on a task sent earlier, by id (Celery's `app.AsyncResult(id)`). */
  asyncResult(id: string): AsyncResult {
    return new AsyncResult(id, this.results);
  }

  /** A handle on a group from its ids (Celery's `GroupResult(id, [AsyncResult(i) ...])`). */
  groupResult(id: string, taskIds: readonly string[]): GroupResult {
    return new GroupResult(id, taskIds.map((t) => this.asyncResult(t)), this.results);
  }

  /** A group saved with `GroupResult.save()` (by Python or by us), or null (Celery's `GroupResult.restore`). */
  async restoreGroup(id: string): Promise<GroupResult | null> {
    if (!this.backend) throw new Error('results are disabled: the client has no result backend (resultBackend option)');
    const meta = await this.backend.getGroup(id);
    return meta ? this.groupResult(meta.groupId, meta.taskIds) : null;
  }

  /** Stops the control client; closes the transport and backend if the client opened them. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.control.close();
    if (this.ownsConnections) {
      await this.transport.close();
      await this.backend?.close();
    }
  }

  private async send(sig: Signature, shape: ResultShape): Promise<AsyncResult | GroupResult> {
    if (this.closed) throw new Error('the client is closed');
    await applySignature(this.producer, sig);
    return this.resultOf(shape);
  }

  private resultOf(shape: ResultShape): AsyncResult | GroupResult {
    if (shape.kind === 'task') return new AsyncResult(shape.id, this.results);
    return new GroupResult(shape.id, shape.members.map((m) => this.resultOf(m)), this.results);
  }
}
