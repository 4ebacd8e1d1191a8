/**
 * Queue lengths now. Two sources (CELERY-WIRE.md §8):
 *   broker       Redis: LLEN of kombu's four priority lists; AMQP: a passive declare per queue, on a
 *                channel of its own, so that a missing queue (NOT_FOUND) closes nothing else;
 *   management   RabbitMQ with `--broker-api`: one call to the management API for all queues (Flower's way).
 * The management API is asked first when given; when it fails, the broker answers instead and the read
 * says why. The first failure is logged as a warning and the recovery at info, not every read.
 */
import { BrokerKind, linkDown, type QueueStats, type Transport } from '@/lib/broker';
import { withDeadline } from '@/lib/runtime/deadline';
import type { Logger } from '@/lib/runtime/logger';
import { type ManagementQueue, ManagementApi } from './management-api';

/** How long one broker read may take: Redis waits for a reconnection without end, an API page should not. */
export const BROKER_READ_TIMEOUT_MS = 3_000;
/** Passive declares in flight at once: each opens a channel, and RabbitMQ caps channels per connection. */
const CONCURRENT_READS = 16;
/** What the sampler needs from the management API; the rest of each object stays on the broker. */
const COUNT_COLUMNS = ['messages', 'messages_ready', 'messages_unacknowledged', 'consumers'] as const;

export const QueueSource = { Broker: 'broker', Management: 'management' } as const;
export type QueueSource = (typeof QueueSource)[keyof typeof QueueSource];

export interface QueueReading {
  readonly name: string;
  /** Messages waiting to be delivered (ready), whichever source answered. */
  readonly messages: number;
  /** Delivered and not yet acknowledged (management API only). */
  readonly unacked: number | null;
  readonly consumers: number | null;
  /** Redis: waiting per kombu priority list, keyed by step (0, 3, 6, 9). */
  readonly byPriority: Readonly<Record<number, number>> | null;
  /** False when the broker has no such queue; null when it cannot tell (Redis). */
  readonly exists: boolean | null;
  /** The management API's object for the queue, as Flower returns it; null when the broker answered. */
  readonly management: ManagementQueue | null;
}

export interface QueueReadout {
  readonly queues: readonly QueueReading[];
  readonly source: QueueSource;
  /** Why the management API given with --broker-api did not answer this read. */
  readonly warning: string | null;
}

export interface QueueReaderOptions {
  /** Flower's --broker_api: RabbitMQ's management API URL. Ignored for other brokers, as in Flower. */
  readonly brokerApi?: string | null;
  readonly log?: Logger | null;
  readonly managementTimeoutMs?: number;
  readonly brokerTimeoutMs?: number;
}

export class QueueReader {
  private readonly api: ManagementApi | null;
  private readonly log: Logger | null;
  private readonly brokerTimeoutMs: number;
  private apiFailing = false;

  constructor(
    readonly transport: Transport,
    options: QueueReaderOptions = {},
  ) {
    this.log = options.log ?? null;
    this.brokerTimeoutMs = options.brokerTimeoutMs ?? BROKER_READ_TIMEOUT_MS;
    const useApi = Boolean(options.brokerApi) && transport.broker.kind === BrokerKind.Amqp;
    if (options.brokerApi && !useApi) this.log?.info({ broker: transport.broker.kind }, '--broker-api is for RabbitMQ only: queue lengths come from the broker');
    this.api = useApi && options.brokerApi ? new ManagementApi(options.brokerApi, transport.broker, options.managementTimeoutMs) : null;
  }

  /** Whether --broker-api is in use (its objects then make Flower's answer). */
  get hasManagementApi(): boolean {
    return this.api !== null;
  }

  /**
   * Every named queue, in the order given. `detail: 'counts'` asks the management API for the counts
   * only (the sampler); `'full'` for its whole objects (Flower's /api/queues/length). Throws when the
   * broker itself does not answer.
   */
  async read(names: readonly string[], detail: 'full' | 'counts' = 'full'): Promise<QueueReadout> {
    if (!this.api) return { queues: await this.fromBroker(names), source: QueueSource.Broker, warning: null };
    let objects: ManagementQueue[];
    try {
      objects = await this.api.queues(names, detail === 'counts' ? COUNT_COLUMNS : undefined);
    } catch (err) {
      const warning = `${err instanceof Error ? err.message : String(err)}; lengths come from passive declares`;
      if (!this.apiFailing) this.log?.warn({ api: this.api.display, err: warning }, 'RabbitMQ management API failed');
      this.apiFailing = true;
      return { queues: await this.fromBroker(names), source: QueueSource.Broker, warning };
    }
    if (this.apiFailing) this.log?.info({ api: this.api.display }, 'RabbitMQ management API answers again');
    this.apiFailing = false;
    const byName = new Map(objects.map((object) => [object.name, object]));
    // A queue the API does not list (yet: its list lags a new queue) or lists without statistics is asked
    // of the broker, so that a count is never made up.
    const missing = names.filter((name) => typeof byName.get(name)?.['messages_ready'] !== 'number');
    const fromBroker = new Map((await this.fromBroker(missing)).map((reading) => [reading.name, reading]));
    const queues = names.map((name): QueueReading => {
      const object = byName.get(name);
      const counted = fromBroker.get(name);
      if (counted) return { ...counted, management: object ?? null };
      return fromManagement(object as ManagementQueue);
    });
    return { queues, source: QueueSource.Management, warning: null };
  }

  /** One bound for the whole batch, however many queues: a request waits BROKER_READ_TIMEOUT_MS at most. */
  private async fromBroker(names: readonly string[]): Promise<QueueReading[]> {
    if (names.length === 0) return [];
    // Reads would queue until the broker is back: say so at once instead.
    const down = linkDown(this.transport.state());
    if (down !== null) throw new Error(down);
    const readings: QueueReading[] = new Array(names.length);
    let next = 0;
    let late = false;
    const work = async (): Promise<void> => {
      while (next < names.length && !late) {
        const at = next++;
        const name = names[at] as string;
        readings[at] = fromStats(name, await this.transport.queueStats(name));
      }
    };
    const all = Promise.all(Array.from({ length: Math.min(CONCURRENT_READS, names.length) }, work));
    try {
      await withDeadline(all, this.brokerTimeoutMs, this.transport.broker.display);
    } finally {
      late = true;
    }
    return readings;
  }
}

function fromStats(name: string, stats: QueueStats): QueueReading {
  return { name, messages: stats.messages, unacked: null, consumers: stats.consumers, byPriority: stats.byPriority, exists: stats.exists, management: null };
}

function fromManagement(object: ManagementQueue): QueueReading {
  const count = (field: string): number | null => {
    const value = object[field];
    return typeof value === 'number' ? value : null;
  };
  return {
    name: object.name,
    messages: count('messages_ready') ?? 0,
    unacked: count('messages_unacknowledged'),
    consumers: count('consumers'),
    byPriority: null,
    exists: true,
    management: object,
  };
}
