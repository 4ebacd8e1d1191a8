/**
 * Pollen's event ingest beside the ceiling probe's (../shared/bench/ceiling-probe.js, `state` mode, RESP2),
 * both fed by the same publisher (ingest-publisher.ts: every task new, heartbeats) from one real
 * redis-server, one after the other at each rate, in one run: only the ratio holds from day to day.
 *
 * Pollen here is its server without the Next pages (startServer, dashboard off): collector → cluster
 * model → metrics → Prometheus feed → push, on the Redis broker, as `pollen --broker redis://…` runs it.
 * For each step: events applied against events published (loss), gaps (Redis dropping a subscriber that
 * fell behind), the subscriber's CPU (% of a core and µs per event published), peak RSS, tasks kept.
 *
 *   npm run bench -- ingest              RATES=60000,80000 BATCHED_RATES=150000,200000 SECONDS=10 MODES=single,batched
 *   PROBE=/path/to/ceiling-probe.js      (default: ../shared/bench/ or ../../shared/bench/ from the project)
 *   LOAD=flood                           the shared flood.py (beside the probe; /usr/bin/python3 with kombu) as
 *                                        the publisher instead of ingest-publisher.ts
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createLogger } from '@/lib/runtime/logger';
import { parseConfig } from '@/server/config';
import { startServer } from '@/server/http/create-server';
import { freePort } from '@/test/harness/free-port';
import { startRedis } from '@/test/harness/redis-server';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const RATES = (process.env['RATES'] ?? '60000,80000').split(',').map(Number);
const BATCHED_RATES = (process.env['BATCHED_RATES'] ?? '150000,200000').split(',').map(Number);
const MODES = (process.env['MODES'] ?? 'single,batched').split(',');
const SECONDS = Number(process.env['SECONDS'] ?? 10);
const PROBE = process.env['PROBE'] ?? [resolve(ROOT, '../shared/bench/ceiling-probe.js'), resolve(ROOT, '../../shared/bench/ceiling-probe.js')].find((p) => existsSync(p));
if (PROBE === undefined || !existsSync(PROBE)) throw new Error('ceiling-probe.js not found: set PROBE=/path/to/ceiling-probe.js');
const TICKS = 100; // USER_HZ on Linux
const FLOOD = process.env['LOAD'] === 'flood' ? resolve(PROBE, '../flood.py') : null;
if (FLOOD !== null && !existsSync(FLOOD)) throw new Error(`LOAD=flood: ${FLOOD} not found`);

interface Step {
  /** What the publisher sent: events, PUBLISHes that reached no subscriber, seconds it took. */
  readonly sent: { published: number; unheard: number; seconds: number };
  readonly published: number;
  readonly applied: number;
  readonly cpuSeconds: number;
  readonly wall: number;
  readonly peakRss: number;
  readonly note: string;
}

const redis = await startRedis();
const url = redis.url(0);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs the publisher to the end; `sample` is called every 200 ms meanwhile. */
async function publish(rate: number, mode: string, sample: () => void): Promise<{ published: number; unheard: number; seconds: number }> {
  const publisher =
    FLOOD === null
      ? spawn(process.execPath, ['--import', 'tsx', new URL('./ingest-publisher.ts', import.meta.url).pathname, url, String(rate), String(SECONDS), mode], { stdio: ['ignore', 'pipe', 'inherit'] })
      : spawn('/usr/bin/python3', [FLOOD, '--broker', url, '--rate', String(rate), '--duration', String(SECONDS), '--batch', mode === 'batched' ? '24' : '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  publisher.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const sampler = setInterval(sample, 200);
  await new Promise<void>((r) => publisher.once('exit', () => r()));
  await sleep(1000); // let the last messages drain
  clearInterval(sampler);
  if (FLOOD !== null) {
    const result = output.split('\n').find((l) => l.startsWith('RESULT '));
    if (result === undefined) throw new Error(`flood.py said no RESULT: ${output.slice(-500)}`);
    const r = JSON.parse(result.slice('RESULT '.length)) as { events: number; zero_receiver_msgs: number; send_span_s: number };
    return { published: r.events, unheard: r.zero_receiver_msgs, seconds: r.send_span_s };
  }
  return JSON.parse(output.trim().split('\n').pop() ?? '{"published":0,"unheard":0,"seconds":1}') as { published: number; unheard: number; seconds: number };
}

function procStat(pid: number): { cpu: number; rss: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return { cpu: (Number(fields[11]) + Number(fields[12])) / TICKS, rss: Number(fields[21]) * 4096 };
}

async function probeStep(rate: number, mode: string): Promise<Step> {
  const httpPort = await freePort();
  const probe = spawn(process.execPath, [PROBE as string, String(redis.port), 'state', String(httpPort)], { stdio: 'inherit', env: { ...process.env, IOREDIS: resolve(ROOT, 'node_modules/ioredis'), RESP: '2' } });
  const pid = probe.pid as number;
  const read = async (): Promise<number> => ((await (await fetch(`http://127.0.0.1:${httpPort}/`)).json()) as { events: number }).events;
  for (let i = 0; i < 50; i++) {
    await sleep(100);
    if (await read().then(() => true, () => false)) break;
  }
  const before = procStat(pid);
  const wallBefore = performance.now();
  let peakRss = before.rss;
  const sent = await publish(rate, mode, () => (peakRss = Math.max(peakRss, procStat(pid).rss)));
  const after = procStat(pid);
  const applied = await read();
  probe.kill('SIGTERM');
  await new Promise((r) => probe.once('exit', r));
  return { sent, published: sent.published, applied, cpuSeconds: after.cpu - before.cpu, wall: (performance.now() - wallBefore) / 1000, peakRss, note: '' };
}

async function pollenStep(rate: number, mode: string): Promise<Step> {
  const parsed = parseConfig({ port: await freePort(), address: '127.0.0.1', dev: false, broker: url, enableEvents: false });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const server = await startServer(parsed.config, createLogger('warn'), { dashboard: false });
  const collector = server.context.collector;
  if (!collector) throw new Error('no collector');
  await sleep(500);
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  let peakRss = process.memoryUsage().rss;
  const sent = await publish(rate, mode, () => (peakRss = Math.max(peakRss, process.memoryUsage().rss)));
  const cpu = process.cpuUsage(cpuBefore);
  const health = collector.health.snapshot(Date.now());
  const note = `gaps ${health.gapsTotal}, tasks kept ${server.context.store.taskCount.toLocaleString('en-US')}`;
  await server.close();
  return { sent, published: sent.published, applied: health.eventsTotal, cpuSeconds: (cpu.user + cpu.system) / 1e6, wall: (performance.now() - wallBefore) / 1000, peakRss, note };
}

const loss = (s: Step): number => (s.published === 0 ? 0 : Math.max(0, (1 - s.applied / s.published) * 100));
const usPerEvent = (s: Step): number => (s.cpuSeconds / Math.max(1, s.applied)) * 1e6;
function line(who: string, mode: string, rate: number, s: Step): string {
  return (
    `${who.padEnd(7)}${mode.padEnd(8)}${String(rate).padStart(7)} ev/s (sent ${Math.round(s.sent.published / s.sent.seconds)}/s, ${s.sent.unheard} messages to no one): applied ${s.applied.toLocaleString('en-US')} of ${s.published.toLocaleString('en-US')} (loss ${loss(s).toFixed(2)} %), ` +
    `CPU ${((s.cpuSeconds / s.wall) * 100).toFixed(0)} % of a core, ${usPerEvent(s).toFixed(1)} µs/event, peak RSS ${Math.round(s.peakRss / 2 ** 20)} MiB${s.note ? `, ${s.note}` : ''}`
  );
}

console.log(`probe ${PROBE}; load ${FLOOD ?? 'ingest-publisher.ts'}; ${SECONDS} s a step; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
try {
  for (const mode of MODES) {
    let probeBest = 0;
    let pollenBest = 0;
    const cost: number[] = [];
    for (const rate of mode === 'batched' ? BATCHED_RATES : RATES) {
      const p = await probeStep(rate, mode);
      console.log(line('probe', mode, rate, p));
      const q = await pollenStep(rate, mode);
      console.log(line('pollen', mode, rate, q));
      if (loss(p) === 0) probeBest = Math.max(probeBest, rate);
      if (loss(q) === 0) pollenBest = Math.max(pollenBest, rate);
      cost.push(usPerEvent(q) / usPerEvent(p));
      console.log(`  → Pollen's CPU per event ${cost[cost.length - 1]?.toFixed(2)} × the probe's`);
    }
    console.log(
      `${mode}: highest rate with 0 loss: probe ${probeBest || 'none'}, Pollen ${pollenBest || 'none'}` +
        (probeBest > 0 ? ` → ratio ${(pollenBest / probeBest).toFixed(2)} (goal ${mode === 'batched' ? '0.80' : '0.90'})` : ' → no ratio (lower the rates)') +
        `; CPU per event ${cost.map((c) => c.toFixed(2)).join(', ')} × the probe's (load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`,
    );
  }
} finally {
  await redis.stop();
}
