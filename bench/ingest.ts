/**
 * Ingest rate of the full collector (Redis transport → decode → cluster model) from a real redis-server
 * at fixed rates, measuring loss: events applied against events published, and gaps (Redis dropping a
 * subscriber that falls behind). Reports the collector process's CPU and RSS, not the machine's. The
 * publisher and Redis share the machine's two cores with it, as they would in any test here.
 *
 *   npm run bench -- ingest                     RATES=20000,50000,80000 SECONDS=10 MODES=single,batched
 */
import { spawn } from 'node:child_process';
import pino from 'pino';
import { createTransport, parseBrokerUrl } from '@/lib/broker';
import { Collector } from '@/server/collector/collector';
import { MemoryTaskStore } from '@/server/store/memory-task-store';
import { startRedis } from '@/test/harness/redis-server';

const RATES = (process.env['RATES'] ?? '20000,50000,80000,100000').split(',').map(Number);
const MODES = (process.env['MODES'] ?? 'single,batched').split(',');
const SECONDS = Number(process.env['SECONDS'] ?? 10);

const redis = await startRedis();
const url = redis.url(0);
const broker = parseBrokerUrl(url);
if (!broker.ok) throw new Error(broker.error);

async function run(rate: number, mode: string): Promise<void> {
  const state = new MemoryTaskStore({ maxTasks: 100_000, purgeOfflineAfter: 3600 });
  const collector = new Collector(createTransport(broker.ok ? broker.value : (undefined as never)), state, { enableEvents: false }, pino({ level: 'silent' }));
  await collector.start();
  await new Promise((r) => setTimeout(r, 500));
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const publisher = spawn(process.execPath, ['--import', 'tsx', new URL('./ingest-publisher.ts', import.meta.url).pathname, url, String(rate), String(SECONDS), mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  publisher.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
  await new Promise<void>((resolve) => publisher.once('exit', () => resolve()));
  // Let the last messages drain.
  await new Promise((r) => setTimeout(r, 1000));
  clearInterval(sampler);
  const cpu = process.cpuUsage(cpuBefore);
  const wall = (performance.now() - wallBefore) / 1000;
  const published = (JSON.parse(output.trim().split('\n').pop() ?? '{"published":0}') as { published: number }).published;
  const health = collector.health.snapshot(Date.now());
  await collector.stop();
  const loss = published === 0 ? 0 : (1 - health.eventsTotal / published) * 100;
  console.log(
    `${mode.padEnd(8)} ${String(rate).padStart(7)} ev/s offered: applied ${health.eventsTotal.toLocaleString('en-US')} of ${published.toLocaleString('en-US')} ` +
      `(loss ${loss.toFixed(2)} %, gaps ${health.gapsTotal}), collector CPU ${(((cpu.user + cpu.system) / 1e6 / wall) * 100).toFixed(0)} % of a core, ` +
      `peak RSS ${Math.round(peakRss / 1048576)} MiB, tasks kept ${state.taskCount.toLocaleString('en-US')}`,
  );
}

try {
  for (const mode of MODES) for (const rate of RATES) await run(rate, mode);
} finally {
  await redis.stop();
}
