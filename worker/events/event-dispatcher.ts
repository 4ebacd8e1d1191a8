/**
 * Sends the worker's events as a Python worker's dispatcher does (CELERY-WIRE.md §5): every event carries
 * hostname, utcoffset, pid, clock, then its own fields, then timestamp and type. Task events are buffered
 * and flushed as one `task.multi` list on the next turn of the event loop (or at 24); worker events go out
 * at once. Publishing never throws: a broker that is away costs events, not the worker.
 */
import { encodeEventJson, type JsonObject, names } from '@/lib/celery';
import type { Transport } from '@/lib/broker';
import type { LamportClock } from './lamport-clock';

/** Celery's dispatcher buffer_limit. */
const BUFFER_LIMIT = 24;

/** `time.timezone // 3600` (negated offset, floored), with DST as the host has it now. */
export function pythonUtcoffset(date = new Date()): number {
  return Math.floor(date.getTimezoneOffset() / 60);
}

export class EventDispatcher {
  /** Task events are sent only while enabled (enable_events / disable_events); worker events always. */
  taskEvents: boolean;
  private buffer: JsonObject[] = [];
  private flushScheduled = false;
  private pending = new Set<Promise<void>>();

  constructor(
    private readonly transport: Transport,
    private readonly hostname: string,
    private readonly clock: LamportClock,
    options: { taskEvents: boolean; onError?: (err: unknown) => void },
  ) {
    this.taskEvents = options.taskEvents;
    this.onError = options.onError ?? (() => undefined);
  }

  private readonly onError: (err: unknown) => void;

  /** Builds the wire object now, so that its timestamp and clock are those of the moment it happened. */
  private event(type: string, fields: JsonObject): JsonObject {
    const out: JsonObject = { hostname: this.hostname, utcoffset: pythonUtcoffset(), pid: process.pid, clock: this.clock.forward() };
    for (const [key, value] of Object.entries(fields)) out[key] = value;
    out['timestamp'] = Date.now() / 1000;
    out['type'] = type;
    return out;
  }

  task(type: string, uuid: string, fields: JsonObject = {}): void {
    if (!this.taskEvents) return;
    this.buffer.push(this.event(type, { uuid, ...fields }));
    if (this.buffer.length >= BUFFER_LIMIT) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  worker(type: string, fields: JsonObject): Promise<void> {
    return this.send(encodeEventJson(this.event(type, fields), this.hostname));
  }

  flush(): Promise<void> {
    this.flushScheduled = false;
    if (this.buffer.length === 0) return Promise.resolve();
    const batch = this.buffer;
    this.buffer = [];
    return this.send(encodeEventJson(batch, this.hostname));
  }

  /** Waits until everything sent so far has left (for shutdown). */
  async drain(): Promise<void> {
    await this.flush();
    await Promise.all([...this.pending]);
  }

  private send(encoded: ReturnType<typeof encodeEventJson>): Promise<void> {
    const sent = this.transport
      .publishFanout(names.EVENT_EXCHANGE, encoded.routingKey, encoded.message)
      .catch((err: unknown) => this.onError(err))
      .finally(() => this.pending.delete(sent));
    this.pending.add(sent);
    return sent;
  }
}
