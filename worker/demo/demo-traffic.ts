/**
 * The demo's traffic: a steady stream of the demo tasks with a burst every half minute, so that every
 * chart moves; every few seconds one of the cases an operator meets (a canvas, a countdown, an ETA, an
 * expiry, a high- or low-priority job, a long report, an AI call).
 */
import type { Logger } from 'pino';
import { chain, chord, group, si, signature } from '../client/canvas-builders';
import type { Client } from '../client/client';
import { DEMO_QUEUES } from './demo-queues';

export interface TrafficOptions {
  /** Tasks sent per tick outside bursts. */
  readonly steady?: number;
  readonly tickMs?: number;
  /** A burst of `burstSize` tasks a tick, for `burstTicks` ticks, every `burstEveryTicks` ticks. */
  readonly burstEveryTicks?: number;
  readonly burstTicks?: number;
  readonly burstSize?: number;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const USERS = ['ada', 'grace', 'linus', 'guido', 'barbara', 'ken', 'margaret', 'dennis'];
const SUBJECTS = ['Welcome to Pollen', 'Your invoice', 'Password reset', 'Weekly digest', 'Order shipped'];
const SITES = ['https://example.org/', 'https://example.com/docs', 'https://example.net/blog', 'https://example.org/pricing'];
const PROMPTS = ['Summarize the incident report', 'Draft a release note', 'Translate the FAQ to French', 'Write a haiku about queues'];

/** One everyday task, weighted as a web shop's background jobs are. */
function everydayTask(client: Client, n: number): Promise<unknown> {
  const roll = Math.random();
  if (roll < 0.45) return client.sendTask('emails.send', [`${pick(USERS)}@example.com`, pick(SUBJECTS)]);
  if (roll < 0.75) return client.sendTask('images.thumbnail', [n, pick([128, 256, 512])]);
  if (roll < 0.9) return client.sendTask('crawler.fetch', [pick(SITES)], {}, { queue: DEMO_QUEUES.low });
  if (roll < 0.97) return client.sendTask('notifications.remind', [n % 1000, 'Your cart misses you'], {}, { queue: DEMO_QUEUES.high, priority: 9 });
  return client.sendTask('payments.charge', [10_000 + n]);
}

/** The rarer cases, one per tick in turn. */
const SPECIAL_CASES: readonly ((client: Client, n: number) => Promise<unknown>)[] = [
  // The thumbnail's result is not the reminder's business: an immutable signature (si) ignores it.
  (client, n) => client.apply(chain(signature('images.thumbnail', [n, 1024]), si('notifications.remind', [n % 1000, 'Your photo is ready']))),
  (client, n) => client.applyGroup(group(...[0, 1, 2, 3].map((i) => signature('images.thumbnail', [n * 10 + i, 128])))),
  (client, n) => client.apply(chord([0, 1, 2, 3, 4].map((i) => signature('images.thumbnail', [n * 10 + i, 256])), signature('reports.aggregate'))),
  (client, n) => client.sendTask('notifications.remind', [n % 1000, 'Meeting in 10 seconds'], {}, { countdown: 10 }),
  (client, n) => client.sendTask('notifications.remind', [n % 1000, 'Standup now'], {}, { eta: new Date(Date.now() + 15_000) }),
  // Expires before it may run: the worker revokes it when it comes due.
  (client, n) => client.sendTask('notifications.remind', [n % 1000, 'Flash sale ends'], {}, { countdown: 4, expires: 2 }),
  (client) => client.sendTask('reports.generate', [pick(['sales', 'inventory', 'traffic'])], {}, { queue: DEMO_QUEUES.reports }),
  (client) => client.sendTask('ai.generate_text', [pick(PROMPTS)], {}, { queue: DEMO_QUEUES.ai }),
];

export class DemoTraffic {
  private timer: NodeJS.Timeout | null = null;
  private tick = 0;
  private sent = 0;

  constructor(
    private readonly client: Client,
    private readonly log: Logger,
    private readonly options: TrafficOptions = {},
  ) {}

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => void this.send(), this.options.tickMs ?? 1000);
    void this.send();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Tasks sent so far. */
  get count(): number {
    return this.sent;
  }

  private async send(): Promise<void> {
    const { steady = 4, burstEveryTicks = 30, burstTicks = 4, burstSize = 30 } = this.options;
    const tick = this.tick++;
    const inBurst = tick % burstEveryTicks >= burstEveryTicks - burstTicks;
    const count = inBurst ? burstSize : steady + Math.floor(Math.random() * 3);
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) sends.push(everydayTask(this.client, this.sent + i));
    sends.push((SPECIAL_CASES[tick % SPECIAL_CASES.length] as (client: Client, n: number) => Promise<unknown>)(this.client, tick));
    const results = await Promise.allSettled(sends);
    this.sent += results.length;
    const failed = results.filter((r) => r.status === 'rejected');
    // The demo must keep going; a send that failed (the broker stopping) is worth one line, not a crash.
    if (failed.length > 0) this.log.warn({ failed: failed.length, err: String((failed[0] as PromiseRejectedResult).reason) }, 'demo traffic: some tasks could not be sent');
  }
}
