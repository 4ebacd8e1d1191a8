/**
 * Flower's control endpoints on a running Pollen, against real Python Celery 5.2 workers on real Redis and
 * RabbitMQ: what each answers (Flower's messages, statuses and plain-text refusals), and that the command
 * reached the worker, seen through Python's own `app.control.inspect` or the task's fate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPollen } from '@/test/harness/pollen-server';
import { startRedis } from '@/test/harness/redis-server';
import { pythonJson } from '@/test/harness/ts-worker';
import { until } from '@/test/harness/until';
import { BROKER_KINDS, startCluster, type TestCluster } from '@/test/harness/pollen-cluster';

type Json = Record<string, unknown>;

describe.each(BROKER_KINDS)("Flower's control API on %s with real Python workers", (kind) => {
  const prefork = `prefork-${kind}@pollen`;
  const solo = `solo-${kind}@pollen`;
  // Only the prefork worker (which can terminate and time out tasks) consumes it.
  const slow = `slow-${kind}`;
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startCluster(kind, [
      { nodename: prefork, pool: 'prefork', concurrency: 2, queues: ['celery', slow] },
      { nodename: solo, pool: 'solo', queues: ['celery'] },
    ]);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const post = (path: string, form: Record<string, string> = {}) => cluster.pollen.request(path, { method: 'POST', form });
  const get = (path: string) => cluster.pollen.request(path);
  /** Python's `app.control.inspect(destination=[node])._request(method)`: {node: reply}. */
  const inspect = async <T>(node: string, method: string, args: Json = {}): Promise<T> =>
    (await pythonJson<Record<string, T>>('worker_control.py', ['inspect', method, node, JSON.stringify(args)], cluster.python))[node] as T;
  const poolProcesses = async (node: string): Promise<number> => ((await inspect<Json>(node, 'stats'))['pool'] as { processes: number[] }).processes.length;
  const sendToSlow = async (name: string, args: unknown[]): Promise<string> => {
    const sent = await cluster.pollen.request(`/api/task/async-apply/${name}`, { json: { args, queue: slow } });
    expect(sent.status).toBe(200);
    return (sent.body as Json)['task-id'] as string;
  };
  const started = (id: string) => until(`task ${id} to start`, async () => ((await get(`/api/task/info/${id}`)).body as Json)['state'] === 'STARTED', 20_000);

  it("grows and shrinks a prefork worker's pool, with Flower's messages", async () => {
    const before = await poolProcesses(prefork);
    const grow = await post(`/api/worker/pool/grow/${prefork}`, { n: '2' });
    expect(grow).toMatchObject({ status: 200, body: { message: `Growing '${prefork}' worker's pool by 2` } });
    await until('the pool to grow by 2', async () => (await poolProcesses(prefork)) === before + 2);
    const shrink = await cluster.pollen.request(`/api/worker/pool/shrink/${prefork}?n=2`, { method: 'POST' });
    expect(shrink).toMatchObject({ status: 200, body: { message: `Shrinking '${prefork}' worker's pool by 2` } });
    await until('the pool to shrink back', async () => (await poolProcesses(prefork)) === before);
  });

  it("answers a refused command with 403 and Flower's plain-text reason", async () => {
    const grow = await post(`/api/worker/pool/grow/${solo}`);
    expect(grow.status).toBe(403);
    expect(grow.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(grow.text).toMatch(new RegExp(`^Failed to grow '${solo}' worker's pool: AttributeError\\(.*grow`));
    const restart = await post(`/api/worker/pool/restart/${prefork}`);
    expect(restart).toMatchObject({ status: 403, text: `Failed to restart the '${prefork}' pool: ValueError('Pool restarts not enabled')` });
    const autoscale = await post(`/api/worker/pool/autoscale/${prefork}`, { min: '1', max: '3' });
    expect(autoscale).toMatchObject({ status: 403, text: `Failed to autoscale '${prefork}' worker: ValueError('Autoscale not enabled')` });
  });

  it("adds and cancels a consumer, as the worker's active_queues shows", async () => {
    const queue = `extra-${kind}`;
    const queues = async () => (await inspect<{ name: string }[]>(solo, 'active_queues')).map((q) => q.name);
    const add = await post(`/api/worker/queue/add-consumer/${solo}`, { queue });
    expect(add).toMatchObject({ status: 200, body: { message: `add consumer ${queue}` } });
    expect(await queues()).toEqual(expect.arrayContaining(['celery', queue]));
    const cancel = await post(`/api/worker/queue/cancel-consumer/${solo}`, { queue });
    expect(cancel).toMatchObject({ status: 200, body: { message: `no longer consuming from ${queue}` } });
    expect(await queues()).not.toContain(queue);
  });

  it('sets a rate limit that the worker then reports, and lifts it', async () => {
    const set = await post('/api/task/rate-limit/tasks.add', { workername: solo, ratelimit: '10/m' });
    expect(set).toMatchObject({ status: 200, body: { message: 'new rate limit set successfully' } });
    expect(await inspect<string[]>(solo, 'registered')).toContain('tasks.add [rate_limit=10/m]');
    const lift = await post('/api/task/rate-limit/tasks.add', { workername: solo, ratelimit: '' });
    expect(lift).toMatchObject({ status: 200, body: { message: 'rate limit disabled successfully' } });
    // Celery then lists an empty limit: `tasks.add [rate_limit=]`.
    expect((await inspect<string[]>(solo, 'registered')).filter((entry) => entry.startsWith('tasks.add '))).toEqual(['tasks.add [rate_limit=]']);
    expect(await post('/api/task/rate-limit/no.such.task', { workername: solo, ratelimit: '1/s' })).toMatchObject({ status: 404, body: { error: "Unknown task 'no.such.task'" } });
  });

  it('sets time limits on the worker, as its registered list shows, and lifts them', async () => {
    // Python 5.2 keeps the new limits on the task (shown here) but applies them to requests only after its
    // consumer restarts: create_request_cls captured the old ones. Flower's endpoint has the same effect.
    const limits = async () => (await inspect<string[]>(prefork, 'registered', { taskinfoitems: ['time_limit', 'soft_time_limit'] })).filter((e) => e.startsWith('tasks.sleep'));
    const set = await post('/api/task/timeout/tasks.sleep', { workername: prefork, soft: '0.5', hard: '30' });
    expect(set).toMatchObject({ status: 200, body: { message: 'time limits set successfully' } });
    expect(await limits()).toEqual(['tasks.sleep [time_limit=30 soft_time_limit=0.5]']);
    expect(await post('/api/task/timeout/tasks.sleep', { workername: prefork })).toMatchObject({ status: 200, body: { message: 'time limits set successfully' } });
    expect(await limits()).toEqual(['tasks.sleep']);
    expect(await post('/api/task/timeout/no.such.task', { workername: prefork, soft: '1' })).toMatchObject({ status: 404, body: { error: "Unknown task 'no.such.task'" } });
  });

  it('revoke with terminate=true stops a running task, which ends REVOKED', async () => {
    const id = await sendToSlow('tasks.sleep', [60]);
    await started(id);
    const since = Date.now();
    const revoke = await post(`/api/task/revoke/${id}`, { terminate: 'true', signal: 'SIGTERM' });
    expect(revoke).toMatchObject({ status: 200, body: { message: `Revoked '${id}'` } });
    const result = await get(`/api/task/result/${id}?timeout=20`);
    expect(result.body).toEqual({ 'task-id': id, state: 'REVOKED', result: "TaskRevokedError('terminated')" });
    expect(Date.now() - since).toBeLessThan(20_000);
  });

  it('abort stores ABORTED, which a running AbortableTask sees', async () => {
    const id = await sendToSlow('tasks.abortable', [60]);
    await started(id);
    const abort = await post(`/api/task/abort/${id}`);
    expect(abort).toMatchObject({ status: 200, body: { message: `Aborted '${id}'` } });
    expect((await get(`/api/task/result/${id}?timeout=20`)).body).toEqual({ 'task-id': id, state: 'SUCCESS', result: 'aborted' });
  });

  it("answers 404 for a worker nobody knows, then shuts a worker down; a silent one gets 504", async () => {
    expect(await post('/api/worker/pool/grow/nobody@nowhere')).toMatchObject({ status: 404, body: { error: "Unknown worker 'nobody@nowhere'" } });
    const worker = cluster.workers.get(solo);
    const exited = new Promise((resolve) => worker?.process.once('exit', resolve));
    expect(await post(`/api/worker/shutdown/${solo}`)).toMatchObject({ status: 200, body: { message: 'Shutting down!' } });
    await exited;
    const silent = await post(`/api/worker/pool/grow/${solo}`);
    expect(silent.status).toBe(504);
    expect((silent.body as Json)['error']).toMatch(new RegExp(`'${solo}' did not answer pool_grow`));
  });

  it.runIf(kind === 'redis')('refuses bad parameters with 400 naming the field', async () => {
    const cases: [string, Record<string, string>, RegExp][] = [
      [`/api/worker/pool/grow/${prefork}`, { n: 'abc' }, /^n: expected a number/],
      [`/api/worker/pool/shrink/${prefork}`, { n: '0' }, /^n: must be at least 1/],
      [`/api/worker/pool/autoscale/${prefork}`, { min: '4', max: '2' }, /^min: must not be more than max/],
      [`/api/worker/pool/autoscale/${prefork}`, { max: '2' }, /^min: required/],
      [`/api/worker/queue/add-consumer/${prefork}`, {}, /^queue: required/],
      ['/api/task/rate-limit/tasks.add', { ratelimit: '10/m' }, /^workername: required/],
      ['/api/task/rate-limit/tasks.add', { workername: prefork, ratelimit: 'fast' }, /^ratelimit: invalid rate limit "fast"/],
      ['/api/task/rate-limit/tasks.add', { workername: prefork, ratelimit: '10/min' }, /^ratelimit: invalid rate limit/],
      ['/api/task/timeout/tasks.add', { workername: prefork, soft: '-1' }, /^soft: must not be negative/],
      ['/api/task/timeout/tasks.add', { workername: prefork, hard: 'long' }, /^hard: expected a number/],
      [`/api/task/revoke/${crypto.randomUUID()}`, { terminate: 'maybe' }, /^terminate: expected true or false/],
      [`/api/task/revoke/${crypto.randomUUID()}`, { terminate: 'true', signal: 'SIGNOPE' }, /^signal: unknown signal "SIGNOPE"/],
    ];
    for (const [path, form, error] of cases) {
      const response = await post(path, form);
      expect({ path, form, status: response.status }).toEqual({ path, form, status: 400 });
      expect((response.body as Json)['error']).toMatch(error);
    }
  });

  it.runIf(kind === 'redis')('answers 503 without a broker or a result backend', async () => {
    const bare = await startPollen({});
    try {
      expect(await bare.request(`/api/worker/pool/grow/${prefork}`, { method: 'POST' })).toMatchObject({ status: 503, body: { error: expect.stringContaining('--broker') } });
      expect(await bare.request(`/api/task/revoke/${crypto.randomUUID()}`, { method: 'POST' })).toMatchObject({ status: 503 });
      expect(await bare.request(`/api/task/abort/${crypto.randomUUID()}`, { method: 'POST' })).toMatchObject({ status: 503, body: { error: expect.stringContaining('--result-backend') } });
    } finally {
      await bare.close();
    }
  });
});

describe('Flower control and send endpoints with the broker away', () => {
  it('answer 503 at once rather than wait for the broker to come back', async () => {
    const redis = await startRedis();
    const pollen = await startPollen({ broker: redis.url(0), resultBackend: redis.url(1) });
    try {
      await redis.stop();
      const link = () => pollen.server.context.collector?.transport.state().status;
      await until('Pollen to see the broker gone', () => link() !== 'connected', 15_000);
      const since = Date.now();
      expect(await pollen.request(`/api/task/revoke/${crypto.randomUUID()}`, { method: 'POST' })).toMatchObject({ status: 503, body: { error: expect.stringMatching(/^the broker is \w+/) } });
      expect(await pollen.request('/api/worker/pool/grow/any@where', { method: 'POST' })).toMatchObject({ status: 503 });
      expect(await pollen.request('/api/task/send-task/tasks.add', { json: { args: [1, 1] } })).toMatchObject({ status: 503 });
      expect(Date.now() - since).toBeLessThan(2000);
    } finally {
      await pollen.close();
      await redis.stop();
    }
  });
});
