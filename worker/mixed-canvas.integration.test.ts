/**
 * Canvas across languages over a real redis-server: a Python Celery worker consumes queue `py`, Pollen's
 * TS worker (`pollen worker`) queue `ts`, and a Python producer builds chains and chords that mix them.
 * Each side sends the other's next chain step, and either side completes a chord (the Redis backend's
 * `.j`/`.s` bookkeeping, CELERY-WIRE.md §7) and sends its body; Python reads the final results.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Child } from '@/test/harness/child';
import { startCeleryWorker } from '@/test/harness/celery-worker';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { type PythonOptions, pythonJson, startTsWorker, type TsWorker } from '@/test/harness/ts-worker';

type Outcome = Record<string, { result: unknown; worker: string | null; parent_id: string | null; parents: string[] }>;

describe('chains and chords mixing a Python worker (queue py) and the TS worker (queue ts) over Redis', () => {
  let redis: RedisServer;
  let pyWorker: Child;
  let tsWorker: TsWorker;
  let outcome: Outcome;

  beforeAll(async () => {
    redis = await startRedis();
    const python: PythonOptions = { broker: redis.url(0), backend: redis.url(1) };
    [pyWorker, tsWorker] = await Promise.all([
      startCeleryWorker({ ...python, queues: ['py'], nodename: `py${process.pid}@pollen` }),
      startTsWorker({ broker: redis.url(0), backend: redis.url(1), queues: ['ts'], concurrency: 4 }),
    ]);
    outcome = await pythonJson<Outcome>('worker_client.py', ['canvas'], python);
  });

  afterAll(async () => {
    await tsWorker?.stop();
    await pyWorker?.stop();
    await redis?.stop();
  });

  it('chain(add.s(1, 2) on py, examples.add(10) on ts) gives 13, the last step stored by the TS worker', () => {
    const c = outcome['chain_py_ts'];
    expect(c).toMatchObject({ result: 13, worker: tsWorker.hostname });
    expect(c?.parent_id).toBe(c?.parents[0]);
  });

  it('chain(examples.add(1, 2) on ts, tasks.add(10) on py) gives 13: the TS worker sends the step to Python', () => {
    const c = outcome['chain_ts_py'];
    // Python's app stores results without result_extended: no worker field.
    expect(c).toMatchObject({ result: 13, worker: null });
    // Sent by the TS worker as the child of the first step.
    expect(c?.parent_id).toBe(c?.parents[0]);
  });

  it('chord([add(1, 1) on py, examples.add(2, 2) on ts], examples.tsum on ts) gives 6', () => {
    expect(outcome['chord']).toMatchObject({ result: 6, worker: tsWorker.hostname });
  });

  it('a chord whose TS part ends last: the TS worker completes it and sends the Python body', () => {
    const c = outcome['chord_ts_last'];
    expect(c).toMatchObject({ result: 2.5, worker: null });
    // As Celery sends a chord body: its parent is the header part that finished last (here the TS one).
    expect(c?.parent_id).toBe(c?.parents[1]);
  });

  it('a chord whose Python part ends last: Python completes it and sends the TS body', () => {
    const c = outcome['chord_py_last'];
    expect(c).toMatchObject({ result: 4.5, worker: tsWorker.hostname });
    expect(c?.parent_id).toBe(c?.parents[0]);
  });
});
