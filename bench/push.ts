/**
 * Cost of live push on the collector's ingest: how many events/s the collector applies (Redis envelope
 * decode → event decode → MemoryTaskStore → metrics → push), fed in-process as fast as it takes them, in
 * three set-ups:
 *   - `collector`: the collector with the metrics hook, no server (bench/ingest.ts's model, in-process);
 *   - `0 clients`: a Pollen server (API + Socket.IO, memory broker) with nobody subscribed: the cost of
 *     the push hook when idle (plus whatever else the server context hooks to the collector);
 *   - `N clients`: the same with CLIENTS socket.io clients (bench/push-clients.ts, another process),
 *     each subscribed to the overview and to a 50-row task list, receiving a batch every 250 ms.
 * The load is ingest-publisher.ts's: Celery 5.2 envelopes, one event per message, received → started
 * → succeeded (5 % failed) over 8 workers, each task new. Events go in chunks of CHUNK with a turn of
 * the event loop between them, as socket reads deliver them, so that flushes and socket writes run.
 * The figure compared is the collector's capacity: events per CPU-second of this process (user +
 * system, so the flushes' socket writes count), which other load on the machine's two cores does not
 * skew the way it skews wall-clock rates; the wall-clock rate is printed beside it. Rounds rotate the
 * set-ups' order; the best and the spread of each are printed, then the slowdowns. With taskset, this
 * process runs on CPU 0 and the clients on CPU 1, as browsers would run elsewhere.
 *
 *   npm run bench -- push                  CLIENTS=200 TASKS=100000 ROUNDS=3 CHUNK=200
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import pino from 'pino';
import { createTransport, parseBrokerUrl } from '@/lib/broker';
import { decodeEventBody, decodeRedisEnvelope, encodeEventMessage, encodeRedisEnvelope, names } from '@/lib/celery';
import { Collector } from '@/server/collector/collector';
import { Metrics } from '@/server/metrics';
import { MemoryTaskStore } from '@/server/store/memory-task-store';
import { startPollen } from '@/test/harness/pollen-server';

const CLIENTS = Number(process.env['CLIENTS'] ?? 200);
const TASKS = Number(process.env['TASKS'] ?? 100_000);
const ROUNDS = Number(process.env['ROUNDS'] ?? 3);
const CHUNK = Number(process.env['CHUNK'] ?? 200);
const gc = (globalThis as { gc?: () => void }).gc;
const PINNED = ((): boolean => {
  try {
    execFileSync('taskset', ['-apc', '0', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** The wire text of every event, as Redis hands it to the collector's subscriber. */
function envelopes(): string[] {
  const out: string[] = [];
  for (let i = 0; i < TASKS; i++) {
    const uuid = randomUUID();
    const hostname = `celery@worker-${i % 8}`;
    const t = Date.now() / 1000;
    const common = { hostname, utcoffset: 0, pid: 100 + (i % 8), clock: i * 3 };
    const { events } = decodeEventBody([
      { ...common, type: 'task-received', uuid, name: 'tasks.add', args: `(${i}, ${i + 1})`, kwargs: '{}', root_id: uuid, parent_id: null, retries: 0, eta: null, expires: null, timestamp: t },
      { ...common, clock: i * 3 + 1, type: 'task-started', uuid, timestamp: t + 0.001 },
      i % 20 === 0
        ? { ...common, clock: i * 3 + 2, type: 'task-failed', uuid, exception: "ValueError('boom')", traceback: 'Traceback (most recent call last):\n  ...\nValueError: boom\n', timestamp: t + 0.01 }
        : { ...common, clock: i * 3 + 2, type: 'task-succeeded', uuid, result: String(2 * i + 1), runtime: 0.009, timestamp: t + 0.01 },
    ]);
    for (const event of events) {
      const { message, routingKey } = encodeEventMessage(event, hostname);
      out.push(encodeRedisEnvelope(message, { exchange: names.EVENT_EXCHANGE, routingKey }));
    }
  }
  return out;
}

interface Clients {
  report(): Promise<{ batches: number; updates: number; bytes: number; invalidations: number }>;
}

async function startClients(url: string, count: number): Promise<Clients> {
  const command = [process.execPath, '--import', 'tsx', new URL('./push-clients.ts', import.meta.url).pathname, url, String(count)];
  const [program, ...args] = PINNED ? ['taskset', '-c', '1', ...command] : command;
  const child = spawn(program as string, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.value !== 'ready') throw new Error(`push-clients: ${String(first.value)}`);
  return {
    async report() {
      child.stdin.write('report\n');
      const line = await lines.next();
      await new Promise((resolve) => child.once('exit', resolve));
      return JSON.parse(String(line.value)) as Awaited<ReturnType<Clients['report']>>;
    },
  };
}

interface Run {
  /** Events per wall-clock second. */
  readonly eventsPerSecond: number;
  /** CPU of this process per event, µs: 1e6 / this is the events one core can take. */
  readonly cpuPerEvent: number;
  readonly received?: string;
}

const capacity = (r: Run): number => 1e6 / r.cpuPerEvent;
const rate = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(8);

async function feed(collector: Collector, pool: readonly string[]): Promise<{ seconds: number; cpuUs: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < pool.length; ) {
    const end = Math.min(i + CHUNK, pool.length);
    for (; i < end; i++) {
      const message = decodeRedisEnvelope(pool[i] as string);
      if (message.ok) collector.ingest(message.value, Date.now());
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  const used = process.cpuUsage(cpu);
  return { seconds: (performance.now() - started) / 1000, cpuUs: used.user + used.system };
}

async function run(setup: 'collector' | 'server', clients: number, pool: readonly string[]): Promise<Run> {
  gc?.();
  if (setup === 'collector') {
    const broker = parseBrokerUrl('memory://');
    if (!broker.ok) throw new Error(broker.error);
    const state = new MemoryTaskStore({ maxTasks: TASKS, purgeOfflineAfter: 3600 });
    const metrics = new Metrics();
    const collector = new Collector(createTransport(broker.value), state, { enableEvents: false }, pino({ level: 'silent' }));
    // As server/http/server-context.ts wires it.
    state.onChange((change, event) => metrics.onEvent(event, Date.now(), change.task));
    const { seconds, cpuUs } = await feed(collector, pool);
    return { eventsPerSecond: pool.length / seconds, cpuPerEvent: cpuUs / pool.length };
  }
  const pollen = await startPollen({ broker: 'memory://', maxTasks: TASKS, enableEvents: false });
  try {
    const collector = pollen.server.context.collector;
    if (collector === null) throw new Error('no collector');
    const browsers = clients > 0 ? await startClients(pollen.url, clients) : null;
    const { seconds, cpuUs } = await feed(collector, pool);
    // The last flush.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const got = await browsers?.report();
    const received = got && `${(got.batches / seconds).toFixed(0)} batches/s (${(got.batches / clients / seconds).toFixed(1)} per client), ` +
      `${(got.bytes / seconds / 1048576).toFixed(1)} MiB/s in all, ${got.invalidations} invalidations`;
    return { eventsPerSecond: pool.length / seconds, cpuPerEvent: cpuUs / pool.length, ...(received && { received }) };
  } finally {
    await pollen.close();
  }
}

const pool = envelopes();
console.log(`${pool.length.toLocaleString('en-US')} events (${TASKS.toLocaleString('en-US')} tasks), chunks of ${CHUNK}, ${ROUNDS} rounds, ${CLIENTS} clients; ` +
  `pinned (server CPU 0, clients CPU 1): ${PINNED ? 'yes' : 'no (no taskset)'}`);
const setups = [
  { name: 'collector alone', setup: 'collector', clients: 0 },
  { name: 'server, 0 clients', setup: 'server', clients: 0 },
  { name: `server, ${CLIENTS} clients`, setup: 'server', clients: CLIENTS },
] as const;
const results = new Map<string, Run[]>(setups.map((s) => [s.name, []]));
// A warm-up pass for the JIT, not counted.
await run('collector', 0, pool.slice(0, 60_000));
for (let round = 0; round < ROUNDS; round++) {
  // Each round starts with another set-up, so that no set-up always follows the same one.
  for (const s of [...setups.slice(round % setups.length), ...setups.slice(0, round % setups.length)]) {
    const r = await run(s.setup, s.clients, pool);
    results.get(s.name)?.push(r);
    console.log(`  round ${round + 1} ${s.name.padEnd(20)} ${rate(capacity(r))} ev/CPU-s (${r.cpuPerEvent.toFixed(2)} µs/event), wall ${rate(r.eventsPerSecond)} ev/s${r.received ? `; clients got ${r.received}` : ''}`);
  }
}

const capacities = (name: string): number[] => (results.get(name) ?? []).map(capacity);
const best = (name: string): number => Math.max(...capacities(name));
console.log('capacity, best (spread):');
for (const s of setups) {
  const all = capacities(s.name);
  console.log(`  ${s.name.padEnd(20)} ${rate(Math.max(...all))} ev/CPU-s (${Math.round(Math.min(...all)).toLocaleString('en-US')}–${Math.round(Math.max(...all)).toLocaleString('en-US')})`);
}
const slower = (a: string, b: string): string => `${(((best(a) - best(b)) / best(a)) * 100).toFixed(1)} %`;
console.log(`push hook idle (0 clients vs collector alone): ${slower('collector alone', 'server, 0 clients')} slower`);
console.log(`${CLIENTS} clients vs 0 clients: ${slower('server, 0 clients', `server, ${CLIENTS} clients`)} slower, vs collector alone: ${slower('collector alone', `server, ${CLIENTS} clients`)} (target ≤ 10 %)`);
