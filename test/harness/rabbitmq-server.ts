/**
 * A private RabbitMQ node on free loopback ports, for one test file. Started the way shared/STACK.md
 * describes for root without systemd: the real script in /usr/lib/rabbitmq/bin with a private HOME
 * (Erlang cookie), data and log directories, so that it never touches a system node.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { requireProgram, startChild } from './child';
import { freePort } from './free-port';

const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

export interface RabbitServer {
  readonly port: number;
  /** The amqps:// port when started with `tls`, else 0. */
  readonly tlsPort: number;
  /** With `management`: its API, `http://guest:guest@127.0.0.1:<port>/api/` (what --broker-api takes); else null. */
  readonly managementUrl: string | null;
  /** `amqp://guest:guest@127.0.0.1:<port>/<vhost>` */
  url(vhost?: string): string;
  stop(): Promise<void>;
  /** Stops the node and starts it again on the same port and data. */
  restart(): Promise<void>;
  /** Stops the node, keeping its data, until `start`: a broker outage of the test's length. */
  halt(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP to the Erlang VM: the node stops answering, its connections stay open. */
  pause(): void;
  /** SIGCONT after `pause`. */
  resume(): void;
}

/**
 * `defaultVhost`: the node creates this virtual host (with guest's rights) on first boot.
 * `tls`: PEM files; the node then also listens for amqps:// on `tlsPort`.
 * `management`: the rabbitmq_management plugin (shipped in the Debian package) on a free port, its queue
 * statistics refreshed every 500 ms instead of every 5 s so that tests see counts move quickly.
 */
export async function startRabbit(options: { defaultVhost?: string; tls?: { cert: string; key: string }; management?: boolean } = {}): Promise<RabbitServer> {
  requireProgram(SERVER, 'rabbitmq-server');
  const port = await freePort();
  const distPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pollen-rabbit-'));
  for (const sub of ['home', 'mnesia', 'log']) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, 'enabled_plugins'), options.management ? '[rabbitmq_management].' : '[].');
  const vhost = options.defaultVhost ? `default_vhost = ${options.defaultVhost}\n` : '';
  const tlsPort = options.tls ? await freePort() : 0;
  const tls = options.tls
    ? `listeners.ssl.default = 127.0.0.1:${tlsPort}\nssl_options.cacertfile = ${options.tls.cert}\nssl_options.certfile = ${options.tls.cert}\nssl_options.keyfile = ${options.tls.key}\nssl_options.verify = verify_none\nssl_options.fail_if_no_peer_cert = false\n`
    : '';
  const managementPort = options.management ? await freePort() : 0;
  const management = options.management
    ? `management.tcp.port = ${managementPort}\nmanagement.tcp.ip = 127.0.0.1\ncollect_statistics_interval = 500\n`
    : '';
  writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${port}\nloopback_users = none\n${vhost}${tls}${management}`);
  writeFileSync(join(dir, 'advanced.config'), '[].');
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
  const nodename = `pollen${process.pid}${port}@localhost`;
  const env = {
      ...process.env,
      HOME: join(dir, 'home'),
      RABBITMQ_NODENAME: nodename,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(port),
      RABBITMQ_DIST_PORT: String(distPort),
      ERL_EPMD_ADDRESS: '127.0.0.1',
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_PID_FILE: join(dir, 'rabbit.pid'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
      RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
      RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
  const url = (vhost = options.defaultVhost ?? '/') => `amqp://guest:guest@127.0.0.1:${port}/${encodeURIComponent(vhost)}`;
  let child = startChild(SERVER, [], { env });
  const stop = async (): Promise<void> => {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const managementUrl = options.management ? `http://guest:guest@127.0.0.1:${managementPort}/api/` : null;
  // Ready means an AMQP client can connect (about 8 s on this machine), and the management API answers.
  const ready = async (): Promise<void> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const connection = await amqp.connect(url());
        await connection.close();
        if (managementPort !== 0) {
          const overview = await fetch(`http://127.0.0.1:${managementPort}/api/overview`, { headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` } });
          if (!overview.ok) throw new Error(`management API: HTTP ${overview.status}`);
        }
        return;
      } catch (err) {
        if (child.process.exitCode !== null || Date.now() > deadline) {
          const output = child.output();
          await stop();
          throw new Error(`RabbitMQ did not start: ${String(err)}\n${output.slice(-4000)}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };
  await ready();
  return {
    port,
    tlsPort,
    managementUrl,
    url,
    stop,
    async restart() {
      await child.stop();
      child = startChild(SERVER, [], { env });
      await ready();
    },
    halt: () => child.stop(),
    // The script waits on the VM as its child (it cannot exec it: it traps signals to stop the node).
    pause: () => signalChildren(child.process.pid, 'SIGSTOP'),
    resume: () => signalChildren(child.process.pid, 'SIGCONT'),
    async start() {
      child = startChild(SERVER, [], { env });
      await ready();
    },
  };
}

function signalChildren(pid: number | undefined, signal: NodeJS.Signals): void {
  const children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter((line) => line.trim() !== '');
  if (children.length === 0) throw new Error(`RabbitMQ (pid ${pid}) has no VM process to ${signal}`);
  for (const child of children) process.kill(Number(child), signal);
}
