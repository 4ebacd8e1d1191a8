/**
 * `pollen`: the command line. Flower's flag names where Flower has them (--broker, --port, --address),
 * so that `celery flower --broker=... --port=...` becomes `pollen --broker=... --port=...`.
 *
 *   pollen [--broker URL] [--port N] [--address HOST]   the dashboard for an existing cluster
 *   pollen demo [--port N]                              the dashboard with an embedded demo cluster
 *   pollen worker --app <module> --broker URL ...       a TypeScript Celery worker (worker/)
 */
import { Command, Option } from 'commander';
import { type ConfigInput, DEFAULT_MAX_TASKS, DEFAULT_PORT, DEFAULT_PURGE_OFFLINE_WORKERS, parseConfig } from '../config';
import { startServer } from '../http/create-server';
import { createLogger } from '@/lib/runtime/logger';
import { VERSION } from '@/lib/runtime/version';
import { workerCommand } from '@/worker/cli/worker-command';

interface ServeOptions {
  readonly broker?: string;
  readonly port: string;
  readonly address: string;
  readonly dev: boolean;
  readonly maxTasks: string;
  readonly enableEvents: string;
  readonly purgeOfflineWorkers: string;
}

const portOption = () =>
  new Option('--port <port>', 'port of the dashboard and API').env('PORT').default(String(DEFAULT_PORT));
const addressOption = () =>
  new Option('--address <host>', "interface to listen on ('' for all, as Flower)").env('POLLEN_ADDRESS').default('');
const devOption = () => new Option('--dev', 'serve the dashboard in Next.js development mode (hot reload)').default(false);
const modelOptions = (command: Command): Command =>
  command
    .addOption(new Option('--max-tasks <n>', 'tasks kept in memory, newest first; finished tasks are dropped first').default(String(DEFAULT_MAX_TASKS)))
    .addOption(new Option('--enable-events <bool>', 'broadcast enable_events every 5 s so workers started without -E report').default('true'))
    .addOption(new Option('--purge-offline-workers <seconds>', 'forget a worker this long after it went offline').default(String(DEFAULT_PURGE_OFFLINE_WORKERS)));

async function serve(input: ConfigInput): Promise<void> {
  const log = createLogger();
  // A promise nobody awaited must cost a log line, not the dashboard.
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));
  const parsed = parseConfig(input);
  if (!parsed.ok) {
    for (const error of parsed.errors) process.stderr.write(`pollen: ${error}\n`);
    process.exit(2);
  }
  const { config } = parsed;
  let server;
  try {
    server = await startServer(config, log);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') log.fatal(`port ${config.port} is already in use; choose another with --port`);
    else if (code === 'EADDRNOTAVAIL') log.fatal(`cannot listen on address ${config.address}; check --address`);
    else log.fatal({ err }, 'pollen could not start');
    process.exit(1);
  }
  log.info({ url: server.url, broker: config.broker?.display ?? null, version: VERSION }, `Pollen is running at ${server.url}`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) process.exit(1); // a second Ctrl-C does not wait
    stopping = true;
    log.info({ signal }, 'stopping');
    server
      .close()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log.error({ err }, 'unclean stop');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

const program: Command = new Command()
  .name('pollen')
  .description('Real-time monitoring dashboard and control plane for Celery clusters')
  .version(VERSION)
  // `pollen demo --port 5600`: options after a command belong to that command.
  .enablePositionalOptions()
  .addOption(new Option('--broker <url>', 'Celery broker URL: redis://, rediss://, sentinel://, amqp://, amqps://').env('CELERY_BROKER_URL'))
  .addOption(portOption())
  .addOption(addressOption())
  .addOption(devOption());
modelOptions(program).action((options: ServeOptions) => serve(options));

modelOptions(
  program
    .command('demo')
    .description('run the dashboard with an embedded demo cluster (in-process broker; nothing to install)')
    .addOption(portOption())
    .addOption(addressOption())
    .addOption(devOption()),
).action((options: Omit<ServeOptions, 'broker'>) => serve({ ...options, broker: 'memory://' }));

program.addCommand(workerCommand());

await program.parseAsync(process.argv);
