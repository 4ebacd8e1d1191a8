/**
 * Python's remote control against Pollen's TypeScript worker (a `pollen worker` child process) over a real
 * redis-server: the real `celery inspect` / `celery control` command line and Python's `app.control`
 * get replies in the shapes a Python 5.2 worker gives (CELERY-WIRE.md §6.5), and `revoke` with
 * terminate stops a running task (REVOKED in Python) while the worker keeps working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { until } from '@/test/harness/until';
import { celeryCli, type PythonOptions, pythonJson, startTsWorker, type TsWorker } from '@/test/harness/ts-worker';

type Json = Record<string, unknown>;

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('Python remote control of the TS worker over Redis', () => {
  let redis: RedisServer;
  let worker: TsWorker;
  let node: string;
  let python: PythonOptions;

  beforeAll(async () => {
    redis = await startRedis();
    python = { broker: redis.url(0), backend: redis.url(1) };
    worker = await startTsWorker({ broker: redis.url(0), backend: redis.url(1), concurrency: 3 });
    node = worker.hostname;
  });

  afterAll(async () => {
    await worker?.stop();
    await redis?.stop();
  });

  const inspect = <T = unknown>(method: string, args: Json = {}) => pythonJson<Record<string, T>>('worker_control.py', ['inspect', method, node, JSON.stringify(args)], python);
  const control = <T = unknown>(method: string, args: Json = {}) => pythonJson<Record<string, T>[]>('worker_control.py', ['control', method, node, JSON.stringify(args)], python);
  const call = (specs: Json[]) => pythonJson<Json[]>('worker_client.py', ['call', JSON.stringify(specs)], python);

  it('`celery inspect ping -d <node>` (the real CLI) gets pong', async () => {
    const { code, output } = await celeryCli(['inspect', 'ping', '-d', node, '-t', '5'], python);
    expect(output).toMatch(new RegExp(`->\\s+${escape(node)}: OK\\s+pong`));
    expect(output).toContain('1 node online.');
    expect(code).toBe(0);
  });

  it('`celery control rate_limit examples.add 10/m -d <node>` (the real CLI) sets it; inspect registered shows it', async () => {
    const set = await celeryCli(['control', 'rate_limit', 'examples.add', '10/m', '-d', node, '-t', '5'], python);
    expect(set.output).toMatch(new RegExp(`->\\s+${escape(node)}: OK\\s+new rate limit set successfully`));
    expect(set.code).toBe(0);
    const registered = await celeryCli(['inspect', 'registered', '-d', node, '-t', '5', '-j'], python);
    expect(registered.code).toBe(0);
    const replies = JSON.parse(registered.output.trim().split('\n').pop() ?? '') as Record<string, string[]>;
    expect(replies[node]).toEqual(expect.arrayContaining(['examples.add [rate_limit=10/m]', 'examples.fail', 'examples.sleep']));
    // Sorted, as Python sorts them.
    expect(replies[node]).toEqual([...(replies[node] ?? [])].sort());
    // Back to no limit (the other tests run examples.add), and the answer to that.
    expect(await control('rate_limit', { task_name: 'examples.add', rate_limit: '' })).toEqual([{ [node]: { ok: 'rate limit disabled successfully' } }]);
    expect(await inspect('registered')).toEqual({ [node]: expect.arrayContaining(['examples.add']) });
    expect(await control('rate_limit', { task_name: 'no.such.task', rate_limit: '1/s' })).toEqual([{ [node]: { error: 'unknown task' } }]);
  });

  it('answers inspect stats in the shape of a Python worker', async () => {
    const stats = (await inspect<Json>('stats'))[node] as Json;
    expect(stats).toMatchObject({
      pid: worker.process.pid,
      clock: expect.stringMatching(/^\d+$/),
      uptime: expect.any(Number),
      total: expect.any(Object),
      prefetch_count: 12,
      pool: expect.objectContaining({ 'max-concurrency': 3, processes: expect.any(Array), 'max-tasks-per-child': expect.anything(), timeouts: expect.any(Array) }),
      broker: expect.objectContaining({ hostname: '127.0.0.1', port: redis.port, transport: 'redis', virtual_host: '0' }),
      rusage: expect.objectContaining({ utime: expect.any(Number), stime: expect.any(Number), maxrss: expect.any(Number) }),
    });
    expect(Number.isInteger(stats['uptime'])).toBe(true);
  });

  it('answers inspect active with request info while a task runs, then terminates it on revoke(terminate=True)', async () => {
    const out = await pythonJson<Json & { active: Json[]; reply: Record<string, Json>[] }>('worker_control.py', ['terminate-running', node, '20'], python);
    const id = out['id'] as string;
    expect(out.active).toEqual([
      {
        id,
        name: 'examples.sleep',
        args: [20],
        kwargs: {},
        type: 'examples.sleep',
        hostname: node,
        time_start: expect.any(Number),
        acknowledged: true,
        delivery_info: { exchange: '', routing_key: 'celery', priority: 0, redelivered: false },
        worker_pid: worker.process.pid,
      },
    ]);
    expect(out.reply).toEqual([{ [node]: { ok: `terminate: ${id}` } }]);
    expect(out['state']).toBe('REVOKED');
    expect(out['exc']).toMatchObject({ type: 'TaskRevokedError', module: 'celery.exceptions', message: 'terminated' });
    expect(out['elapsed']).toBeLessThan(15);
    // The worker keeps working: nothing active any more, and a new task runs.
    expect(await inspect('active')).toEqual({ [node]: [] });
    expect(await call([{ name: 'examples.add', args: [2, 3] }])).toMatchObject([{ state: 'SUCCESS', result: 5 }]);
  });

  it('`celery control revoke <id>` (the real CLI) revokes a task waiting for its ETA; inspect revoked lists it', async () => {
    const { id } = await pythonJson<{ id: string }>('worker_client.py', ['send', JSON.stringify({ name: 'examples.add', args: [1, 1], countdown: 30 })], python);
    // Received and waiting (inspect scheduled), then revoked.
    const scheduled = await until('the task in inspect scheduled', async () => {
      const replies = await inspect<Json[]>('scheduled');
      return (replies[node] ?? []).length > 0 ? replies : null;
    });
    expect(scheduled[node]).toEqual([expect.objectContaining({ eta: expect.any(String), priority: expect.any(Number), request: expect.objectContaining({ id, name: 'examples.add' }) })]);
    const revoke = await celeryCli(['control', 'revoke', id, '-d', node, '-t', '5', '-j'], python);
    expect(revoke.code).toBe(0);
    expect(JSON.parse(revoke.output.trim().split('\n').pop() ?? '')).toEqual([{ [node]: { ok: `tasks ${id} flagged as revoked` } }]);
    const waited = await pythonJson<Json>('worker_client.py', ['wait', id, '10'], python);
    expect(waited).toMatchObject({ state: 'REVOKED', exc: { type: 'TaskRevokedError', message: 'revoked' } });
    expect(waited['elapsed']).toBeLessThan(10);
    expect((await inspect<string[]>('revoked'))[node]).toContain(id);
  });

  it('answers an unknown command with KeyError, ping, and active_queues', async () => {
    expect(await control('no_such_command')).toEqual([{ [node]: { error: "KeyError('no_such_command')" } }]);
    expect(await inspect('ping')).toEqual({ [node]: { ok: 'pong' } });
    expect(await inspect('active_queues')).toEqual({ [node]: [expect.objectContaining({ name: 'celery', routing_key: 'celery', exchange: expect.objectContaining({ name: 'celery', type: 'direct' }) })] });
  });
});
