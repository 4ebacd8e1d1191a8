/**
 * One step of an ingest benchmark, shared by `ingest` (Pollen beside the ceiling probe) and `store`
 * (Pollen on memory beside Pollen on SQLite): the publisher (ingest-publisher.ts, or the shared flood.py)
 * run to the end at one rate against a subscriber, and what the subscriber did meanwhile: events applied
 * against events published (loss), CPU, peak RSS.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createLogger } from '@/lib/runtime/logger';
import { parseConfig } from '@/server/config';
import { type PollenServer, startServer } from '@/server/http/create-server';
import { freePort } from '@/test/harness/free-port';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const TICKS = 100; // USER_HZ on Linux

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** The ceiling probe from PROBE, or beside the project in ../shared/bench/ (or ../../shared/bench/ from a worktree). */
export function probePath(): string {
  const probe = process.env['PROBE'] ?? [resolve(ROOT, '../shared/bench/ceiling-probe.js'), resolve(ROOT, '../../shared/bench/ceiling-probe.js')].find((p) => existsSync(p));
  if (probe === undefined || !existsSync(probe)) throw new Error('ceiling-probe.js not found: set PROBE=/path/to/ceiling-probe.js');
  return probe;
}

/** Where the events come from: a Redis URL, seconds a step, and flood.py's path (null: ingest-publisher.ts). */
export interface Load {
  readonly url: string;
  readonly seconds: number;
  readonly flood: string | null;
}

/** LOAD=flood: the shared flood.py beside the probe; otherwise null (ingest-publisher.ts). */
export function floodScript(env: string | undefined, probe: string): string | null {
  if (env !== 'flood') return null;
  const flood = resolve(probe, '../flood.py');
  if (!existsSync(flood)) throw new Error(`LOAD=flood: ${flood} not found`);
  return flood;
}

/** What the publisher sent: events, PUBLISHes that reached no subscriber, seconds it took. */
export interface Sent {
  readonly published: number;
  readonly unheard: number;
  readonly seconds: number;
}

export interface Step {
  readonly sent: Sent;
  readonly published: number;
  readonly applied: number;
  readonly cpuSeconds: number;
  readonly wall: number;
  readonly peakRss: number;
  readonly note: string;
}

/** Runs the publisher to the end; `sample` is called every 200 ms meanwhile. */
export async function publish(load: Load, rate: number, mode: string, sample: () => void): Promise<Sent> {
  const publisher =
    load.flood === null
      ? spawn(process.execPath, ['--import', 'tsx', new URL('./ingest-publisher.ts', import.meta.url).pathname, load.url, String(rate), String(load.seconds), mode], { stdio: ['ignore', 'pipe', 'inherit'] })
      : spawn('/usr/bin/python3', [load.flood, '--broker', load.url, '--rate', String(rate), '--duration', String(load.seconds), '--batch', mode === 'batched' ? '24' : '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  publisher.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const sampler = setInterval(sample, 200);
  await new Promise<void>((r) => publisher.once('exit', () => r()));
  await sleep(1000); // let the last messages drain
  clearInterval(sampler);
  if (load.flood !== null) {
    const result = output.split('\n').find((l) => l.startsWith('RESULT '));
    if (result === undefined) throw new Error(`flood.py said no RESULT: ${output.slice(-500)}`);
    const r = JSON.parse(result.slice('RESULT '.length)) as { events: number; zero_receiver_msgs: number; send_span_s: number };
    return { published: r.events, unheard: r.zero_receiver_msgs, seconds: r.send_span_s };
  }
  return JSON.parse(output.trim().split('\n').pop() ?? '{"published":0,"unheard":0,"seconds":1}') as Sent;
}

export function procStat(pid: number): { cpu: number; rss: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return { cpu: (Number(fields[11]) + Number(fields[12])) / TICKS, rss: Number(fields[21]) * 4096 };
}

/**
 * Pollen's server without the Next pages (startServer, dashboard off) on the load's broker, with history
 * at `db` (`memory`, a file, a PostgreSQL URL), through one publisher run. `afterPublish` runs before the
 * server closes (a history catching up) and adds to the step's note; its CPU is not in the step's.
 */
export async function pollenStep(load: Load, rate: number, mode: string, db: string, afterPublish?: (server: PollenServer) => Promise<string>): Promise<Step> {
  const parsed = parseConfig({ port: await freePort(), address: '127.0.0.1', dev: false, broker: load.url, enableEvents: false, db });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const server = await startServer(parsed.config, createLogger('warn'), { dashboard: false });
  const collector = server.context.collector;
  if (!collector) throw new Error('no collector');
  await sleep(500);
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  let peakRss = process.memoryUsage().rss;
  const sent = await publish(load, rate, mode, () => (peakRss = Math.max(peakRss, process.memoryUsage().rss)));
  const cpu = process.cpuUsage(cpuBefore);
  const wall = (performance.now() - wallBefore) / 1000;
  const health = collector.health.snapshot(Date.now());
  let note = `gaps ${health.gapsTotal}, tasks kept ${server.context.store.taskCount.toLocaleString('en-US')}`;
  if (afterPublish !== undefined) note += `; ${await afterPublish(server)}`;
  await server.close();
  return { sent, published: sent.published, applied: health.eventsTotal, cpuSeconds: (cpu.user + cpu.system) / 1e6, wall, peakRss, note };
}

export const loss = (s: Step): number => (s.published === 0 ? 0 : Math.max(0, (1 - s.applied / s.published) * 100));
export const usPerEvent = (s: Step): number => (s.cpuSeconds / Math.max(1, s.applied)) * 1e6;

export function line(who: string, mode: string, rate: number, s: Step): string {
  return (
    `${who.padEnd(7)}${mode.padEnd(8)}${String(rate).padStart(7)} ev/s (sent ${Math.round(s.sent.published / s.sent.seconds)}/s, ${s.sent.unheard} messages to no one): applied ${s.applied.toLocaleString('en-US')} of ${s.published.toLocaleString('en-US')} (loss ${loss(s).toFixed(2)} %), ` +
    `CPU ${((s.cpuSeconds / s.wall) * 100).toFixed(0)} % of a core, ${usPerEvent(s).toFixed(1)} µs/event, peak RSS ${Math.round(s.peakRss / 2 ** 20)} MiB${s.note ? `, ${s.note}` : ''}`
  );
}
