/** A private redis-server on a free loopback port, for one test file. */
import { startChild, requireProgram } from './child';
import { freePort } from './free-port';

export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>/<db>` */
  url(db?: number): string;
  stop(): Promise<void>;
  /** Stops it and starts a fresh one on the same port (nothing kept, as after a crash). */
  restart(): Promise<void>;
  /** Starts it again on the same port after `stop` (nothing kept). */
  start(): Promise<void>;
  /** SIGSTOP: the server stops answering, its connections stay open (a wedged or paused broker). */
  pause(): void;
  /** SIGCONT after `pause`. */
  resume(): void;
  /** What the server logged so far. */
  log(): string;
}

/**
 * `args` are extra redis-server arguments. With `tls`, the given port is the TLS port and plain TCP is
 * off; with `sentinel`, `args` must name a writable config file first and the server runs as a Sentinel.
 */
export async function startRedis(options: { args?: (port: number) => string[]; tls?: boolean; sentinel?: boolean } = {}): Promise<RedisServer> {
  requireProgram('/usr/bin/redis-server', 'redis-server');
  const port = await freePort();
  const launch = async () => {
    const extra = options.args?.(port) ?? [];
    const ports = options.tls ? ['--port', '0', '--tls-port', String(port)] : ['--port', String(port)];
    const base = options.sentinel ? [...extra, '--sentinel', ...ports] : [...ports, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra];
    const child = startChild('/usr/bin/redis-server', [...base, '--daemonize', 'no', '--loglevel', 'notice']);
    await child.waitFor(options.sentinel ? /Sentinel ID is/ : /Ready to accept connections/, 15_000);
    return child;
  };
  let child = await launch();
  return {
    port,
    url: (db = 0) => `redis://127.0.0.1:${port}/${db}`,
    stop: () => child.stop(),
    log: () => child.output(),
    async restart() {
      await child.stop();
      child = await launch();
    },
    async start() {
      child = await launch();
    },
    pause: () => void child.process.kill('SIGSTOP'),
    resume: () => void child.process.kill('SIGCONT'),
  };
}
