/**
 * The demo cluster's tasks (`pollen demo`): the jobs Celery users run every day, with the behaviour that
 * makes a dashboard worth having: fast tasks that sometimes fail and retry with backoff, slow ones, one
 * that reports PROGRESS, one that hits its rate limit, one that always fails after its retries.
 * Durations and failures are random but bounded; nothing here touches the outside world.
 */
import { createApp } from '../task/app';
import type { TaskContext } from '../task/task-context';

export const demoApp = createApp();

/** Waits `ms`, stopping at once when the task is revoked with terminate or its time limit passes. */
function work(ctx: TaskContext, ms: number): Promise<void> {
  ctx.signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(ctx.signal.reason);
    };
    // The listener goes with the wait: a report waits a dozen times on one signal.
    const timer = setTimeout(() => {
      ctx.signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
}

const between = (low: number, high: number): number => low + Math.random() * (high - low);

/** Fast, and one send in ten meets a busy mail server: retried with exponential backoff (1 s, 2 s, 4 s). */
demoApp.task('emails.send', { params: ['to', 'subject'], maxRetries: 3, retryBackoff: 1, retryBackoffMax: 8, retryJitter: false }, async (ctx, to: string, subject: string) => {
  await work(ctx, between(20, 80));
  if (Math.random() < 0.1) ctx.retry({ exc: new Error(`421 ${to}: mail server busy, try again later`) });
  return { to, subject, message_id: `<${ctx.id}@demo.pollen>` };
});

demoApp.task('images.thumbnail', { params: ['image_id', 'size'] }, async (ctx, imageId: number, size: number = 256) => {
  await work(ctx, between(100, 400));
  return { image_id: imageId, size, bytes: Math.round(size * size * between(0.05, 0.2)) };
});

/** A long report that tells how far it got: the task page shows it as a progress bar. */
demoApp.task('reports.generate', { params: ['report', 'steps'], trackStarted: true }, async (ctx, report: string, steps: number = 12) => {
  for (let current = 1; current <= steps; current++) {
    await work(ctx, between(400, 900));
    await ctx.updateState('PROGRESS', { current, total: steps, report });
  }
  return { report, pages: steps * 4 };
});

/** The chord body: adds up what the thumbnails of a group weighed. */
demoApp.task('reports.aggregate', { params: ['parts'] }, (_ctx, parts: { bytes?: number }[]) => ({
  images: parts.length,
  bytes: parts.reduce((sum, part) => sum + (part.bytes ?? 0), 0),
}));

export const FLAKY_MIRROR = 'https://mirror.example.com/';

/**
 * Polite crawling: at most 30 fetches a minute on each worker, so a sitemap waits in its queue (PENDING)
 * and in the worker (RECEIVED) for its turn. The flaky mirror answers 503 until it has warmed up: the
 * crawler comes back to it later (RETRY), behind the pages still waiting.
 */
demoApp.task('crawler.fetch', { params: ['url'], rateLimit: '30/m', maxRetries: 3, defaultRetryDelay: 2 }, async (ctx, url: string) => {
  await work(ctx, between(50, 250));
  if (url.startsWith(FLAKY_MIRROR) && ctx.retries === 0) ctx.retry({ exc: new Error(`503 Service Unavailable: ${url}`) });
  return { url, status: Math.random() < 0.95 ? 200 : 404 };
});

/**
 * Webhook deliveries acknowledge late: a delivery cut short by a crash is redelivered. A payload without
 * an event type can never be delivered, so it is rejected for good (REJECTED) rather than retried.
 */
demoApp.task('webhooks.deliver', { params: ['endpoint', 'payload'], acksLate: true }, async (ctx, endpoint: string, payload: { event?: string }) => {
  await work(ctx, between(20, 100));
  if (typeof payload.event !== 'string') ctx.reject(false, 'malformed payload: no event type');
  return { endpoint, event: payload.event, delivered: true };
});

/**
 * Slow like a language model: 5 to 15 s. Acknowledged late, as long idempotent jobs should be, so a
 * worker that stops mid-answer leaves the prompt to the next one instead of losing it.
 */
demoApp.task('ai.generate_text', { params: ['prompt'], trackStarted: true, softTimeLimit: 30, acksLate: true }, async (ctx, prompt: string) => {
  const seconds = between(5, 15);
  await work(ctx, seconds * 1000);
  return { prompt, tokens: Math.round(seconds * 40) };
});

/** A payment provider that never answers: FAILURE after its two retries. */
demoApp.task('payments.charge', { params: ['order_id'], maxRetries: 2, defaultRetryDelay: 2 }, async (ctx, orderId: number) => {
  await work(ctx, between(30, 120));
  ctx.retry({ exc: new Error(`gateway timeout charging order ${orderId}`) });
});

/** Sent with a countdown or an ETA (a reminder for later) or an expiry (a notification that goes stale). */
demoApp.task('notifications.remind', { params: ['user_id', 'text'] }, async (ctx, userId: number, text: string) => {
  await work(ctx, between(10, 40));
  return { user_id: userId, text };
});

export default demoApp;
