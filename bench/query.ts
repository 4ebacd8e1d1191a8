/**
 * Query speed as a user meets it: HTTP requests to a Pollen server (startServer, dashboard off, on a real
 * redis-server) holding TASKS (1 000 000) tasks, with events still arriving through the broker at
 * ARRIVALS (5 000) task events/s during the measurement. Prints, does not assert: p50 / p95 of RUNS (5)
 * runs of each request beside the issue's targets.
 *
 * The data (event-stream.ts): 200 task names, 50 workers, 8 queues (the producer's task-sent carries the
 * queue), 5 % failures with a traceback, args up to 200 characters, one task in five a child of an earlier
 * one, every task unique. The fill goes through the collector in-process (rendered Redis envelopes →
 * Collector.ingest, task.multi batches of 24, receipt times spread as if the tasks had come over
 * TASKS / FILL_RATE seconds) so that 1 M tasks take a minute or two; then ingest-publisher.ts keeps
 * events (and 50 workers' heartbeats) arriving over Redis while requests are timed, one at a time, over
 * a keep-alive connection.
 *
 *   npm run bench -- query                  TASKS=1000000 RUNS=5 CURSOR_RUNS=3 ARRIVALS=5000 FULL=0 BUILD_WAIT_MS=10000
 *   TASKS=100000 npm run bench -- query     a quick run
 * FULL=1 times every filter under every sort and order (otherwise: each filter under the default sort,
 * and each sort and order unfiltered). The first page that reads each index (which builds it) is printed
 * apart, before the timed runs.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { decodeRedisEnvelope } from '@/lib/celery';
import { createLogger } from '@/lib/runtime/logger';
import { parseConfig } from '@/server/config';
import { startServer } from '@/server/http/create-server';
import { freePort } from '@/test/harness/free-port';
import { startRedis } from '@/test/harness/redis-server';
import { EventStream, RARE_WORD, type StreamShape, queueName, taskName, workerName } from './event-stream';

const TASKS = Number(process.env['TASKS'] ?? 1_000_000);
const RUNS = Number(process.env['RUNS'] ?? 5);
const ARRIVALS = Number(process.env['ARRIVALS'] ?? 5000);
const FILL_RATE = Number(process.env['FILL_RATE'] ?? 2000);
const FULL = process.env['FULL'] === '1';
const CURSOR_RUNS = Number(process.env['CURSOR_RUNS'] ?? 3);
/** How long to let the index builds the first pages start run before the timed runs (milliseconds). */
const BUILD_WAIT_MS = Number(process.env['BUILD_WAIT_MS'] ?? 10_000);
const SHAPE: StreamShape = { batch: 24, workers: 50, taskNames: 200, queues: 8, failRatio: 0.05, sent: true, argsMax: 200, poolTasks: 10_000 };
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const redis = await startRedis();
const port = await freePort();
const parsed = parseConfig({ port, address: '127.0.0.1', dev: false, broker: redis.url(0), maxTasks: TASKS, enableEvents: false, unauthenticatedApi: true, db: 'memory' });
if (!parsed.ok) throw new Error(parsed.errors.join('; '));
const server = await startServer(parsed.config, createLogger('warn'), { dashboard: false });
const { store, collector } = server.context;
if (!collector) throw new Error('no collector');
console.log(`query: ${TASKS.toLocaleString('en-US')} tasks, ${RUNS} runs a request, ${ARRIVALS} events/s arriving; load average ${loadavg()}`);

// The fill: the same messages a prefork worker's task.multi would carry, through the collector.
gc();
const heldMemory = (): number => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
const heapBefore = heldMemory();
const fillStarted = performance.now();
const fill = new EventStream(SHAPE);
const start = Date.now() / 1000 - TASKS / FILL_RATE;
for (let events = 0; store.taskCount < TASKS; ) {
  const at = start + events / 3 / FILL_RATE;
  const m = fill.nextMessage(at);
  const envelope = decodeRedisEnvelope(m.envelope);
  if (!envelope.ok) throw new Error(envelope.error.message);
  collector.ingest(envelope.value, at * 1000);
  events += m.events;
}
const fillSeconds = (performance.now() - fillStarted) / 1000;
gc();
const heapPerTask = (heldMemory() - heapBefore) / store.taskCount;
console.log(
  `filled ${store.taskCount.toLocaleString('en-US')} tasks in ${fillSeconds.toFixed(0)} s; heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB, ` +
    `${heapPerTask.toFixed(0)} bytes per retained task (the server's heap and typed-array growth over the fill / tasks held: model, metrics, everything); load average ${loadavg()}`,
);

// Events keep arriving over Redis, from another process.
const publisher = spawn(process.execPath, ['--import', 'tsx', new URL('./ingest-publisher.ts', import.meta.url).pathname, redis.url(0), String(ARRIVALS), '0', 'single', JSON.stringify(SHAPE)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let publisherOutput = '';
publisher.stdout.on('data', (chunk: Buffer) => (publisherOutput += chunk.toString()));
const appliedBefore = collector.health.snapshot(Date.now()).eventsTotal;
await new Promise((r) => setTimeout(r, 3000));

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const base = `http://127.0.0.1:${port}`;
function get(path: string): Promise<{ ms: number; status: number; body: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    request(`${base}${path}`, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    })
      .on('error', reject)
      .end();
  });
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
const results: { label: string; p50: number; p95: number; target: number; errors: string }[] = [];
function record(label: string, times: number[], target: number, errors: string[]): void {
  const sorted = [...times].sort((a, b) => a - b);
  const row = { label, p50: percentile(sorted, 50), p95: percentile(sorted, 95), target, errors: [...new Set(errors)].join('; ') };
  results.push(row);
  console.log(`${label.padEnd(78)} p50 ${row.p50.toFixed(1).padStart(8)} ms  p95 ${row.p95.toFixed(1).padStart(8)} ms  target ${String(target).padStart(3)} ms  ${row.p95 <= target ? 'meets' : 'MISSES'}${row.errors ? `  (${row.errors})` : ''}`);
}
async function time(label: string, path: string | (() => string), target: number): Promise<void> {
  const times: number[] = [];
  const errors: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await get(typeof path === 'string' ? path : path());
    times.push(r.ms);
    if (r.status !== 200) errors.push(`${r.status} ${r.body.slice(0, 120)}`);
  }
  record(label, times, target, errors);
}

// The received range: a tenth of the fill near its end (arrivals evict the fill's oldest tasks meanwhile).
const span = TASKS / FILL_RATE;
const FILTERS: [string, string][] = [
  ['no filter', ''],
  ['state=FAILURE', '&state=FAILURE'],
  ['name', `&name=${taskName(17)}`],
  ['worker', `&worker=${encodeURIComponent(workerName(7))}`],
  ['queue', `&queue=${queueName(3)}`],
  ['received range (a tenth)', `&received_after=${(start + span * 0.85).toFixed(3)}&received_before=${(start + span * 0.95).toFixed(3)}`],
];
const SORTS = ['arrival', 'received', 'started', 'succeeded', 'runtime'];

// Key lists, orders and search signatures are built by the first page that reads them, then kept while
// read (task-index.ts): those first pages, once each, apart from the timed runs below. Meanwhile they
// answer without the index being built.
console.log('\nthe first page that reads each index, which starts building it (not timed against a target)');
for (const [label, path] of [
  ['state=FAILURE: the state lists', '/api/v1/tasks?limit=50&state=FAILURE'],
  ['name: the name lists', `/api/v1/tasks?limit=50&name=${taskName(17)}`],
  ['worker: the worker lists', `/api/v1/tasks?limit=50&worker=${encodeURIComponent(workerName(7))}`],
  ['queue: the queue lists', `/api/v1/tasks?limit=50&queue=${queueName(3)}`],
  ['sort=runtime: the four orders', '/api/v1/tasks?limit=50&sort=runtime&order=desc'],
  [`search=${RARE_WORD}: every search signature`, `/api/v1/tasks?limit=50&search=${RARE_WORD}`],
] as const) {
  const r = await get(path);
  console.log(`${label.padEnd(78)} ${r.ms.toFixed(1).padStart(8)} ms${r.status === 200 ? '' : `  (${r.status} ${r.body.slice(0, 120)})`}`);
}
// A big model builds them in slices between events (arrival-build.ts): give the slices time to finish.
await new Promise((r) => setTimeout(r, BUILD_WAIT_MS));

console.log('\nfirst page, GET /api/v1/tasks?limit=…');
for (const limit of [50, 100]) {
  for (const [name, filter] of FILTERS) {
    for (const sort of FULL || name === 'no filter' ? SORTS : ['arrival']) {
      for (const order of FULL || name === 'no filter' ? ['desc', 'asc'] : ['desc']) {
        await time(`limit=${limit} ${name}, sort=${sort}&order=${order}`, `/api/v1/tasks?limit=${limit}${filter}&sort=${sort}&order=${order}`, 50);
      }
    }
  }
}

console.log('\nthe next 20 pages by cursor, GET /api/v1/tasks?limit=50&cursor=… (sort=arrival desc, then sort=runtime desc)');
for (const sort of ['arrival', 'runtime']) {
  const pages: number[][] = Array.from({ length: 20 }, () => []);
  const errors: string[][] = Array.from({ length: 20 }, () => []);
  for (let run = 0; run < CURSOR_RUNS; run++) {
    let cursor = (JSON.parse((await get(`/api/v1/tasks?limit=50&sort=${sort}&order=desc`)).body) as { next_cursor: string | null }).next_cursor;
    for (let p = 0; p < 20 && cursor !== null; p++) {
      const r = await get(`/api/v1/tasks?limit=50&sort=${sort}&order=desc&cursor=${encodeURIComponent(cursor)}`);
      pages[p]?.push(r.ms);
      if (r.status !== 200) {
        errors[p]?.push(`${r.status} ${r.body.slice(0, 120)}`);
        break;
      }
      cursor = (JSON.parse(r.body) as { next_cursor: string | null }).next_cursor;
    }
  }
  pages.forEach((times, p) => times.length > 0 && record(`sort=${sort} desc, page ${p + 2}`, times, 50, errors[p] ?? []));
}

console.log('\nsearch, Flower, a task, task types');
await time(`search=${RARE_WORD} (in 0.1 % of args), limit=50`, `/api/v1/tasks?limit=50&search=${RARE_WORD}`, 300);
await time(`search=args:${RARE_WORD}, limit=50`, `/api/v1/tasks?limit=50&search=args:${RARE_WORD}`, 300);
// A word most args hold: the page fills at once, but the total must match each task the signatures let through.
await time('search=invoice (in most args), limit=50', '/api/v1/tasks?limit=50&search=invoice', 300);
await time(`Flower /api/tasks?offset=${TASKS / 2}&limit=100`, `/api/tasks?offset=${TASKS / 2}&limit=100`, 100);
await time('Flower /api/tasks?limit=100', '/api/tasks?limit=100', 100);
// Tasks with children: the parents of children among the newest tasks (older ones may be evicted by now).
const page = JSON.parse((await get('/api/v1/tasks?limit=200')).body) as { tasks: { parent_id: string | null }[] };
const parents = page.tasks.map((t) => t.parent_id).filter((id): id is string => id !== null);
let next = 0;
await time(`/api/v1/tasks/:id (a task with children, parent and root)`, () => `/api/v1/tasks/${parents[next++ % Math.max(1, parents.length)] ?? 'none'}`, 5);
await time('/api/task/types', '/api/task/types', 20);

publisher.kill('SIGTERM');
await new Promise((r) => publisher.once('exit', r));
const published = (JSON.parse(publisherOutput.trim().split('\n').pop() ?? '{"published":0}') as { published: number }).published;
await new Promise((r) => setTimeout(r, 1000));
const applied = collector.health.snapshot(Date.now()).eventsTotal - appliedBefore;
const met = results.filter((r) => r.p95 <= r.target).length;
console.log(
  `\n${met} of ${results.length} requests meet their target (p95). During the measurement: ${published.toLocaleString('en-US')} events published, ${applied.toLocaleString('en-US')} applied ` +
    `(${published > 0 ? ((1 - applied / published) * 100).toFixed(2) : '0'} % not applied); ${store.taskCount.toLocaleString('en-US')} tasks held; load average ${loadavg()}`,
);
agent.destroy();
await server.close();
await redis.stop();
