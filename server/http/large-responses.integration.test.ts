/**
 * Flower's GET /api/tasks without a limit on a real Pollen holding 100 000 tasks (issue 15, point 6): the
 * map is streamed with the bytes it always had, /healthcheck keeps answering while eight such requests are
 * in flight, and only a few are served at once (the rest wait their turn, and past the queue get 503).
 */
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CeleryEvent, decodeEventBody, type JsonObject } from '@/lib/celery';
import { getTasks } from '@/server/api/flower-read';
import type { TaskStore } from '@/server/store/task-store';
import { startPollen, type TestPollen } from '@/test/harness/pollen-server';
import { until } from '@/test/harness/until';
import { HEAVY_REQUEST_LIMITS } from './heavy-requests';
import { StreamedJsonObject } from './streamed-json';

const TASKS = 100_000;

/** 100 000 tasks as Python workers report them (received, started, then succeeded or failed), through the model's own apply. */
function fill(state: TaskStore, count: number): void {
  const now = Date.now() / 1000;
  const batch: JsonObject[] = [];
  const flush = (): void => {
    for (const event of decodeEventBody(batch).events as CeleryEvent[]) state.apply(event, now);
    batch.length = 0;
  };
  for (let i = 0; i < count; i++) {
    const uuid = crypto.randomUUID();
    const t = now - (count - i) * 0.01;
    const common = { hostname: `w${i % 8}@pollen`, utcoffset: 0, pid: 100, uuid };
    batch.push({ ...common, clock: 3 * i, type: 'task-received', name: `tasks.t${i % 5}`, args: `(${i}, 'some text')`, kwargs: `{'row': ${i}}`, root_id: uuid, parent_id: null, retries: 0, eta: null, expires: null, timestamp: t });
    batch.push({ ...common, clock: 3 * i + 1, type: 'task-started', timestamp: t + 0.001 });
    batch.push(
      i % 10 === 0
        ? { ...common, clock: 3 * i + 2, type: 'task-failed', exception: "ValueError('boom')", traceback: 'Traceback (most recent call last):\n  ...\nValueError: boom', timestamp: t + 0.005 }
        : { ...common, clock: 3 * i + 2, type: 'task-succeeded', result: String(i * 2), runtime: 0.004, timestamp: t + 0.005 },
    );
    if (batch.length >= 3000) flush();
  }
  flush();
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly bytes: number;
  readonly text: string;
}

/**
 * GET on a connection of its own. `keep` keeps the body's text (else it is only counted); `paused` hands
 * the response over unread, for the caller to resume.
 */
function get(url: string, options: { keep?: boolean; onResponse?: (res: IncomingMessage) => void } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (options.keep) chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
      options.onResponse?.(res);
    });
    req.on('error', reject);
    req.end();
  });
}

/** What the map was before it was streamed: the whole object through JSON.stringify. */
async function wholeText(state: TaskStore, query: string): Promise<string> {
  const body = (await getTasks(state, new URLSearchParams(query))).body;
  if (!(body instanceof StreamedJsonObject)) throw new Error('GET /api/tasks did not answer a streamed map');
  return JSON.stringify(Object.fromEntries(body.entries()));
}

describe(`GET /api/tasks with ${TASKS} tasks`, () => {
  let pollen: TestPollen;
  let state: TaskStore;

  beforeAll(async () => {
    pollen = await startPollen();
    state = pollen.server.context.store;
    fill(state, TASKS);
    expect(state.taskCount).toBe(TASKS);
  }, 120_000);
  afterAll(async () => {
    await pollen?.close();
  });

  it.each(['', '?state=FAILURE&sort_by=-received', '?limit=1000&offset=500&search=name:tasks.t3'])(
    'streams the map%s in chunks, byte for byte what the whole object gave',
    async (query) => {
      const answer = await get(`${pollen.url}/api/tasks${query}`, { keep: true });
      expect(answer.status).toBe(200);
      expect(answer.headers['transfer-encoding']).toBe('chunked');
      expect(answer.headers['content-length']).toBeUndefined();
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
      const expected = (await wholeText(state, query.slice(1)));
      expect(answer.text.length).toBe(expected.length);
      expect(answer.text === expected).toBe(true);
    },
  );

  it('HEAD answers the headers of the streamed map without serializing it', async () => {
    const response = await fetch(`${pollen.url}/api/tasks`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('keeps /healthcheck answering within a second while eight unbounded requests are in flight', async () => {
    let inFlight = true;
    const heavy = Promise.all(Array.from({ length: 8 }, () => get(`${pollen.url}/api/tasks`))).finally(() => (inFlight = false));
    const latencies: number[] = [];
    // Give the eight a moment to be under way, then probe as a load balancer would, until they are done.
    await new Promise((resolve) => setTimeout(resolve, 50));
    while (inFlight) {
      const started = performance.now();
      const health = await get(`${pollen.url}/healthcheck`, { keep: true });
      latencies.push(performance.now() - started);
      expect(health.text).toBe('OK');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const answers = await heavy;
    const size = answers[0]?.bytes ?? 0;
    expect(size).toBeGreaterThan(50e6);
    expect(answers.every((a) => a.status === 200 && a.bytes === size)).toBe(true);
    console.log(`healthcheck during 8 × ${(size / 1e6).toFixed(1)} MB: ${latencies.length} probes, max ${Math.max(...latencies).toFixed(0)} ms`);
    expect(latencies.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...latencies)).toBeLessThan(1000);
  }, 120_000);

  it(`serves ${HEAVY_REQUEST_LIMITS.running} at once, queues ${HEAVY_REQUEST_LIMITS.waiting}, and refuses the next with 503 and Retry-After`, async () => {
    const { running, waiting } = HEAVY_REQUEST_LIMITS;
    const gate = pollen.server.context.heavyRequests;
    // Clients that read nothing hold their turn (the server waits on their sockets' backpressure).
    const paused: IncomingMessage[] = [];
    let answered = 0;
    const slow = Array.from({ length: running }, () =>
      get(`${pollen.url}/api/tasks`, {
        onResponse: (res) => {
          res.pause();
          paused.push(res);
        },
      }),
    );
    await until('the slow readers to hold every turn', () => paused.length === running && gate.load().running === running);
    const queued = Array.from({ length: waiting }, () => get(`${pollen.url}/api/tasks`, { onResponse: () => answered++ }));
    await until('the queue to fill', () => gate.load().waiting === waiting);
    expect(answered).toBe(0);

    const refused = await get(`${pollen.url}/api/tasks?limit=1`, { keep: true });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(JSON.parse(refused.text)).toEqual({ error: expect.stringContaining('too many large requests at once') });
    // Health is no heavy request: it answers while every turn is taken.
    expect((await get(`${pollen.url}/healthcheck`, { keep: true })).text).toBe('OK');

    for (const res of paused) res.resume();
    const all = await Promise.all([...slow, ...queued]);
    expect(all.map((a) => a.status)).toEqual(Array.from({ length: running + waiting }, () => 200));
    expect(gate.load()).toEqual({ running: 0, waiting: 0 });
  }, 120_000);
});
