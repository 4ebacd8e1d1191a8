/**
 * A loop of BRPOP on its own connection, as kombu's Redis channel runs one: block for at most
 * BRPOP_TIMEOUT_S on the lists the source names right now, hand over what came, ask again. The short
 * timeout is what lets a changed set of lists (or a stop) take effect.
 *
 *   waiting (source names no lists: nothing to pop, or prefetch full) ──wake()──▶ popping
 *   popping ──item──▶ take(item) ──▶ popping          any ──stop()/abandon()──▶ stopped
 *
 * The connection waits through broker restarts (ioredis resends the pending BRPOP after reconnecting), so
 * the loop only ends when stopped. A command error (e.g. WRONGTYPE) is retried after a pause; it never
 * escapes, and neither does anything `take` throws.
 */
import type { Redis } from 'ioredis';
import { BRPOP_TIMEOUT_S } from './redis-keys';

export interface PopSource {
  /** The lists to pop now, first-served first; null or [] to wait for the next wake(). */
  keys(): readonly string[] | null;
  /** One popped item. The loop pops again only once this has settled. */
  take(list: string, item: string): Promise<void>;
  /** After a hit, takes what else is waiting without blocking; resolves to how many it took (0: block again). */
  takeWaiting?(): Promise<number>;
}

/** How long a stop waits for the BRPOP in flight before dropping the connection (a popped item would be lost). */
const STOP_GRACE_MS = BRPOP_TIMEOUT_S * 1000 + 2_000;
const ERROR_PAUSE_MS = 500;

export class BrpopLoop {
  private stopping = false;
  private waker: (() => void) | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    readonly redis: Redis,
    private readonly source: PopSource,
  ) {}

  start(): void {
    this.running = this.run();
  }

  /** The source's lists may have changed (a queue added, a delivery settled). */
  wake(): void {
    const waker = this.waker;
    this.waker = null;
    waker?.();
  }

  /**
   * Stops popping: lets the BRPOP in flight finish (so nothing it pops is lost), then closes the
   * connection. While the broker is away there is no BRPOP on the wire, and the connection closes at once.
   */
  async stop(): Promise<void> {
    if (this.stopping) return this.settled();
    this.stopping = true;
    this.wake();
    if (this.redis.status === 'ready') await within(this.running, STOP_GRACE_MS);
    this.redis.disconnect();
    await this.settled();
  }

  /** Test-only: the process vanishes. The connection drops at once and nothing is put back. */
  abandon(): void {
    this.stopping = true;
    this.wake();
    this.redis.disconnect();
  }

  private async settled(): Promise<void> {
    // A take() still waiting on another connection finishes on its own; its source knows we stopped.
    await within(this.running, STOP_GRACE_MS);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const keys = this.source.keys();
      if (!keys || keys.length === 0) {
        await new Promise<void>((resolve) => {
          this.waker = resolve;
        });
        continue;
      }
      let popped: [string, string] | null;
      try {
        popped = await this.redis.brpop(...keys, BRPOP_TIMEOUT_S);
      } catch {
        if (this.stopping || this.redis.status === 'end') return;
        await sleep(ERROR_PAUSE_MS);
        continue;
      }
      if (!popped) continue;
      try {
        await this.source.take(popped[0], popped[1]);
        // A backlog: take it in batches while there is room, then block again.
        while (!this.stopping && this.source.takeWaiting && (await this.source.takeWaiting()) > 0);
      } catch {
        // The source's own failure; the loop goes on.
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Waits for `promise`, or `ms` at most. */
async function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
