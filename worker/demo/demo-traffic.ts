/**
 * The demo's traffic: a steady stream of the demo tasks with a burst every half minute, so that every
 * chart moves; a sitemap for the rate-limited crawler on the low-priority queue every 15 s; and
 * every second one of the rarer cases an operator meets (a canvas, a countdown, an ETA, an expiry, a
 * long report, an AI call, a webhook that can only be rejected).
 */
import type { Logger } from 'pino';
import { chain, chord, group, si, signature } from '../client/canvas-builders';
import type { Client } from '../client/client';
import { DEMO_QUEUES } from './demo-queues';
import { FLAKY_MIRROR } from './demo-tasks';

export interface TrafficOptions {
  /** Tasks sent per tick outside bursts. */
  readonly steady?: number;
  readonly tickMs?: number;
  /** A burst of `burstSize` tasks a tick, for `burstTicks` ticks, every `burstEveryTicks` ticks. */
  readonly burstEveryTicks?: number;
  readonly burstTicks?: number;
  readonly burstSize?: number;
  /** A sitemap of `sitemapSize` pages for the rate-limited crawler, every `sitemapEveryTicks` ticks. */
  readonly sitemapEveryTicks?: number;
  readonly sitemapSize?: number;
}

const FIRST_BURST_TICK = 4;

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const USERS = ['ada', 'grace', 'linus', 'guido', 'barbara', 'ken', 'margaret', 'dennis'];
const SUBJECTS = ['Welcome to Pollen', 'Your invoice', 'Password reset', 'Weekly digest', 'Order shipped'];
const PAGES = ['docs', 'blog', 'pricing', 'about', 'careers', 'changelog', 'status', 'faq', 'api', 'terms', 'privacy', 'press'];
const PROMPTS = ['Summarize the incident report', 'Draft a release note', 'Translate the FAQ to French', 'Write a haiku about queues'];
const WEBHOOKS = ['https://hooks.example.com/orders', 'https://crm.example.org/events', 'https://chat.example.net/notify'];

/** One everyday task, weighted as a web shop's background jobs are. */
function everydayTask(client: Client, n: number): Promise<unknown> {
  const roll = Math.random();
  if (roll < 0.5) return client.sendTask('emails.send', [`${pick(USERS)}@example.com`, pick(SUBJECTS)]);
  if (roll < 0.83) return client.sendTask('images.thumbnail', [n, pick([128, 256, 512])]);
  if (roll < 0.93) return client.sendTask('notifications.remind', [n % 1000, 'Your cart misses you'], {}, { queue: DEMO_QUEUES.high, priority: 9 });
  if (roll < 0.97) return client.sendTask('webhooks.deliver', [pick(WEBHOOKS), { event: 'order.paid', order_id: n }]);
  return client.sendTask('payments.charge', [10_000 + n]);
}

/** The crawler's work comes as sitemaps: more pages at once than its rate limit lets through. */
function sitemap(client: Client, size: number): Promise<unknown>[] {
  // The flaky mirror first: its retry then queues behind the rest of the sitemap.
  const urls = [`${FLAKY_MIRROR}${pick(PAGES)}`, ...Array.from({ length: size - 1 }, (_, i) => `https://example.org/${PAGES[i % PAGES.length] as string}`)];
  return urls.map((url) => client.sendTask('crawler.fetch', [url], {}, { queue: DEMO_QUEUES.low }));
}

/** The rarer cases, one per tick in turn; the long report first, so a PROGRESS bar moves from the start. */
const SPECIAL_CASES: readonly ((client: Client, n: number) => Promise<unknown>)[] = [
  (client) => client.sendTask('reports.generate', [pick(['sales', 'inventory', 'traffic'])], {}, { queue: DEMO_QUEUES.reports }),
  // The thumbnail's result is not the reminder's business: an immutable signature (si) ignores it.
  (client, n) => client.apply(chain(signature('images.thumbnail', [n, 1024]), si('notifications.remind', [n % 1000, 'Your photo is ready']))),
  (client, n) => client.sendTask('webhooks.deliver', [pick(WEBHOOKS), { order_id: n }]),
  (client) => client.sendTask('ai.generate_text', [pick(PROMPTS)], {}, { queue: DEMO_QUEUES.ai }),
  (client, n) => client.sendTask('notifications.remind', [n % 1000, 'Meeting in 10 seconds'], {}, { countdown: 10 }),
  (client, n) => client.applyGroup(group(...[0, 1, 2, 3].map((i) => signature('images.thumbnail', [n * 10 + i, 128])))),
  // Expires before it may run: the worker revokes it when it comes due.
  (client, n) => client.sendTask('notifications.remind', [n % 1000, 'Flash sale ends'], {}, { countdown: 4, expires: 2 }),
  (client, n) => client.apply(chord([0, 1, 2, 3, 4].map((i) => signature('images.thumbnail', [n * 10 + i, 256])), signature('reports.aggregate'))),
  (client, n) => client.sendTask('notifications.remind', [n % 1000, 'Standup now'], {}, { eta: new Date(Date.now() + 15_000) }),
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
    const { steady = 4, burstEveryTicks = 30, burstTicks = 4, burstSize = 30, sitemapEveryTicks = 15, sitemapSize = 5 } = this.options;
    const tick = this.tick++;
    // The first burst comes a few ticks in, so that a newcomer sees one in their first half minute.
    const inBurst = (((tick - FIRST_BURST_TICK) % burstEveryTicks) + burstEveryTicks) % burstEveryTicks < burstTicks;
    const count = inBurst ? burstSize : steady + Math.floor(Math.random() * 3);
    const sends: Promise<unknown>[] = tick % sitemapEveryTicks === 0 ? sitemap(this.client, sitemapSize) : [];
    for (let i = 0; i < count; i++) sends.push(everydayTask(this.client, this.sent + i));
    sends.push((SPECIAL_CASES[tick % SPECIAL_CASES.length] as (client: Client, n: number) => Promise<unknown>)(this.client, tick));
    const results = await Promise.allSettled(sends);
    this.sent += results.length;
    const failed = results.filter((r) => r.status === 'rejected');
    // The demo must keep going; a send that failed (the broker stopping) is worth one line, not a crash.
    if (failed.length > 0) this.log.warn({ failed: failed.length, err: String((failed[0] as PromiseRejectedResult).reason) }, 'demo traffic: some tasks could not be sent');
  }
}
