/**
 * The TS worker's events as Python's own receiver and state machine read them (`app.events.Receiver` and
 * `app.events.State`, what `celery events` and Flower use), over a real redis-server: worker-online,
 * heartbeats with every worker field, each task event for the tasks it runs (task.multi batches split by
 * Python), and worker-offline after SIGTERM.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Child } from '@/test/harness/child';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { type PythonOptions, pythonJson, startPython, startTsWorker, type TsWorker } from '@/test/harness/ts-worker';
import { until } from '@/test/harness/until';

type Event = Record<string, unknown> & { type: string; hostname: string; uuid?: string };
interface Line {
  event: Event;
  worker_alive: boolean | null;
  task_state: string | null;
  heartbeats: number | null;
}

const WORKER_FIELDS = ['freq', 'active', 'processed', 'loadavg', 'sw_ident', 'sw_ver', 'sw_sys'];

describe("the TS worker's events, read by Python's EventReceiver and State over Redis", () => {
  let redis: RedisServer;
  let client: Redis;
  let receiver: Child;
  let worker: TsWorker;
  let python: PythonOptions;
  let node: string;
  const ids: Record<string, string> = {};
  let workerExit: number | string | null = null;

  /** Everything the receiver printed so far, from our worker only. */
  const lines = (): Line[] =>
    receiver
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Line)
      .filter((l) => l.event.hostname === node);
  const ofTask = (id: string | undefined): Line[] => lines().filter((l) => l.event.uuid === id);

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url(0));
    python = { broker: redis.url(0), backend: redis.url(1) };
    receiver = startPython(['worker_events.py'], python);
    await receiver.waitFor(/receiving/, 20_000);
    // The receiver's PSUBSCRIBE /0.celeryev/* is live.
    await until('the Python receiver to subscribe', async () => Number(await client.call('PUBSUB', 'NUMPAT')) >= 1);
    worker = await startTsWorker({ broker: redis.url(0), backend: redis.url(1), heartbeatInterval: 1, concurrency: 2 });
    node = worker.hostname;
    // The tasks whose events we look for: success, failure, a retry, and an expired (revoked) one.
    const reports = await pythonJson<{ id: string; state: string }[]>(
      'worker_client.py',
      [
        'call',
        JSON.stringify([
          { name: 'examples.add', args: [2, 3] },
          { name: 'examples.fail', args: ['no luck'] },
          { name: 'examples.flaky', args: [1, 0.1] },
          { name: 'examples.add', args: [1, 1], expires: -5 },
        ]),
      ],
      python,
    );
    expect(reports.map((r) => r.state)).toEqual(['SUCCESS', 'FAILURE', 'SUCCESS', 'REVOKED']);
    for (const [i, name] of ['add', 'fail', 'flaky', 'expired'].entries()) ids[name] = reports[i]?.id ?? '';
    await until('two heartbeats', () => lines().filter((l) => l.event.type === 'worker-heartbeat').length >= 2, 10_000);
    // Every task has its last event in (task events are flushed in batches).
    await until('the last task events', () => ofTask(ids['flaky']).some((l) => l.event.type === 'task-succeeded') && ofTask(ids['expired']).length > 0, 10_000);
    worker.signal('SIGTERM');
    workerExit = await worker.exited();
    await until('worker-offline', () => lines().some((l) => l.event.type === 'worker-offline'), 10_000);
  });

  afterAll(async () => {
    await worker?.stop();
    await receiver?.stop();
    client?.disconnect();
    await redis?.stop();
  });

  it('sees the worker online first, with every worker field, and alive', () => {
    const [first] = lines();
    expect(first?.event).toMatchObject({
      type: 'worker-online',
      hostname: node,
      pid: worker.process.pid,
      clock: expect.any(Number),
      timestamp: expect.any(Number),
      utcoffset: expect.any(Number),
      freq: 1,
      active: 0,
      processed: 0,
      loadavg: [expect.any(Number), expect.any(Number), expect.any(Number)],
      sw_ident: 'pollen-worker',
      sw_ver: expect.stringMatching(/^\d+\.\d+/),
      sw_sys: 'Linux',
    });
    expect(first?.worker_alive).toBe(true);
  });

  it('sees at least two heartbeats with active, processed, loadavg, freq and sw_*; the State keeps them', () => {
    const beats = lines().filter((l) => l.event.type === 'worker-heartbeat');
    expect(beats.length).toBeGreaterThanOrEqual(2);
    for (const beat of beats) {
      for (const field of WORKER_FIELDS) expect(beat.event).toHaveProperty(field);
      expect(beat.event).toMatchObject({ freq: 1, sw_ident: 'pollen-worker', sw_sys: 'Linux', loadavg: expect.any(Array), active: expect.any(Number) });
      expect(beat.worker_alive).toBe(true);
    }
    expect(Math.max(...beats.map((b) => b.heartbeats ?? 0))).toBeGreaterThanOrEqual(2);
  });

  it('sees task-received, task-started, task-succeeded for a success, and the State says SUCCESS', () => {
    const events = ofTask(ids['add']);
    expect(events.map((l) => l.event.type)).toEqual(['task-received', 'task-started', 'task-succeeded']);
    expect(events[0]?.event).toMatchObject({ name: 'examples.add', args: expect.stringContaining('2, 3'), kwargs: expect.any(String), retries: 0, root_id: ids['add'] });
    expect(events[2]?.event).toMatchObject({ result: '5', runtime: expect.any(Number) });
    expect(events.at(-1)?.task_state).toBe('SUCCESS');
  });

  it('sees task-failed with the exception repr and a traceback', () => {
    const events = ofTask(ids['fail']);
    expect(events.map((l) => l.event.type)).toEqual(['task-received', 'task-started', 'task-failed']);
    expect(events[2]?.event).toMatchObject({ exception: "Error('no luck')", traceback: expect.stringContaining('Traceback') });
    expect(events.at(-1)?.task_state).toBe('FAILURE');
  });

  it('sees task-retried, then the same task received again with retries 1, and succeeded', () => {
    const events = ofTask(ids['flaky']);
    const types = events.map((l) => l.event.type);
    // The retry message is sent before task-retried (as in Celery's Task.retry), so the second
    // task-received may come before or after it.
    expect([...types.slice(0, 2), types.slice(2, 4).sort(), ...types.slice(4)]).toEqual([
      'task-received',
      'task-started',
      ['task-received', 'task-retried'],
      'task-started',
      'task-succeeded',
    ]);
    const received = events.filter((l) => l.event.type === 'task-received');
    expect(received.map((l) => l.event['retries'])).toEqual([0, 1]);
    expect(events.find((l) => l.event.type === 'task-retried')?.event).toMatchObject({ exception: "Error('transient failure 1 of 1')", traceback: expect.any(String) });
    expect(events[5]?.event).toMatchObject({ result: "'ok after 1 retries'" });
    expect(events.at(-1)?.task_state).toBe('SUCCESS');
  });

  it('sees task-revoked (expired) without task-received for an expired task', () => {
    const events = ofTask(ids['expired']);
    expect(events.map((l) => l.event.type)).toEqual(['task-revoked']);
    expect(events[0]?.event).toMatchObject({ expired: true, terminated: false });
    expect(events[0]?.task_state).toBe('REVOKED');
  });

  it('sees worker-offline after SIGTERM, last, and the State marks the worker dead', () => {
    expect(workerExit).toBe(0);
    const last = lines().at(-1);
    expect(last?.event).toMatchObject({ type: 'worker-offline', hostname: node, sw_ident: 'pollen-worker' });
    for (const field of WORKER_FIELDS) expect(last?.event).toHaveProperty(field);
    // add, fail and flaky twice ran; the expired task never did.
    expect(last?.event).toMatchObject({ active: 0, processed: 4 });
    expect(last?.worker_alive).toBe(false);
  });
});
