/**
 * `pollen worker` as users run it (`node server/cli/bin.mjs worker ...`): flag mistakes exit 2 naming the
 * flag, a module without an App exits 1 saying so, and a good command line starts a worker that answers
 * over a real redis-server and stops cleanly on SIGTERM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerUrlResult, createTransport, parseBrokerUrl } from '@/lib/broker';
import { PidboxClient } from '@/lib/control';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { EXAMPLE_APP, runPollen, startTsWorker } from '@/test/harness/ts-worker';

function must(url: BrokerUrlResult) {
  if (!url.ok) throw new Error(url.error);
  return url.value;
}

// Nothing listens on port 1: the errors below must come before any connection is tried.
const NOWHERE = 'redis://127.0.0.1:1/0';

describe('pollen worker: command-line errors', () => {
  it('exits 2 naming an unknown flag', async () => {
    const { code, output } = await runPollen(['worker', '--app', EXAMPLE_APP, '--broker', NOWHERE, '--concurency', '4']);
    expect(output).toContain('--concurency');
    expect(code).toBe(2);
  });

  it('exits 2 naming a flag with a bad value', async () => {
    const bad = await runPollen(['worker', '--app', EXAMPLE_APP, '--broker', NOWHERE, '--concurrency', 'lots']);
    expect({ code: bad.code, output: bad.output.trim() }).toEqual({ code: 2, output: expect.stringContaining('--concurrency') });
    const zero = await runPollen(['worker', '--app', EXAMPLE_APP, '--broker', NOWHERE, '--concurrency', '0']);
    expect({ code: zero.code, output: zero.output.trim() }).toEqual({ code: 2, output: expect.stringContaining('--concurrency') });
    const interval = await runPollen(['worker', '--app', EXAMPLE_APP, '--broker', NOWHERE, '--heartbeat-interval', '-1']);
    expect({ code: interval.code, output: interval.output.trim() }).toEqual({ code: 2, output: expect.stringContaining('--heartbeat-interval') });
  });

  it('exits 2 when --broker is missing, and says how to give it', async () => {
    const { code, output } = await runPollen(['worker', '--app', EXAMPLE_APP], { env: { CELERY_BROKER_URL: '' } });
    expect(output).toContain('--broker');
    expect(code).toBe(2);
  });

  it('exits 1 with a clear message for a module that exports no App', async () => {
    const { code, output } = await runPollen(['worker', '--app', 'test/fixtures/ts-worker/no-app.ts', '--broker', NOWHERE]);
    expect(output).toContain('test/fixtures/ts-worker/no-app.ts does not export an App');
    expect(code).toBe(1);
  });

  it('exits 1 naming a module that does not exist', async () => {
    const { code, output } = await runPollen(['worker', '--app', 'test/fixtures/ts-worker/missing.ts', '--broker', NOWHERE]);
    expect(output).toContain('missing.ts');
    expect(code).toBe(1);
  });

  it('exits 1 (or 2) naming an unsupported broker scheme', async () => {
    const { code, output } = await runPollen(['worker', '--app', EXAMPLE_APP, '--broker', 'kafka://localhost:9092']);
    expect(output).toContain("unsupported broker scheme 'kafka'");
    expect([1, 2]).toContain(code);
  });
});

describe('pollen worker: a good command line', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedis();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it('starts, logs ready with its queues and tasks, and exits 0 on SIGTERM', async () => {
    const worker = await startTsWorker({ broker: redis.url(0), backend: redis.url(1), queues: ['a', 'b'], concurrency: 3 });
    const ready = worker.output().split('\n').find((line) => line.includes(`${worker.hostname} ready.`)) ?? '';
    expect(JSON.parse(ready)).toMatchObject({
      queues: ['a', 'b'],
      concurrency: 3,
      tasks: expect.arrayContaining(['examples.add', 'examples.progress', 'examples.sleep']),
    });
    // It answers remote control (Pollen's own pidbox client here). Only then the signal: a SIGTERM that
    // arrives between the `ready.` line and the handlers being installed kills it outright (see the report).
    const transport = createTransport(must(parseBrokerUrl(redis.url(0))));
    const control = new PidboxClient(transport);
    try {
      expect(await control.ping({ destination: [worker.hostname], timeout: 5000 })).toEqual({ [worker.hostname]: { ok: 'pong' } });
    } finally {
      await control.close();
      await transport.close();
    }
    worker.signal('SIGTERM');
    expect(await worker.exited()).toBe(0);
    expect(worker.output()).toContain('"msg":"stopped"');
  });
});
