/**
 * `pollen`: the command line. Flower's flag names where Flower has them (serve-options.ts), so that
 * `celery flower --broker=... --port=...` becomes `pollen --broker=... --port=...`.
 *
 *   pollen [--broker URL] [--port N] [--basic-auth u:p] ...   the dashboard for an existing cluster
 *   pollen demo [--port N]                                    the dashboard with an embedded demo cluster
 *   pollen worker --app <module> --broker URL ...             a TypeScript Celery worker (worker/)
 */
import { Command } from 'commander';
import { type ConfigInput, parseConfig } from '../config';
import { HistoryOpenError } from '../history/history-backend';
import { startServer } from '../http/create-server';
import { createLogger, logForPeople } from '@/lib/runtime/logger';
import { VERSION } from '@/lib/runtime/version';
import { workerCommand } from '@/worker/cli/worker-command';
import { type DemoCluster, startDemoCluster } from '@/worker/demo/demo-cluster';
import { addServeOptions, normalizeFlowerFlags, withEnvironment } from './serve-options';

/** Runs the dashboard; with `demo`, also the demo cluster on the same broker (worker/demo). */
async function serve(input: Record<string, unknown>, demo = false): Promise<void> {
  const log = createLogger();
  // A promise nobody awaited must cost a log line, not the dashboard.
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));
  const parsed = parseConfig(input as ConfigInput);
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
    else if (err instanceof HistoryOpenError) {
      process.stderr.write(`pollen: history: ${err.message}\n`);
      process.exit(2);
    } else if (code === 'ENOENT' || code === 'EACCES') log.fatal({ err }, 'cannot read --certfile or --keyfile');
    else log.fatal({ err }, 'pollen could not start');
    process.exit(1);
  }
  const { readOnly, basicAuth, apiTokens, unauthenticatedApi } = config;
  const openControls = !readOnly && basicAuth.length + apiTokens.length === 0 && unauthenticatedApi;
  const controls = readOnly ? 'read-only' : basicAuth.length + apiTokens.length > 0 ? 'authenticated' : openControls ? 'open without authentication' : 'closed (no --basic-auth or --api-tokens)';
  const listening = server.listening.description;
  logForPeople(log, { url: server.url, listening, broker: config.broker?.display ?? null, version: VERSION, controls }, `Pollen is running at ${server.url}, listening on ${listening}`);
  if (openControls && !server.listening.loopback) {
    log.warn({ listening }, `the controls (revoke, shutdown, pool, rate limits, apply) are open without authentication to anyone who can reach ${listening}: add --basic-auth or --api-tokens, or --address 127.0.0.1`);
  }
  let cluster: DemoCluster | null = null;
  if (demo) {
    cluster = await startDemoCluster({ broker: String(input['broker']), resultBackend: String(input['resultBackend']), log });
    log.info({ workers: cluster.workers }, 'the demo cluster is running: open the dashboard');
  }

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) process.exit(1); // a second Ctrl-C does not wait
    stopping = true;
    log.info({ signal }, 'stopping');
    Promise.resolve(cluster?.stop())
      .then(() => server.close())
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
  .enablePositionalOptions();
addServeOptions(program, { demo: false }).action((_options, command: Command) => serve(withEnvironment(command, process.env)));

addServeOptions(
  program.command('demo').description('run the dashboard with an embedded demo cluster (an in-process broker unless --broker is given; nothing to install)'),
  { demo: true },
).action((_options, command: Command) => {
  const options = withEnvironment(command, process.env, { demo: true });
  // The in-process demo's cluster exists to be poked at: its controls are open (on 127.0.0.1 unless
  // --address says otherwise). On a real broker other workers may listen to the same pidbox, so its
  // controls follow the normal rules: closed without --basic-auth, --api-tokens or --unauthenticated-api.
  // Its results stay in this process unless a backend is named, which works on any broker since the
  // demo workers share the process.
  const inProcess = options['broker'] === undefined;
  // The demo's made-up tasks stay out of real history unless --db says where.
  return serve({ ...options, db: options['db'] ?? 'memory', unauthenticatedApi: inProcess ? true : options['unauthenticatedApi'], broker: options['broker'] ?? 'memory://', resultBackend: options['resultBackend'] ?? 'memory://' }, true);
});

program.addCommand(workerCommand());

await program.parseAsync(normalizeFlowerFlags(process.argv));
