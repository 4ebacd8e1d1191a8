/**
 * Python Celery (Debian's python3-celery 5.2) as the producer and the client, Pollen's TypeScript worker
 * (`pollen worker --app worker/examples/tasks.ts`, a child process) running the tasks, over a real
 * redis-server and over a real RabbitMQ (results in Redis either way): what Python sends by name the TS
 * worker runs, and what it stores Python's AsyncResult reads back (values, rebuilt exceptions, states).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRabbit, type RabbitServer } from '@/test/harness/rabbitmq-server';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { type PythonOptions, pythonJson, startTsWorker, type TsWorker } from '@/test/harness/ts-worker';

interface Spec {
  name: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  countdown?: number;
  expires?: number;
  timeout?: number;
}

interface Report {
  id: string;
  name: string;
  state: string;
  result?: unknown;
  exc?: { type: string; module: string; message: string; args: unknown[] };
  elapsed: number;
  done_after?: number;
  worker?: string | null;
}

for (const brokerKind of ['redis', 'amqp'] as const) {
  describe(`a Python producer and the TS worker, broker ${brokerKind}, backend redis`, () => {
    let redis: RedisServer;
    let rabbit: RabbitServer | undefined;
    let worker: TsWorker;
    let python: PythonOptions;

    beforeAll(async () => {
      redis = await startRedis();
      if (brokerKind === 'amqp') rabbit = await startRabbit();
      const broker = rabbit ? rabbit.url() : redis.url(0);
      python = { broker, backend: redis.url(1) };
      worker = await startTsWorker({ broker, backend: redis.url(1), concurrency: 4 });
    });

    afterAll(async () => {
      await worker?.stop();
      await rabbit?.stop();
      await redis?.stop();
    });

    /** Sends every spec from Python at once and waits for each with AsyncResult.get(). */
    const call = (...specs: Spec[]): Promise<Report[]> => pythonJson<Report[]>('worker_client.py', ['call', JSON.stringify(specs)], python);

    it('runs examples.add with positional args, with kwargs by parameter name, and with both', async () => {
      const reports = await call(
        { name: 'examples.add', args: [2, 3] },
        { name: 'examples.add', kwargs: { x: 4, y: 5 } },
        { name: 'examples.add', args: [1], kwargs: { y: 10 } },
        { name: 'examples.add', args: [1.5, 'x'] },
      );
      expect(reports.map((r) => [r.state, r.result ?? r.exc?.type])).toEqual([
        ['SUCCESS', 5],
        ['SUCCESS', 9],
        ['SUCCESS', 11],
        // JS adds a number and a string; the point is that the value comes back as JSON.
        ['SUCCESS', '1.5x'],
      ]);
      // Stored with result_extended: the TS worker (and not some other) ran them.
      expect(new Set(reports.map((r) => r.worker))).toEqual(new Set([worker.hostname]));
    });

    it('fails a call with an unknown keyword argument as Python would: TypeError, rebuilt as builtins.TypeError', async () => {
      const [report] = await call({ name: 'examples.add', args: [1], kwargs: { z: 2 } });
      expect(report?.state).toBe('FAILURE');
      expect(report?.exc).toMatchObject({ type: 'TypeError', module: 'builtins', message: expect.stringContaining("unexpected keyword argument 'z'") });
    });

    it('honours countdown: the result is not stored before it is due', async () => {
      const [late, now] = await call({ name: 'examples.add', args: [20, 22], countdown: 1.5 }, { name: 'examples.add', args: [1, 1] });
      expect(late).toMatchObject({ state: 'SUCCESS', result: 42 });
      expect(late?.done_after).toBeGreaterThanOrEqual(1.5);
      expect(late?.elapsed).toBeGreaterThanOrEqual(1.5);
      // The task sent after it is not held up behind the ETA.
      expect(now).toMatchObject({ state: 'SUCCESS', result: 2 });
      expect(now?.done_after).toBeLessThan(1.5);
    });

    it('revokes a task whose expiry has passed: Python sees REVOKED and raises TaskRevokedError', async () => {
      const [expired, alive] = await call({ name: 'examples.add', args: [1, 2], expires: -5 }, { name: 'examples.add', args: [3, 4], expires: 60 });
      expect(expired?.state).toBe('REVOKED');
      expect(expired?.exc).toMatchObject({ type: 'TaskRevokedError', module: 'celery.exceptions', message: 'expired' });
      expect(alive).toMatchObject({ state: 'SUCCESS', result: 7 });
    });

    it('revokes a task that expires while it waits for its ETA', async () => {
      const [report] = await call({ name: 'examples.add', args: [1, 2], countdown: 1, expires: 0.5 });
      expect(report?.state).toBe('REVOKED');
      expect(report?.exc).toMatchObject({ type: 'TaskRevokedError', message: 'expired' });
      expect(report?.done_after).toBeGreaterThanOrEqual(0.5);
    });

    it('retries examples.flaky until it succeeds; Python only sees the final result', async () => {
      const [twice, never] = await call({ name: 'examples.flaky', kwargs: { times: 2, countdown: 0.1 } }, { name: 'examples.flaky', args: [0] });
      expect(twice).toMatchObject({ state: 'SUCCESS', result: 'ok after 2 retries' });
      expect(never).toMatchObject({ state: 'SUCCESS', result: 'ok after 0 retries' });
    });

    it("fails examples.fail: Python raises an exception of the TS error's class name with its message", async () => {
      const [report] = await call({ name: 'examples.fail', args: ['kaboom from TS'] });
      expect(report?.state).toBe('FAILURE');
      // A JS Error is stored as exc_type "Error" with exc_module null; Celery 5.2 rebuilds such a class
      // with create_exception_cls in celery.backends.base.
      expect(report?.exc).toEqual({ type: 'Error', module: 'celery.backends.base', message: 'kaboom from TS', args: ['kaboom from TS'] });
    });

    it('shows examples.progress as PROGRESS with {current, total} while it runs, then SUCCESS', async () => {
      const out = await pythonJson<{ seen: { state: string; info: unknown }[]; result: unknown }>('worker_client.py', ['progress', '4', '0.3'], python);
      const progress = out.seen.filter((s) => s.state === 'PROGRESS');
      expect(progress.length).toBeGreaterThanOrEqual(2);
      for (const p of progress) expect(p.info).toEqual({ current: expect.any(Number), total: 4 });
      // Seen in order (a 20 ms poll sees the 0.3 s steps; the last one may turn into SUCCESS at once).
      const currents = progress.map((p) => (p.info as { current: number }).current);
      expect(currents).toEqual([...currents].sort((a, b) => a - b));
      expect(currents.every((c) => c >= 1 && c <= 4)).toBe(true);
      expect(currents).toContain(2);
      expect(out.seen.at(-1)?.state).toBe('SUCCESS');
      expect(out.result).toEqual({ current: 4, total: 4 });
    });
  });
}
