/**
 * One run of the real collector fed by redis-server at a fixed rate (ingest-publisher.ts, one event per
 * message), for benchmarks that compare the ingest path with and without something wired to it.
 */
import { spawn } from 'node:child_process';
import pino from 'pino';
import { createTransport, parseBrokerUrl } from '@/lib/broker';
import { Collector } from '@/server/collector/collector';
import { MemoryTaskStore } from '@/server/store/memory-task-store';

export interface IngestRun {
  /** Share of published events the collector did not apply, in %. */
  readonly lossPercent: number;
  /** The collector's CPU over the run, in % of one core. */
  readonly cpuPercent: number;
}

/** `wire` attaches what is measured to the collector before it starts. */
export async function runCollectorIngest(redisUrl: string, offered: number, seconds: number, wire: (collector: Collector) => void): Promise<IngestRun> {
  const broker = parseBrokerUrl(redisUrl);
  if (!broker.ok) throw new Error(broker.error);
  const state = new MemoryTaskStore({ maxTasks: 100_000, purgeOfflineAfter: 3600 });
  const collector = new Collector(createTransport(broker.value), state, { enableEvents: false }, pino({ level: 'silent' }));
  wire(collector);
  await collector.start();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const publisher = spawn(process.execPath, ['--import', 'tsx', new URL('./ingest-publisher.ts', import.meta.url).pathname, redisUrl, String(offered), String(seconds), 'single'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  publisher.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve) => publisher.once('exit', () => resolve()));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const cpu = process.cpuUsage(cpuBefore);
  const wall = (performance.now() - wallBefore) / 1000;
  const published = (JSON.parse(output.trim().split('\n').pop() ?? '{"published":0}') as { published: number }).published;
  const applied = collector.health.snapshot(Date.now()).eventsTotal;
  await collector.stop();
  return { lossPercent: (1 - applied / Math.max(published, 1)) * 100, cpuPercent: ((cpu.user + cpu.system) / 1e6 / wall) * 100 };
}
