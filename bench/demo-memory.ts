/**
 * Memory of `pollen demo` over time (issue: "the demo runs for 10 minutes without memory growing past the
 * configured bounds"). Runs in this process what `pollen demo` runs (server/cli/main.ts): the server on
 * the in-process broker and result backend, with the dashboard, and the demo cluster (worker/demo) with
 * its traffic, for MINUTES of real time.
 *
 * After a 30 s warm-up and then every minute it forces GC and prints the heap after GC, RSS, memory
 * outside the heap, and each bounded part against its bound: tasks in the cluster model (--max-tasks,
 * MAX_TASKS, small enough for the cap to be reached within the run), keys in the memory result store
 * (bounded by the demo's result expiry, DEMO_RESULT_EXPIRES), messages waiting in
 * the memory broker (every list it holds, demo queues apart from the rest, such as pidbox replies),
 * the metrics' own byte accounting and the queue history. The summary compares the heap at minute 5
 * (or the middle of a shorter run) with the end: once the task cap is reached and results expire, the
 * heap should stay flat. It prints figures; it asserts nothing.
 *
 *   npm run bench -- demo-memory          MINUTES=10 MAX_TASKS=2000
 *
 * The first run may build the dashboard (next build, minutes). Logs at warn and above go to stderr.
 */
import { defaultMemoryStore } from '@/lib/backend';
import { defaultMemoryBroker } from '@/lib/broker/memory-transport';
import { createLogger } from '@/lib/runtime/logger';
import { parseConfig } from '@/server/config';
import { startServer } from '@/server/http/create-server';
import { MAX_QUEUES } from '@/server/queues/queue-history';
import { DEMO_RESULT_EXPIRES, startDemoCluster } from '@/worker/demo/demo-cluster';
import { DEMO_QUEUES } from '@/worker/demo/demo-queues';
import { freePort } from '@/test/harness/free-port';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.log('run with node --expose-gc (npm run bench -- demo-memory does)');
  process.exit(2);
}
const MINUTES = Number(process.env['MINUTES'] ?? 10);
const MAX_TASKS = Number(process.env['MAX_TASKS'] ?? 2000);
const WARM_UP_MS = 30_000;
/** The heap at this minute is the reference for growth: the task cap is reached and results expire by then. */
const REFERENCE_MINUTE = MINUTES >= 10 ? 5 : Math.max(0.5, Math.floor(MINUTES / 2));
const QUEUES: ReadonlySet<string> = new Set(Object.values(DEMO_QUEUES));

const MiB = 1048576;
const mib = (bytes: number): string => (bytes / MiB).toFixed(1);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function brokerFigures(): { demo: number; other: number; lists: number; biggestOther: string; bindings: number; listeners: number } {
  const { queues, bindings, listeners } = defaultMemoryBroker.holdings();
  let demo = 0;
  let other = 0;
  let biggest = { name: '-', length: 0 };
  for (const [name, length] of queues) {
    if (QUEUES.has(name)) {
      demo += length;
      continue;
    }
    other += length;
    if (length > biggest.length) biggest = { name, length };
  }
  return { demo, other, lists: queues.size, biggestOther: biggest.length > 0 ? `${biggest.name}: ${biggest.length}` : '-', bindings, listeners };
}

/** Heap after a full GC; twice, with a turn between, so that what the first one finalized is swept too. */
async function afterGc(): Promise<NodeJS.MemoryUsage> {
  gc?.();
  await new Promise((resolve) => setImmediate(resolve));
  gc?.();
  return process.memoryUsage();
}

const log = createLogger('warn');
process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));
const parsed = parseConfig({
  port: await freePort(), address: '127.0.0.1', dev: false, broker: 'memory://', resultBackend: 'memory://', unauthenticatedApi: true, maxTasks: MAX_TASKS, db: 'memory',
});
if (!parsed.ok) throw new Error(parsed.errors.join('; '));
const { config } = parsed;
console.log(`demo-memory: ${MINUTES} min of \`pollen demo\` in process, --max-tasks ${MAX_TASKS}, node ${process.version}`);
const startedServer = performance.now();
const server = await startServer(config, log);
console.log(`server up at ${server.url} in ${((performance.now() - startedServer) / 1000).toFixed(1)} s`);
const { store: state, metrics, queues } = server.context;
const cluster = await startDemoCluster({ broker: 'memory://', resultBackend: 'memory://', log });
const t0 = Date.now();
console.log(`demo cluster: ${cluster.workers.join(', ')}`);

interface Sample {
  readonly minute: number;
  readonly heap: number;
  readonly rss: number;
  readonly tasks: number;
  readonly keys: number;
  readonly queued: number;
}
const samples: Sample[] = [];
let maxTasksSeen = 0;
let maxKeys = 0;
let maxOther = 0;

console.log('  min  heap/GC MiB  rss MiB  ext(ab) MiB  tasks/max   evicted  workers  results keys (watched)  broker: demo queued, other queued [biggest] lists bindings listeners  sent');
async function sample(): Promise<void> {
  const memory = await afterGc();
  const minute = (Date.now() - t0) / 60_000;
  const broker = brokerFigures();
  const keys = defaultMemoryStore.size;
  samples.push({ minute, heap: memory.heapUsed, rss: memory.rss, tasks: state.taskCount, keys, queued: broker.demo + broker.other });
  maxTasksSeen = Math.max(maxTasksSeen, state.taskCount);
  maxKeys = Math.max(maxKeys, keys);
  maxOther = Math.max(maxOther, broker.other);
  console.log(
    `  ${minute.toFixed(1).padStart(4)}  ${mib(memory.heapUsed).padStart(11)}  ${mib(memory.rss).padStart(7)}  ${`${mib(memory.external)}(${mib(memory.arrayBuffers)})`.padStart(11)}` +
      `  ${`${state.taskCount}/${MAX_TASKS}`.padStart(9)}  ${String(state.evicted).padStart(8)}  ${String(state.workerCount).padStart(7)}` +
      `  ${`${keys} (${defaultMemoryStore.watchedChannels})`.padStart(22)}  ${broker.demo}, ${broker.other} [${broker.biggestOther}] ${broker.lists} ${broker.bindings} ${broker.listeners}` +
      `  ${cluster.traffic.count}`,
  );
}

await sleep(WARM_UP_MS);
await sample();
for (let minute = 1; minute <= MINUTES; minute++) {
  await sleep(Math.max(0, t0 + minute * 60_000 - Date.now()));
  await sample();
}

const last = samples[samples.length - 1] as Sample;
const reference = samples.reduce((best, s) => (Math.abs(s.minute - REFERENCE_MINUTE) < Math.abs(best.minute - REFERENCE_MINUTE) ? s : best));
const growth = last.heap - reference.heap;
const peakRss = process.resourceUsage().maxRSS * 1024;
const stats = metrics.stats();
console.log('\nsummary');
console.log(`  heap after GC: ${mib(reference.heap)} MiB at minute ${reference.minute.toFixed(1)}, ${mib(last.heap)} MiB at minute ${last.minute.toFixed(1)}: ` +
  `${growth >= 0 ? '+' : ''}${mib(growth)} MiB (${growth >= 0 ? '+' : ''}${((growth / reference.heap) * 100).toFixed(1)} %)`);
console.log(`  peak RSS: ${mib(peakRss)} MiB (process maximum; largest sampled ${mib(Math.max(...samples.map((s) => s.rss)))} MiB)`);
console.log(`  tasks in the cluster model: ${state.taskCount} at the end, at most ${maxTasksSeen} sampled, bound --max-tasks ${MAX_TASKS}; ${state.evicted} evicted; ${cluster.traffic.count} sent by the traffic`);
console.log(`  workers in the model: ${state.workerCount}, bound --max-workers ${config.maxWorkers}`);
console.log(`  result store: ${last.keys} keys at the end, ${reference.keys} at minute ${reference.minute.toFixed(1)}, at most ${maxKeys} sampled; ` +
  `bound: the demo's result expiry, ${DEMO_RESULT_EXPIRES} s of results`);
console.log(`  memory broker: ${last.queued} messages waiting at the end; at most ${maxOther} sampled outside the demo queues`);
console.log(`  metrics: ${mib(stats.bytes.counts + stats.bytes.gauges + stats.bytes.sketches)} MiB by their own accounting, series ${JSON.stringify(stats.series)}`);
console.log(`  queue history: ${queues?.history.size ?? 0} queues, bound ${MAX_QUEUES} (fixed rings per queue)`);

await cluster.stop();
await server.close();
console.log('stopped cleanly');
process.exit(0);
