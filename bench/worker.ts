/**
 * Tasks per second of a worker draining a pre-filled queue of no-op tasks (`tasks.add(1, 2)`) from a real
 * redis-server: Pollen's TS worker (`pollen worker`, test/fixtures/ts-worker/bench-tasks.ts) next to a
 * Python Celery 5.2 prefork worker with concurrency 1, measured in the same run, both pinned to CPU 0
 * (`taskset -c 0`, when the machine has taskset; Redis goes to CPU 1).
 *
 * Each run: FLUSHALL, LPUSH N messages to queue `bench`, start the worker, and time from the first
 * message taken until the queue is drained and kombu's `unacked` hash is empty (results off: the
 * messages carry `ignore_result: true`, honoured by both workers) or until N results are stored (results
 * on). The worker's own CPU time (all its processes) over that window is reported with it.
 *
 * Fairness: both run Celery's defaults otherwise: no task events (the TS worker gets
 * --without-task-events; Python runs without -E), no STARTED state (the bench app turns Pollen's
 * trackStarted off), prefetch multiplier 4. TS concurrency is how many async runs overlap: for a no-op it
 * only decides how many acks/result writes are in flight at once (prefetch = 4 x concurrency), so several
 * values are measured. `EVENTS=on` adds a TS run with task events, for their cost.
 *
 *   npm run bench -- worker     TS_TASKS=20000 PY_TASKS=5000 TS_CONCURRENCY=1,10,100 RESULTS=off,on EVENTS=off
 */
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { encodeRedisEnvelope, encodeTaskMessage, newTaskMessage } from '@/lib/celery';
import { type Child, startChild, which } from '@/test/harness/child';
import { startRedis } from '@/test/harness/redis-server';
import { pinTo, REPO_ROOT, tsWorkerArgs } from '@/test/harness/ts-worker';

const TS_TASKS = Number(process.env['TS_TASKS'] ?? 20_000);
const PY_TASKS = Number(process.env['PY_TASKS'] ?? 5_000);
const TS_CONCURRENCY = (process.env['TS_CONCURRENCY'] ?? '1,10,100').split(',').map(Number);
const RESULTS = (process.env['RESULTS'] ?? 'off,on').split(',').map((r) => r === 'on');
const EVENTS = process.env['EVENTS'] === 'on';
const QUEUE = 'bench';
const APP = 'test/fixtures/ts-worker/bench-tasks.ts';
const PYTHON_DIR = fileURLToPath(new URL('../test/python/', import.meta.url));
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

const redis = await startRedis();
const client = new Redis(redis.url(0));
const backend = new Redis(redis.url(1));
const pin = pinTo('0');
if (which('taskset')) {
  const info = await client.info('server');
  const pid = /process_id:(\d+)/.exec(info)?.[1];
  if (pid) execFileSync('taskset', ['-pc', '1', pid], { stdio: 'ignore' });
}

/** The process and its descendants (/proc/<pid>/task/<tid>/children). */
function processTree(pid: number): number[] {
  const pids = [pid];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      for (const child of children ? children.split(' ') : []) pids.push(...processTree(Number(child)));
    }
  } catch {
    // The process is gone.
  }
  return pids;
}

/** utime + stime of a process and all its descendants, in seconds. */
function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Gone.
    }
  }
  return ticks / CLOCK_TICKS;
}

/** Resident memory of a process and its descendants, MiB. */
function rssMiB(pid: number): number {
  let kb = 0;
  for (const p of processTree(pid)) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // Gone.
    }
  }
  return Math.round(kb / 1024);
}

async function prefill(n: number, results: boolean): Promise<void> {
  await client.flushall();
  for (let i = 0; i < n; i += 1000) {
    const batch = client.pipeline();
    for (let j = i; j < Math.min(n, i + 1000); j++) {
      const task = newTaskMessage({ id: crypto.randomUUID(), name: 'tasks.add', args: [1, 2], ignoreResult: !results, origin: 'bench@pollen', lang: 'py' });
      batch.lpush(QUEUE, encodeRedisEnvelope(encodeTaskMessage(task), { exchange: '', routingKey: QUEUE }));
    }
    await batch.exec();
  }
}

interface Figures {
  readonly rate: number;
  readonly seconds: number;
  readonly tasks: number;
  readonly cpu: number;
  readonly rss: number;
}

/** Starts the worker on a full queue and times the drain. */
async function drain(n: number, results: boolean, start: () => Child): Promise<Figures> {
  await prefill(n, results);
  const worker = start();
  const pid = worker.process.pid as number;
  const deadline = Date.now() + 300_000;
  let t0 = 0;
  let left0 = n;
  let cpu0 = 0;
  let rss = 0;
  for (;;) {
    if (worker.process.exitCode !== null) throw new Error(`the worker exited:\n${worker.output().slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`not drained in time:\n${worker.output().slice(-3000)}`);
    const [waiting, unacked] = await Promise.all([client.llen(QUEUE), client.hlen('unacked')]);
    const done = results ? (await backend.dbsize()) >= n : waiting === 0 && unacked === 0;
    if (t0 === 0 && waiting < n) {
      t0 = performance.now();
      left0 = waiting;
      cpu0 = cpuSeconds(pid);
    }
    if (t0 !== 0 && done) break;
    rss = Math.max(rss, rssMiB(pid));
    await new Promise((r) => setTimeout(r, 10));
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  await worker.stop();
  return { rate: left0 / seconds, seconds, tasks: left0, cpu: cpu / seconds, rss };
}

function tsWorker(concurrency: number, events: boolean): () => Child {
  return () => {
    const args = tsWorkerArgs(
      { app: APP, broker: redis.url(0), backend: redis.url(1), queues: [QUEUE], concurrency, args: events ? [] : ['--without-task-events'] },
      `bench${concurrency}@pollen`,
    );
    const [command, ...rest] = [...pin, process.execPath, ...args];
    return startChild(command as string, rest, { cwd: REPO_ROOT, env: { ...process.env, LOG_LEVEL: 'warn' } });
  };
}

function pythonWorker(): Child {
  const args = ['-m', 'celery', '-A', 'tasks', 'worker', '--loglevel', 'WARNING', '-P', 'prefork', '-c', '1', '-n', 'benchpy@pollen', '-Q', QUEUE, '--without-gossip', '--without-mingle', '--without-heartbeat'];
  const [command, ...rest] = [...pin, '/usr/bin/python3', ...args];
  return startChild(command as string, rest, {
    cwd: PYTHON_DIR,
    env: { ...process.env, PYTHONPATH: PYTHON_DIR, POLLEN_TEST_BROKER: redis.url(0), POLLEN_TEST_BACKEND: redis.url(1), PYTHONUNBUFFERED: '1' },
  });
}

function line(label: string, f: Figures): void {
  console.log(
    `${label.padEnd(44)} ${Math.round(f.rate).toLocaleString('en-US').padStart(7)} tasks/s  (${f.tasks.toLocaleString('en-US')} in ${f.seconds.toFixed(2)} s, ` +
      `worker CPU ${(f.cpu * 100).toFixed(0)} % of a core, peak RSS ${f.rss} MiB)`,
  );
}

console.log(`no-op tasks drained from a pre-filled Redis queue; workers pinned to CPU 0: ${pin.length > 0 ? 'yes' : 'no (no taskset)'}`);
try {
  for (const results of RESULTS) {
    const label = results ? 'results on' : 'results off';
    for (const concurrency of TS_CONCURRENCY) line(`TS worker, concurrency ${concurrency}, ${label}`, await drain(TS_TASKS, results, tsWorker(concurrency, false)));
    if (EVENTS) {
      const concurrency = TS_CONCURRENCY.at(-1) as number;
      line(`TS worker, concurrency ${concurrency}, ${label}, events`, await drain(TS_TASKS, results, tsWorker(concurrency, true)));
    }
    line(`Python prefork -c 1, ${label}`, await drain(PY_TASKS, results, pythonWorker));
  }
} finally {
  client.disconnect();
  backend.disconnect();
  await redis.stop();
}
