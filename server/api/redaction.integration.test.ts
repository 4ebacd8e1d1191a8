/**
 * --redact on a running Pollen, against a real Python Celery 5.2 worker on real Redis (Redis as result
 * backend, without result_extended): secrets in a task's args, kwargs, result, exception and traceback
 * never reach a page, an API answer, the search or history; and a redacted task is not retried from its
 * masked reprs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '@/test/harness/pollen-cluster';

type Json = Record<string, unknown>;
const SECRETS = ['hunter2', 'pw-42', 'EMP-123456', 'zq-pin-77', 'abc-77-xyz'];

describe('redaction with a real Python worker', () => {
  const worker = 'redact@pollen';
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startCluster('redis', [{ nodename: worker, pool: 'prefork', concurrency: 1, queues: ['celery'] }], { redact: 'pin,/EMP-\\d{6}/' });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const request = (path: string, init?: { method?: string; json?: unknown }) => cluster.pollen.request(path, init);
  const noSecret = (text: string) => {
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  };

  it('masks args, kwargs and the result in the task, its stored result and the apply answer', async () => {
    const applied = await request('/api/task/apply/tasks.echo', { method: 'POST', json: { args: ['redis://app:pw-42@cache:6379/0', 'EMP-123456'], kwargs: { password: 'hunter2', pin: 'zq-pin-77', user: 'ana' } } });
    expect(applied.status).toBe(200);
    noSecret(applied.text);
    const id = (applied.body as Json)['task-id'] as string;
    expect((applied.body as Json)['result']).toEqual({ args: ['redis://app:[redacted]@cache:6379/0', '[redacted]'], kwargs: { password: '[redacted]', pin: '[redacted]', user: 'ana' } });

    const detail = await request(`/api/v1/tasks/${id}`);
    expect(detail.status).toBe(200);
    const task = (detail.body as Json)['task'] as Json;
    expect(task['kwargs']).toContain("'password': '[redacted]'");
    expect(task['kwargs']).toContain("'user': 'ana'");
    expect(task['args']).toContain('redis://app:[redacted]@cache');
    noSecret(detail.text);
    noSecret((await request(`/api/task/info/${id}`)).text);
    noSecret((await request(`/api/task/result/${id}`)).text);

    // Nothing holds the secret, so nothing finds it; the rest of the task is found as before.
    const hunted = await request('/api/v1/tasks?search=hunter2');
    expect((hunted.body as Json)['total_matching']).toBe(0);
    const found = await request(`/api/v1/tasks?search=${encodeURIComponent("kwargs:user=ana")}`);
    expect(((found.body as Json)['tasks'] as Json[]).map((t) => t['uuid'])).toContain(id);
  });

  it('masks the exception and traceback of a failure, which is then not retried from its masked args', async () => {
    const applied = await request('/api/task/apply/tasks.fail', { method: 'POST', json: { args: ['login refused for token=abc-77-xyz'] } });
    expect(applied.status).toBe(200);
    expect((applied.body as Json)['state']).toBe('FAILURE');
    noSecret(applied.text);
    const id = (applied.body as Json)['task-id'] as string;
    const detail = await request(`/api/v1/tasks/${id}`);
    const task = (detail.body as Json)['task'] as Json;
    expect(task['exception']).toBe("ValueError('login refused for token=[redacted]')");
    expect(task['args']).toBe("('login refused for token=[redacted]',)");
    noSecret(detail.text);

    // Its reprs no longer say how it was called, and the backend has no result_extended meta.
    const retried = await request(`/api/v1/tasks/${id}/retry`, { method: 'POST', json: {} });
    expect(retried.status).toBe(409);
    expect((retried.body as Json)['error']).toContain('redacted at ingest (--redact)');

  });
});
