/**
 * Flower's GET /api/tasks without a limit, several at once, on a Pollen holding TASKS tasks: how long
 * they take, how large the answer is, what the server's RSS does, and how long /healthcheck waits
 * meanwhile. The clients are curl processes (as scripts would be); the health probe runs in the server's
 * process, every 20 ms, over a connection of its own.
 *
 *   npm run bench -- tasks-response          TASKS=100000 CONCURRENT=8
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { type CeleryEvent, decodeEventBody, type JsonObject } from '@/lib/celery';
import { createLogger } from '@/lib/runtime/logger';
import { parseConfig } from '@/server/config';
import { startServer } from '@/server/http/create-server';
import type { TaskStore } from '@/server/store/task-store';
import { freePort } from '@/test/harness/free-port';

const TASKS = Number(process.env['TASKS'] ?? 100_000);
const CONCURRENT = Number(process.env['CONCURRENT'] ?? 8);

function fill(state: TaskStore): void {
  const now = Date.now() / 1000;
  let batch: JsonObject[] = [];
  const flush = (): void => {
    for (const event of decodeEventBody(batch).events as CeleryEvent[]) state.apply(event, now);
    batch = [];
  };
  for (let i = 0; i < TASKS; i++) {
    const uuid = crypto.randomUUID();
    const t = now - (TASKS - i) * 0.01;
    const common = { hostname: `celery@worker-${i % 8}`, utcoffset: 0, pid: 1000, uuid };
    batch.push({ ...common, clock: 3 * i, type: 'task-received', name: 'app.tasks.send_welcome_email', args: `(${i}, 'user-${i}@example.com')`, kwargs: "{'locale': 'en', 'retry': True}", root_id: uuid, parent_id: null, retries: 0, eta: null, expires: null, timestamp: t });
    batch.push({ ...common, clock: 3 * i + 1, type: 'task-started', timestamp: t + 0.001 });
    batch.push({ ...common, clock: 3 * i + 2, type: 'task-succeeded', result: "'sent'", runtime: 0.04, timestamp: t + 0.05 });
    if (batch.length >= 3000) flush();
  }
  flush();
}

function curl(url: string): Promise<{ status: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download}', url]);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const [status = '', bytes = '0'] = out.trim().split(' ');
      resolve({ status, bytes: Number(bytes) });
    });
  });
}

function probe(url: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - started));
    })
      .on('error', reject)
      .end();
  });
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

const port = await freePort();
const parsed = parseConfig({ port, address: '127.0.0.1', dev: false });
if (!parsed.ok) throw new Error(parsed.errors.join('; '));
const server = await startServer(parsed.config, createLogger('warn'), { dashboard: false });
const base = `http://127.0.0.1:${port}`;
fill(server.context.store);
(globalThis as { gc?: () => void }).gc?.();
const rssBefore = process.memoryUsage().rss;
let rssPeak = rssBefore;
const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);

const started = performance.now();
let running = true;
const answers = Promise.all(Array.from({ length: CONCURRENT }, () => curl(`${base}/api/tasks`))).finally(() => (running = false));
const latencies: number[] = [];
while (running) {
  latencies.push(await probe(`${base}/healthcheck`));
  await new Promise((resolve) => setTimeout(resolve, 20));
}
const results = await answers;
const elapsed = performance.now() - started;
clearInterval(sampler);
latencies.sort((a, b) => a - b);
const at = (q: number): string => (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(0);
const statuses = results.reduce<Record<string, number>>((count, r) => ({ ...count, [r.status]: (count[r.status] ?? 0) + 1 }), {});
console.log(`${TASKS} tasks, ${CONCURRENT} × GET /api/tasks at once: ${(elapsed / 1000).toFixed(1)} s in all; statuses ${JSON.stringify(statuses)}; ${(Math.max(...results.map((r) => r.bytes)) / 1e6).toFixed(1)} MB each`);
console.log(`server RSS ${mib(rssBefore)} before, ${mib(rssPeak)} at the peak (+${mib(rssPeak - rssBefore)})`);
console.log(`/healthcheck meanwhile: ${latencies.length} probes, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`);
await server.close();
