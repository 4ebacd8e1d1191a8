/** A real Python Celery worker (Debian's python3-celery) running test/python/tasks.py. */
import { fileURLToPath } from 'node:url';
import { requireProgram, startChild, type Child } from './child';

const PYTHON = '/usr/bin/python3';
export const PYTHON_DIR = fileURLToPath(new URL('../python/', import.meta.url));

export interface CeleryWorkerOptions {
  readonly broker: string;
  readonly backend: string;
  readonly queues?: readonly string[];
  readonly nodename?: string;
  readonly pool?: 'solo' | 'prefork';
  readonly concurrency?: number;
  readonly events?: boolean;
  /** Start it as a process-group leader, so `process.kill(-pid)` reaches its pool children too. */
  readonly detached?: boolean;
  /** Celery's `result_extended`: the backend keeps each task's name, args, kwargs, queue and worker. */
  readonly resultExtended?: boolean;
}

/** Runs a Python script that imports test/python/tasks.py, with the broker and backend set, and returns its stdout. */
export async function runPython(script: string, options: { broker: string; backend: string; args?: string[]; timeoutMs?: number }): Promise<string> {
  requireProgram(PYTHON, 'python3');
  const child = startChild(PYTHON, [script, ...(options.args ?? [])], {
    cwd: PYTHON_DIR,
    env: { ...process.env, PYTHONPATH: PYTHON_DIR, POLLEN_TEST_BROKER: options.broker, POLLEN_TEST_BACKEND: options.backend, PYTHONUNBUFFERED: '1' },
  });
  const exited = new Promise<number | null>((resolve) => child.process.once('exit', (code) => resolve(code)));
  const timer = setTimeout(() => void child.stop(), options.timeoutMs ?? 60_000);
  const code = await exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${script} failed (exit ${code}):\n${child.output().slice(-4000)}`);
  return child.output();
}

export async function startCeleryWorker(options: CeleryWorkerOptions): Promise<Child> {
  requireProgram(PYTHON, 'python3');
  const args = [
    '-m', 'celery', '-A', 'tasks', 'worker',
    '--loglevel', 'INFO',
    '-P', options.pool ?? 'solo',
    '-c', String(options.concurrency ?? 1),
    '-n', options.nodename ?? `pytest-${process.pid}@pollen`,
    '-Q', (options.queues ?? ['celery']).join(','),
    '--without-gossip', '--without-mingle',
  ];
  if (options.events) args.push('-E');
  const child = startChild(PYTHON, args, {
    detached: options.detached ?? false,
    cwd: PYTHON_DIR,
    env: {
      ...process.env, PYTHONPATH: PYTHON_DIR, POLLEN_TEST_BROKER: options.broker, POLLEN_TEST_BACKEND: options.backend, PYTHONUNBUFFERED: '1',
      POLLEN_TEST_RESULT_EXTENDED: options.resultExtended ? '1' : '0',
    },
  });
  try {
    await child.waitFor(/ready\./, 30_000);
  } catch (err) {
    await child.stop();
    if (/No module named ['"]?celery/.test(child.output())) {
      throw new Error("Python Celery is missing: install it with 'apt-get install -y python3-celery python3-redis'");
    }
    throw err;
  }
  return child;
}
