/**
 * Pollen's event ingest beside the ceiling probe's (../shared/bench/ceiling-probe.js, `state` mode, RESP2),
 * both fed by the same publisher (ingest-publisher.ts: every task new, heartbeats) from one real
 * redis-server, one after the other at each rate, in one run: only the ratio holds from day to day.
 *
 * Pollen here is its server without the Next pages (startServer, dashboard off): collector → cluster
 * model → metrics → Prometheus feed → push, on the Redis broker, as `pollen --broker redis://… --db memory`
 * runs it (the `store` benchmark measures Pollen with history on SQLite against this).
 * For each step: events applied against events published (loss), gaps (Redis dropping a subscriber that
 * fell behind), the subscriber's CPU (% of a core and µs per event published), peak RSS, tasks kept.
 *
 *   npm run bench -- ingest              RATES=60000,80000 BATCHED_RATES=150000,200000 SECONDS=10 MODES=single,batched
 *   PROBE=/path/to/ceiling-probe.js      (default: ../shared/bench/ or ../../shared/bench/ from the project)
 *   LOAD=flood                           the shared flood.py (beside the probe; /usr/bin/python3 with kombu) as
 *                                        the publisher instead of ingest-publisher.ts
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from '@/test/harness/free-port';
import { startRedis } from '@/test/harness/redis-server';
import { floodScript, type Load, line, loadavg, loss, pollenStep, probePath, procStat, publish, sleep, type Step, usPerEvent } from './ingest-steps';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const RATES = (process.env['RATES'] ?? '60000,80000').split(',').map(Number);
const BATCHED_RATES = (process.env['BATCHED_RATES'] ?? '150000,200000').split(',').map(Number);
const MODES = (process.env['MODES'] ?? 'single,batched').split(',');
const SECONDS = Number(process.env['SECONDS'] ?? 10);
const PROBE = probePath();
const FLOOD = floodScript(process.env['LOAD'], PROBE);

const redis = await startRedis();
const load: Load = { url: redis.url(0), seconds: SECONDS, flood: FLOOD };

async function probeStep(rate: number, mode: string): Promise<Step> {
  const httpPort = await freePort();
  const probe = spawn(process.execPath, [PROBE, String(redis.port), 'state', String(httpPort)], { stdio: 'inherit', env: { ...process.env, IOREDIS: resolve(ROOT, 'node_modules/ioredis'), RESP: '2' } });
  const pid = probe.pid as number;
  const read = async (): Promise<number> => ((await (await fetch(`http://127.0.0.1:${httpPort}/`)).json()) as { events: number }).events;
  for (let i = 0; i < 50; i++) {
    await sleep(100);
    if (await read().then(() => true, () => false)) break;
  }
  const before = procStat(pid);
  const wallBefore = performance.now();
  let peakRss = before.rss;
  const sent = await publish(load, rate, mode, () => (peakRss = Math.max(peakRss, procStat(pid).rss)));
  const after = procStat(pid);
  const applied = await read();
  probe.kill('SIGTERM');
  await new Promise((r) => probe.once('exit', r));
  return { sent, published: sent.published, applied, cpuSeconds: after.cpu - before.cpu, wall: (performance.now() - wallBefore) / 1000, peakRss, note: '' };
}

console.log(`probe ${PROBE}; load ${FLOOD ?? 'ingest-publisher.ts'}; ${SECONDS} s a step; load average ${loadavg()}`);
try {
  for (const mode of MODES) {
    let probeBest = 0;
    let pollenBest = 0;
    const cost: number[] = [];
    for (const rate of mode === 'batched' ? BATCHED_RATES : RATES) {
      const p = await probeStep(rate, mode);
      console.log(line('probe', mode, rate, p));
      const q = await pollenStep(load, rate, mode, 'memory');
      console.log(line('pollen', mode, rate, q));
      if (loss(p) === 0) probeBest = Math.max(probeBest, rate);
      if (loss(q) === 0) pollenBest = Math.max(pollenBest, rate);
      cost.push(usPerEvent(q) / usPerEvent(p));
      console.log(`  → Pollen's CPU per event ${cost[cost.length - 1]?.toFixed(2)} × the probe's`);
    }
    console.log(
      `${mode}: highest rate with 0 loss: probe ${probeBest || 'none'}, Pollen ${pollenBest || 'none'}` +
        (probeBest > 0 ? ` → ratio ${(pollenBest / probeBest).toFixed(2)} (goal ${mode === 'batched' ? '0.80' : '0.90'})` : ' → no ratio (lower the rates)') +
        `; CPU per event ${cost.map((c) => c.toFixed(2)).join(', ')} × the probe's (load average ${loadavg()})`,
    );
  }
} finally {
  await redis.stop();
}
