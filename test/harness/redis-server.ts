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
  /** What the server logged so far. */
  log(): string;
}

export async function startRedis(): Promise<RedisServer> {
  requireProgram('/usr/bin/redis-server', 'redis-server');
  const port = await freePort();
  const launch = async () => {
    const child = startChild('/usr/bin/redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'notice',
    ]);
    await child.waitFor(/Ready to accept connections/, 15_000);
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
  };
}
