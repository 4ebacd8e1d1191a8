/**
 * A private PostgreSQL 15 (Debian's `postgresql`) on a free loopback port, for one test file.
 *
 * `initdb` makes a fresh cluster in a temporary folder of its own, with the superuser `pollen` /
 * `pollen-test` and password (SCRAM) authentication on TCP and on the Unix socket, so that a wrong
 * password is refused as in production. The server runs in the foreground (`postgres -D …`), with
 * fsync and full_page_writes off because a test server never needs to survive a machine crash, and
 * initdb plus start take about a second. synchronous_commit stays on: a commit is then written to the
 * kernel before it is acknowledged, so a killed server (SIGKILL) recovers every acknowledged commit, as
 * production would; off, the last ~200 ms of commits are lost with the server's memory.
 *
 * initdb and postgres refuse to run as root: when the tests do (CI does), both run as the `postgres`
 * system user the Debian package creates (through setpriv, which execs, so the child is the postmaster
 * itself), and the folder is theirs. As any other user they run as that user.
 *
 * Lifetime: `stop` shuts the server down and keeps its data, `start` brings it back on the same port
 * with the same data (PostgreSQL went away and came back). `destroy` stops it for good and removes the
 * folder; call it in `afterAll`. A test process that exits without `destroy` still removes the folder.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { type Child, requireProgram, startChild } from './child';
import { freePort } from './free-port';

const BIN = '/usr/lib/postgresql/15/bin';
const SETPRIV = '/usr/bin/setpriv';
const USER = 'pollen';
const PASSWORD = 'pollen-test';

export interface PostgresServer {
  readonly port: number;
  /** The superuser every URL logs in as. */
  readonly user: string;
  readonly password: string;
  /** The temporary folder holding `data/` (the cluster) and `sockets/`; gone after `destroy`. */
  readonly directory: string;
  /** `postgresql://pollen:pollen-test@127.0.0.1:<port>/<database>`; `postgres` by default. */
  url(database?: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Fast shutdown (open sessions are ended); the data stays for `start`. */
  stop(): Promise<void>;
  /**
   * SIGKILL to the postmaster and every process it forked (a crashed or OOM-killed server): nothing is
   * shut down cleanly, and `start` then runs crash recovery.
   */
  kill(): Promise<void>;
  /** Starts it again after `stop` or `kill`, on the same port and data. */
  start(): Promise<void>;
  /** `stop`, then removes the data and socket folder. The server cannot be started again. */
  destroy(): Promise<void>;
  /**
   * SIGSTOP to the postmaster and every process it forked: open sessions stop answering and new
   * connections hang, while their sockets stay open (a wedged server, or a network black hole).
   */
  pause(): void;
  /** SIGCONT after `pause`. */
  resume(): void;
  /** What initdb and every run of the server logged so far. */
  log(): string;
}

/** `settings`: extra server settings (`-c name=value`), e.g. `{ max_connections: '20' }`. */
export async function startPostgres(options: { settings?: Record<string, string> } = {}): Promise<PostgresServer> {
  requireProgram(join(BIN, 'postgres'), 'postgresql');
  requireProgram(join(BIN, 'initdb'), 'postgresql');
  const owner = process.getuid?.() === 0 ? postgresUser() : null;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pollen-pg-'));
  leftovers.add(dir);
  const data = join(dir, 'data');
  const sockets = join(dir, 'sockets');
  mkdirSync(sockets);
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (owner) for (const path of [dir, sockets, passwordFile]) chownSync(path, owner.uid, owner.gid);

  // Commands run in the folder: as root, the postgres user may not be allowed into the test's cwd.
  const command = (program: string, args: string[]): [string, string[]] =>
    owner ? [SETPRIV, ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', join(BIN, program), ...args]] : [join(BIN, program), args];

  let earlier = '';
  try {
    const [initdb, initdbArgs] = command('initdb', [
      '-D', data, '-U', USER, `--pwfile=${passwordFile}`, '--auth=scram-sha-256',
      '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions',
    ]);
    const { stdout, stderr } = await promisify(execFile)(initdb, initdbArgs, { cwd: dir });
    earlier = stdout + stderr;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    leftovers.delete(dir);
    const output = err instanceof Error && 'stderr' in err ? String(err.stderr) : '';
    const who = owner ? `, run as the postgres user, which must be able to reach ${dir}` : '';
    throw new Error(`initdb failed${who}: ${String(err)}\n${output}`);
  } finally {
    rmSync(passwordFile, { force: true });
  }

  const settings = {
    listen_addresses: '127.0.0.1',
    fsync: 'off',
    full_page_writes: 'off',
    shared_buffers: '16MB',
    ...options.settings,
  };
  const serverArgs = ['-D', data, '-p', String(port), '-k', sockets, ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
  let child: Child | null = null;
  /** What `pause` stopped, postmaster last, for `resume` to wake. */
  let stopped: number[] = [];
  let destroyed = false;

  const launch = async (): Promise<void> => {
    if (destroyed) throw new Error('this PostgreSQL was destroyed');
    if (child) throw new Error('this PostgreSQL is running already: stop or kill it first');
    const [program, args] = command('postgres', serverArgs);
    const next = startChild(program, args, { cwd: dir });
    child = next;
    try {
      await next.waitFor(/database system is ready to accept connections/, 15_000);
    } catch (err) {
      await next.stop();
      earlier += next.output();
      child = null;
      throw err;
    }
  };
  const resume = (): void => {
    for (const pid of stopped) signal(pid, 'SIGCONT');
    stopped = [];
  };
  const stop = async (): Promise<void> => {
    if (!child) return;
    resume();
    // SIGINT is PostgreSQL's fast shutdown; child.stop's SIGTERM (smart: wait for every session to
    // leave) then changes nothing, and its SIGKILL after 10 s remains the last resort.
    child.process.kill('SIGINT');
    await child.stop();
    earlier += child.output();
    child = null;
  };
  resumers.add(resume);

  try {
    await launch();
  } catch (err) {
    resumers.delete(resume);
    rmSync(dir, { recursive: true, force: true });
    leftovers.delete(dir);
    throw new Error(`PostgreSQL did not start: ${String(err)}\n${earlier.slice(-4000)}`);
  }

  const url = (database = 'postgres'): string => `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  return {
    port,
    user: USER,
    password: PASSWORD,
    directory: dir,
    url,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    stop,
    async kill() {
      if (!child) return;
      // Stopped first, so that it forks nothing unseen; its children must die too, or the next start
      // finds the old shared memory still in use.
      const postmaster = child.process.pid!;
      signal(postmaster, 'SIGSTOP');
      for (const pid of [postmaster, ...forkedBy(postmaster)]) signal(pid, 'SIGKILL');
      stopped = [];
      await child.stop();
      earlier += child.output();
      child = null;
    },
    start: launch,
    async destroy() {
      await stop();
      destroyed = true;
      resumers.delete(resume);
      rmSync(dir, { recursive: true, force: true });
      leftovers.delete(dir);
    },
    pause() {
      if (!child || stopped.length > 0) return;
      // The postmaster first, so that it forks nothing while its children are being stopped. Each child
      // is the leader of its own session (PostgreSQL calls setsid), so one signal to a group cannot do it.
      const postmaster = child.process.pid!;
      signal(postmaster, 'SIGSTOP');
      const children = forkedBy(postmaster);
      for (const pid of children) signal(pid, 'SIGSTOP');
      stopped = [...children, postmaster];
    },
    resume,
    log: () => earlier + (child?.output() ?? ''),
  };
}

/** Folders not destroyed yet, and the `resume` of every server, for when the test process exits. */
const leftovers = new Set<string>();
const resumers = new Set<() => void>();
process.on('exit', () => {
  // child.ts kills the postmasters; children left stopped would never see it go, and never exit.
  for (const resume of resumers) resume();
  for (const dir of leftovers) rmSync(dir, { recursive: true, force: true });
});

function postgresUser(): { uid: number; gid: number } {
  requireProgram(SETPRIV, 'util-linux');
  try {
    const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error("the tests run as root, and PostgreSQL refuses root: they run it as the 'postgres' user, which is missing (install it with 'apt-get install -y postgresql')");
  }
}

function forkedBy(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter((line) => line.trim() !== '').map(Number);
  } catch {
    return []; // pgrep exits 1 when there is none
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // gone already (a backend whose session ended)
  }
}
