/**
 * `pollen worker`: starts a TypeScript worker, shaped like `celery worker`.
 *
 *   pollen worker --app worker/examples/tasks.ts --broker redis://localhost:6379/0 \
 *     --result-backend redis://localhost:6379/1 [--queues a,b] [--concurrency N] [--hostname name@%h]
 *
 * The module exports the App as `app` or as its default export. SIGTERM/SIGINT: warm shutdown (running
 * tasks finish); a second signal: cold shutdown (they are given back to the broker).
 */
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { createLogger } from '@/lib/runtime/logger';
import { App } from '../task/app';
import { Worker } from '../worker';

const flags = z.object({
  app: z.string().min(1, '--app: give the module that exports your tasks, e.g. worker/examples/tasks.ts'),
  broker: z.string({ error: '--broker: give the broker URL (or set CELERY_BROKER_URL)' }).min(1, '--broker: give the broker URL (or set CELERY_BROKER_URL)'),
  resultBackend: z.string().optional(),
  queues: z.string().default('celery').transform((q) => q.split(',').map((s) => s.trim()).filter(Boolean)),
  concurrency: z.coerce.number({ error: '--concurrency: expected a whole number' }).int('--concurrency: expected a whole number').min(1, '--concurrency: at least 1').optional(),
  prefetchMultiplier: z.coerce.number().int('--prefetch-multiplier: expected a whole number').min(0, '--prefetch-multiplier: at least 0').default(4),
  hostname: z.string().default('celery@%h'),
  heartbeatInterval: z.coerce.number().positive('--heartbeat-interval: seconds, more than 0').default(2),
  withoutTaskEvents: z.boolean().default(false),
});

/** Loads the user's module and finds its App. */
export async function loadApp(modulePath: string): Promise<App> {
  const url = pathToFileURL(path.resolve(modulePath)).href;
  const mod = (await import(url)) as { app?: unknown; default?: unknown };
  const app = mod.app ?? mod.default;
  if (!(app instanceof App)) throw new Error(`${modulePath} does not export an App as \`app\` or as its default export (see worker/examples/tasks.ts)`);
  return app;
}

export function workerCommand(): Command {
  return new Command('worker')
    .description('run a TypeScript Celery worker for the tasks of a module')
    // Flag mistakes (unknown option, missing value) exit 2 like the other usage errors; --help exits 0.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .addOption(new Option('-A, --app <module>', 'module (.ts or .js) exporting the App'))
    .addOption(new Option('-b, --broker <url>', 'broker URL').env('CELERY_BROKER_URL'))
    .addOption(new Option('--result-backend <url>', 'result backend URL (redis://)').env('CELERY_RESULT_BACKEND'))
    .addOption(new Option('-Q, --queues <names>', 'comma-separated queues to consume').default('celery'))
    .addOption(new Option('-c, --concurrency <n>', 'tasks run at once (default: number of CPUs)'))
    .addOption(new Option('--prefetch-multiplier <n>', 'messages held per concurrency slot').default('4'))
    .addOption(new Option('-n, --hostname <name>', 'node name; %h = host name').default('celery@%h'))
    .addOption(new Option('--heartbeat-interval <seconds>', 'seconds between worker-heartbeat events').default('2'))
    .addOption(new Option('--without-task-events', 'do not send task events (worker events are always sent)').default(false))
    .action(async (raw: Record<string, unknown>) => {
      const parsed = flags.safeParse(raw);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) process.stderr.write(`pollen worker: ${issue.message}\n`);
        process.exit(2);
      }
      const options = parsed.data;
      const log = createLogger();
      process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));
      let worker: Worker;
      try {
        worker = new Worker({
          app: await loadApp(options.app),
          broker: options.broker,
          resultBackend: options.resultBackend ?? null,
          queues: options.queues,
          concurrency: options.concurrency,
          prefetchMultiplier: options.prefetchMultiplier,
          hostname: options.hostname,
          heartbeatInterval: options.heartbeatInterval,
          taskEvents: !options.withoutTaskEvents,
          logger: log,
        });
      } catch (err) {
        log.fatal(err instanceof Error ? err.message : String(err));
        process.exit(1);
      }
      // Installed before start, so that a signal at any moment goes through a clean shutdown.
      let signals = 0;
      const stop = (signal: string): void => {
        signals += 1;
        log.info({ signal }, signals === 1 ? 'warm shutdown: running tasks finish (signal again to give them back now)' : 'cold shutdown');
        void worker.stop({ graceful: signals === 1 });
        if (signals > 2) process.exit(1);
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
      try {
        await worker.start();
      } catch (err) {
        if (signals === 0) {
          log.fatal(err instanceof Error ? err.message : String(err));
          process.exit(1);
        }
      }
      await worker.stopped();
      process.exit(0);
    });
}
