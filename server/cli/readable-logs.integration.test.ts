/**
 * Issue 16, "Logs a person can read", with the real `pollen` command on a real Redis, its output piped as
 * under systemd or docker: the line a person looks for is there plainly besides the JSON log; the broker
 * is said to be connected once, however many connections Pollen opens; an outage, whether Redis is
 * killed or paused, is one WARN when it starts and one INFO with its length when it ends.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Child, startChild } from '@/test/harness/child';
import { freePort } from '@/test/harness/free-port';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { until } from '@/test/harness/until';
import { testDataDir } from '@/test/harness/data-dir';

const BIN = fileURLToPath(new URL('./bin.mjs', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

const WARN = 40;
const INFO = 30;

describe('the log of pollen off a terminal', () => {
  let redis: RedisServer;
  let pollen: Child;
  let port: number;
  let stdout = '';
  let stderr = '';
  /** The JSON log, line by line (Next's own server writes a line of text there too as it starts). */
  const logLines = (): LogLine[] =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  /** What was logged at INFO or above since the `from`-th line. */
  const notable = (from: number): LogLine[] => logLines().slice(from).filter((line) => line.level >= INFO);

  beforeAll(async () => {
    redis = await startRedis();
    port = await freePort();
    pollen = startChild(process.execPath, [BIN, '--broker', redis.url(0), '--port', String(port), '--address', '127.0.0.1', '--unauthenticated-api', '--inspect-timeout', '300', '--data-dir', testDataDir()], {
      env: { ...process.env, CELERY_BROKER_URL: '', LOG_LEVEL: 'info' },
    });
    pollen.process.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    pollen.process.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // The first start in a checkout may build the dashboard.
    await pollen.waitFor(/Pollen is running/, 240_000);
  }, 300_000);

  afterAll(async () => {
    await pollen?.stop();
    await redis?.stop();
  });

  it('prints where it runs as a plain line besides the JSON one, and says "broker connected" once', async () => {
    // Two pipes: either line may come first.
    await until('the plain line and the JSON one', () => stderr.includes('Pollen is running') && stdout.includes('Pollen is running'), 5_000);
    expect(stderr).toMatch(new RegExp(`^Pollen is running at http://127\\.0\\.0\\.1:${port}, listening on 127\\.0\\.0\\.1:${port}`, 'm'));
    const running = logLines().filter((line) => line.msg.startsWith('Pollen is running at'));
    expect(running).toHaveLength(1);
    expect(running[0]).toMatchObject({ level: INFO, url: `http://127.0.0.1:${port}` });
    // Every connection a server opens: the event subscriber and the enable_events publisher from the
    // start, then commands (queue lengths) and a reply queue (inspect).
    expect((await fetch(`http://127.0.0.1:${port}/api/queues/length`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/api/workers?refresh=true`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const connected = logLines().filter((line) => /broker connected/.test(line.msg));
    expect(connected).toHaveLength(1);
    expect(connected[0]).toMatchObject({ level: INFO, broker: redis.url(0) });
  });

  it('tells an outage of a killed Redis in two lines: one WARN as it starts, one INFO with its length as it ends', async () => {
    const from = logLines().length;
    await redis.stop();
    await until('the outage told', () => notable(from).length > 0, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await redis.start();
    await until('the end of the outage told', () => notable(from).length > 1, 20_000);
    // Anything else the outage would say comes in the seconds after (tasks settled, reconnections).
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const told = notable(from);
    expect(told.map((line) => `${line.level} ${line.msg}`)).toEqual([expect.stringMatching(/^40 broker outage: /), expect.stringMatching(/^30 broker outage over after/)]);
    expect(told[1]?.msg).toMatch(/^broker outage over after \d+\.\d s/);
    expect(told[1]?.['durationMs']).toBeGreaterThanOrEqual(5_000);
    expect(told[1]?.['durationMs']).toBeLessThan(20_000);
    // Reconnection attempts were logged, at debug only.
    expect(logLines().slice(from).filter((line) => /connected/.test(line.msg))).toEqual([]);
  });

  it('tells an outage of a paused Redis (SIGSTOP) the same way', async () => {
    const from = logLines().length;
    redis.pause();
    try {
      await until('the stall told', () => notable(from).length > 0, 10_000);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    } finally {
      redis.resume();
    }
    await until('the end of the stall told', () => notable(from).length > 1, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const told = notable(from);
    expect(told.map((line) => line.level)).toEqual([WARN, INFO]);
    expect(told[0]?.msg).toMatch(/^broker outage: the event stream is cut \(.*stopped answering/);
    expect(told[1]?.msg).toMatch(/^broker outage over after \d+\.\d s/);
    expect(told[1]?.['durationMs']).toBeGreaterThanOrEqual(3_000);
  });
});

describe('the first start of pollen off a terminal', () => {
  // A build folder of its own (next.config.js), so the dashboard is built now, whatever the checkout holds.
  const build = `readable-logs-${process.pid}`;

  afterAll(() => {
    rmSync(join(REPO, '.next-prefix', build), { recursive: true, force: true });
    rmSync(join(REPO, '.next-prefix', `${build}.tsconfig.json`), { force: true });
  });

  it('says plainly that it builds the dashboard once and about how long it takes, and keeps Next\'s output off stdout', async () => {
    const port = await freePort();
    const pollen = startChild(process.execPath, [BIN, '--port', String(port), '--address', '127.0.0.1'], {
      env: { ...process.env, CELERY_BROKER_URL: '', LOG_LEVEL: 'info', POLLEN_NEXT_BUILD: build },
    });
    let stdout = '';
    let stderr = '';
    pollen.process.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    pollen.process.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await pollen.waitFor(/Building the dashboard once/, 30_000);
      await until('the notice', () => stderr.includes('Building the dashboard once'), 5_000);
      // Said before the build's own output, with how long it takes.
      expect(stderr).toMatch(/^Building the dashboard once \(next build\): \d+ to \d+ s on 2 free cores, up to a minute when they are busy\./);
      await pollen.waitFor(/Pollen is running/, 300_000);
      await until('the last lines', () => stderr.includes('Pollen is running') && stdout.includes('Pollen is running'), 5_000);
      expect(stderr).toMatch(/^The dashboard is built \(\d+ s\)\.$/m);
      expect(stderr).toContain('Creating an optimized production build');
      expect(stdout).not.toContain('Creating an optimized production build');
      expect(stdout).not.toContain('Route (app)');
    } finally {
      await pollen.stop();
    }
  }, 360_000);
});
