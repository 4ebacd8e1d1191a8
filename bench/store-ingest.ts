/**
 * The `store` benchmark's ingest part: Pollen's server (startServer, dashboard off) with `--db memory` and
 * with history in a fresh SQLite file, one after the other at each rate, fed by the same load from one
 * real redis-server (ingest-steps.ts, as the `ingest` benchmark). After each SQLite step the history is
 * given time to write what it noted (the write-behind's pending rows reach 0), and its state is printed.
 *
 * The SQLite step's CPU per event is printed twice: over the publisher's run (as memory's), and with the
 * catching up after it (the writer's work for the same events, which the ratio uses).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PollenServer } from '@/server/http/create-server';
import { startRedis } from '@/test/harness/redis-server';
import { floodScript, type Load, line, loadavg, loss, pollenStep, probePath, sleep, type Step, usPerEvent } from './ingest-steps';

const RATES = (process.env['RATES'] ?? '40000,60000').split(',').map(Number);
const BATCHED_RATES = (process.env['BATCHED_RATES'] ?? '100000,150000').split(',').map(Number);
const MODES = (process.env['MODES'] ?? 'single,batched').split(',');
const SECONDS = Number(process.env['SECONDS'] ?? 10);
/** How long a history may take to write what it noted before the step gives up waiting. */
const CATCH_UP_MS = Number(process.env['CATCH_UP_MS'] ?? 60_000);

/**
 * Waits for the history to write what it noted; says how long that took, the CPU it cost, and its state.
 * Pending rows at 0 is not enough: the batch being written has left them. It is written once a write
 * that started after that moment has ended (writes go one at a time; an idle history writes its run's
 * row every second), and the catching up ended when the written counts last moved.
 */
async function caughtUp(server: PollenServer, extra: { cpuSeconds: number; kept: boolean }): Promise<string> {
  const store = server.context.store;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let writing = store.historyWriting();
  if (writing === null) return 'no history';
  let emptyAt: number | null = null;
  let lastMoved = started;
  let written = writing.writtenTasks + writing.writtenEvents;
  while (performance.now() - started < CATCH_UP_MS) {
    if (writing.pendingEvents === 0 && writing.pendingTasks === 0) emptyAt ??= Date.now() / 1000;
    if (emptyAt !== null && writing.lastWriteAt !== null && writing.lastWriteAt > emptyAt) break;
    await sleep(50);
    writing = store.historyWriting() ?? writing;
    if (writing.writtenTasks + writing.writtenEvents !== written) {
      written = writing.writtenTasks + writing.writtenEvents;
      lastMoved = performance.now();
    }
  }
  const cpu = process.cpuUsage(cpuBefore);
  extra.cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const done = emptyAt !== null && writing.lastWriteAt !== null && writing.lastWriteAt > emptyAt;
  extra.kept = done && writing.state === 'writing' && writing.droppedEvents === 0 && writing.droppedTasks === 0;
  const n = (x: number) => x.toLocaleString('en-US');
  return (
    `history ${writing.state}, caught up ${((lastMoved - started) / 1000).toFixed(2)} s after the publisher's run${done ? '' : ` (NOT caught up: gave up after ${CATCH_UP_MS / 1000} s)`} ` +
    `(${extra.cpuSeconds.toFixed(2)} CPU-s meanwhile): written ${n(writing.writtenTasks)} task rows, ${n(writing.writtenEvents)} events; pending ${n(writing.pendingEvents)} events, ${n(writing.pendingTasks)} tasks; ` +
    `dropped ${n(writing.droppedEvents)} events, ${n(writing.droppedTasks)} tasks${writing.error ? `; error ${writing.error}` : ''}`
  );
}

export async function storeIngest(): Promise<void> {
  const flood = floodScript(process.env['LOAD'] ?? 'flood', probePath());
  const redis = await startRedis();
  const load: Load = { url: redis.url(0), seconds: SECONDS, flood };
  const dir = mkdtempSync(join(tmpdir(), 'pollen-bench-store-'));
  console.log(`\n== ingest: --db memory against --db <SQLite file>, load ${flood ?? 'ingest-publisher.ts'}, ${SECONDS} s a step; load average ${loadavg()}`);
  try {
    for (const mode of MODES) {
      const best = { memory: 0, sqlite: 0 };
      const cost: number[] = [];
      for (const rate of mode === 'batched' ? BATCHED_RATES : RATES) {
        const memory = await pollenStep(load, rate, mode, 'memory');
        console.log(line('memory', mode, rate, memory));
        const file = join(dir, `${mode}-${rate}.db`);
        const extra = { cpuSeconds: 0, kept: false };
        const sqlite: Step = await pollenStep(load, rate, mode, file, (server) => caughtUp(server, extra));
        console.log(line('sqlite', mode, rate, sqlite));
        const withCatchUp = { ...sqlite, cpuSeconds: sqlite.cpuSeconds + extra.cpuSeconds };
        console.log(`  → SQLite's CPU per event with its catching up ${usPerEvent(withCatchUp).toFixed(1)} µs: ${(usPerEvent(withCatchUp) / usPerEvent(memory)).toFixed(2)} × memory's (${(usPerEvent(sqlite) / usPerEvent(memory)).toFixed(2)} × over the publisher's run alone)`);
        if (loss(memory) === 0) best.memory = Math.max(best.memory, rate);
        if (loss(sqlite) === 0 && extra.kept) best.sqlite = Math.max(best.sqlite, rate);
        cost.push(usPerEvent(withCatchUp) / usPerEvent(memory));
        rmSync(file, { force: true });
        rmSync(`${file}-wal`, { force: true });
        rmSync(`${file}-shm`, { force: true });
      }
      console.log(
        `${mode}: highest rate with 0 loss (SQLite: and no history row dropped): memory ${best.memory || 'none'}, SQLite ${best.sqlite || 'none'}` +
          (best.memory > 0 ? ` → SQLite / memory ${(best.sqlite / best.memory).toFixed(2)} (goal 0.90)` : ' → no ratio (lower the rates)') +
          `; CPU per event SQLite / memory ${cost.map((c) => c.toFixed(2)).join(', ')} (load average ${loadavg()})`,
      );
    }
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
