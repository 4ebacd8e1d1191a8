/**
 * Example tasks for a Pollen worker: copy this module, change the tasks, and start it with
 *
 *   npx pollen worker --app worker/examples/tasks.ts --broker redis://localhost:6379/0 \
 *     --result-backend redis://localhost:6379/1
 *
 * Python clients call them by name: `app.send_task('examples.add', args=[2, 3]).get()`.
 */
import { createApp } from '../task/app';

export const app = createApp();

app.task('examples.add', { params: ['x', 'y'] }, (_ctx, x: number, y: number) => x + y);

app.task('examples.fail', { params: ['message'] }, (_ctx, message: string = 'boom') => {
  throw new Error(message);
});

/** Fails `times` times (retrying after `countdown` seconds each time), then succeeds. */
app.task('examples.flaky', { params: ['times', 'countdown'], maxRetries: 10 }, (ctx, times: number = 1, countdown: number = 0.1) => {
  if (ctx.retries < times) ctx.retry({ countdown, exc: new Error(`transient failure ${ctx.retries + 1} of ${times}`) });
  return `ok after ${ctx.retries} retries`;
});

/** Waits `seconds`; stops early when revoked with terminate or past its soft time limit. */
app.task('examples.sleep', { params: ['seconds'] }, async (ctx, seconds: number) => {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, seconds * 1000);
    ctx.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(ctx.signal.reason);
    }, { once: true });
  });
  return seconds;
});

/** Reports PROGRESS {current, total} each step (read it with AsyncResult.info in Python). */
app.task('examples.progress', { params: ['steps', 'delay'] }, async (ctx, steps: number, delay: number = 0.2) => {
  for (let current = 1; current <= steps; current++) {
    await new Promise((resolve) => setTimeout(resolve, delay * 1000));
    ctx.signal.throwIfAborted();
    await ctx.updateState('PROGRESS', { current, total: steps });
  }
  return { current: steps, total: steps };
});

/** Adds up a list: the body of a chord over examples.add. */
app.task('examples.tsum', { params: ['numbers'] }, (_ctx, numbers: number[]) => numbers.reduce((a, b) => a + b, 0));

export default app;
