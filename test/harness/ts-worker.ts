/**
 * Pollen's TypeScript worker (`pollen worker`, worker/cli/worker-command.ts) as a child process, started
 * exactly as users start it: `node server/cli/bin.mjs worker --app <module> --broker <url> ...`. Also the
 * Python side of interop tests that talk to it: scripts and the `celery` command line run against
 * test/python/tasks.py with the broker and backend in the environment (as test/harness/celery-worker.ts).
 */
import { fileURLToPath } from 'node:url';
import { type Child, requireProgram, startChild, which } from './child';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../server/cli/bin.mjs', import.meta.url));
const PYTHON = '/usr/bin/python3';
const PYTHON_DIR = fileURLToPath(new URL('../python/', import.meta.url));

/** The example tasks (examples.add, examples.fail, examples.flaky, examples.sleep, examples.progress, examples.tsum). */
export const EXAMPLE_APP = 'worker/examples/tasks.ts';

export interface TsWorkerOptions {
  readonly broker: string;
  /** Result backend URL; absent = no results. */
  readonly backend?: string | null;
  /** Module exporting the App, relative to the repository root; default the examples. */
  readonly app?: string;
  readonly queues?: readonly string[];
  readonly concurrency?: number;
  /** Node name; default a unique `ts<pid>-<n>@pollen`. */
  readonly hostname?: string;
  readonly prefetchMultiplier?: number;
  readonly heartbeatInterval?: number;
  /** More `pollen worker` flags. */
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** A command to run node under, e.g. `['taskset', '-c', '0']`. */
  readonly wrapper?: readonly string[];
  readonly readyTimeoutMs?: number;
}

export interface TsWorker extends Child {
  readonly hostname: string;
  /** Sends a signal without waiting (kill -9: `signal('SIGKILL')`). */
  signal(signal: NodeJS.Signals): void;
  /** Resolves with the exit code (or the signal name) once it has exited. */
  exited(): Promise<number | string | null>;
}

let started = 0;

export function tsWorkerArgs(options: TsWorkerOptions, hostname: string): string[] {
  const args = [BIN, 'worker', '--app', options.app ?? EXAMPLE_APP, '--broker', options.broker, '--hostname', hostname];
  if (options.backend) args.push('--result-backend', options.backend);
  if (options.queues) args.push('--queues', options.queues.join(','));
  if (options.concurrency !== undefined) args.push('--concurrency', String(options.concurrency));
  if (options.prefetchMultiplier !== undefined) args.push('--prefetch-multiplier', String(options.prefetchMultiplier));
  if (options.heartbeatInterval !== undefined) args.push('--heartbeat-interval', String(options.heartbeatInterval));
  args.push(...(options.args ?? []));
  return args;
}

/** Starts `pollen worker` and resolves once it logged `<hostname> ready.` (its pidbox and queues are live). */
export async function startTsWorker(options: TsWorkerOptions): Promise<TsWorker> {
  started += 1;
  const hostname = options.hostname ?? `ts${process.pid}-${started}@pollen`;
  const args = tsWorkerArgs(options, hostname);
  const [command, commandArgs] = options.wrapper && options.wrapper.length > 0
    ? [options.wrapper[0] as string, [...options.wrapper.slice(1), process.execPath, ...args]]
    : [process.execPath, args];
  const child = startChild(command, commandArgs, {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: process.env['POLLEN_TEST_WORKER_LOG_LEVEL'] ?? 'info', ...options.env },
  });
  const exit = new Promise<number | string | null>((resolve) => child.process.once('exit', (code, signal) => resolve(code ?? signal)));
  const worker: TsWorker = {
    ...child,
    hostname,
    signal: (signal) => void child.process.kill(signal),
    exited: () => exit,
  };
  try {
    await child.waitFor(new RegExp(`${escapeRegExp(hostname)} ready\\.`), options.readyTimeoutMs ?? 30_000);
  } catch (err) {
    await child.stop();
    throw err;
  }
  return worker;
}

/** Runs `pollen <args>` to its end (for flag errors and the like): exit code and everything it printed. */
export async function runPollen(args: readonly string[], options: { env?: Readonly<Record<string, string>>; timeoutMs?: number } = {}): Promise<{ code: number | null; output: string }> {
  const child = startChild(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...options.env } });
  const exited = new Promise<number | null>((resolve) => child.process.once('exit', (c) => resolve(c)));
  const timer = setTimeout(() => void child.stop(), options.timeoutMs ?? 30_000);
  const code = await exited;
  clearTimeout(timer);
  return { code, output: child.output() };
}

export interface PythonOptions {
  readonly broker: string;
  readonly backend: string;
  readonly timeoutMs?: number;
}

function pythonEnv(options: PythonOptions): NodeJS.ProcessEnv {
  return { ...process.env, PYTHONPATH: PYTHON_DIR, POLLEN_TEST_BROKER: options.broker, POLLEN_TEST_BACKEND: options.backend, PYTHONUNBUFFERED: '1' };
}

/** Starts `/usr/bin/python3 <args>` in test/python (for long-running scripts such as an event receiver). */
export function startPython(args: readonly string[], options: PythonOptions): Child {
  requireProgram(PYTHON, 'python3-celery');
  return startChild(PYTHON, [...args], { cwd: PYTHON_DIR, env: pythonEnv(options) });
}

/** Runs `/usr/bin/python3 <args>` in test/python to its end; exit code, stdout+stderr. Never throws on a non-zero exit. */
export async function runPythonArgs(args: readonly string[], options: PythonOptions): Promise<{ code: number | null; output: string }> {
  const child = startPython(args, options);
  const exited = new Promise<number | null>((resolve) => child.process.once('exit', (code) => resolve(code)));
  const timer = setTimeout(() => void child.stop(), options.timeoutMs ?? 60_000);
  const code = await exited;
  clearTimeout(timer);
  return { code, output: child.output() };
}

/** Runs a test/python script that prints one JSON document as its last line, and returns it parsed. */
export async function pythonJson<T = unknown>(script: string, args: readonly string[], options: PythonOptions): Promise<T> {
  const { code, output } = await runPythonArgs([script, ...args], options);
  const last = output.trim().split('\n').pop() ?? '';
  if (code !== 0) throw new Error(`${script} ${args.join(' ')} failed (exit ${code}):\n${output.slice(-4000)}`);
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`${script} did not end with a JSON line:\n${output.slice(-4000)}`);
  }
}

/** The real `celery` command line: `python3 -m celery -A tasks <args>` in test/python. */
export function celeryCli(args: readonly string[], options: PythonOptions): Promise<{ code: number | null; output: string }> {
  return runPythonArgs(['-m', 'celery', '-A', 'tasks', ...args], options);
}

/** `taskset -c <cpus>` when the machine has taskset, else nothing (for pinning a benchmarked process). */
export function pinTo(cpus: string): string[] {
  const taskset = which('taskset');
  return taskset ? [taskset, '-c', cpus] : [];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
