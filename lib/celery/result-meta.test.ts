import { describe, expect, it } from 'vitest';
import { BROKERS, must, storedResults } from '@/test/fixtures/celery-5.2/captures';
import { decodeGroupMeta, decodeTaskMeta, encodeTaskMeta } from './result-meta';

describe.each(BROKERS)('results stored by Celery (%s run)', (broker) => {
  const stored = storedResults(broker);

  it('decodes every stored result and encodes it back byte for byte', () => {
    expect(stored.length).toBeGreaterThan(20);
    for (const { key, json } of stored) {
      const meta = must(decodeTaskMeta(json));
      expect(key).toBe(`celery-task-meta-${meta.taskId}`);
      expect(encodeTaskMeta(meta)).toBe(json);
    }
  });

  it('reads exceptions, tracebacks and workflow ids', () => {
    const metas = stored.map((s) => must(decodeTaskMeta(s.json)));
    const failed = metas.find((m) => m.status === 'FAILURE' && JSON.stringify(m.exception?.message) === '["boom"]');
    expect(failed?.exception).toEqual({ type: 'ValueError', message: ['boom'], module: 'builtins' });
    expect(failed?.traceback).toContain('Traceback (most recent call last)');
    expect(metas.find((m) => m.status === 'REVOKED')?.exception).toMatchObject({ type: 'TaskRevokedError', module: 'celery.exceptions' });
    expect(metas.find((m) => m.exception?.type === 'NotRegistered')?.traceback).toBeNull();
    expect(metas.some((m) => m.status === 'RETRY' && m.exception?.type === 'RuntimeError')).toBe(true);
    expect(metas.some((m) => m.groupId !== null)).toBe(true);
    expect(metas.some((m) => m.parentId !== null)).toBe(true);
    expect(metas.find((m) => m.status === 'SUCCESS')?.exception).toBeNull();
  });
});

describe('result_extended fields', () => {
  it('are read when present (amqp run) and null otherwise (redis run)', () => {
    const extended = must(decodeTaskMeta(storedResults('amqp')[0]?.json ?? ''));
    expect(extended).toMatchObject({ extended: true, name: 'tasks.add', args: [2, 3], kwargs: {}, worker: 'prefork@proto', retries: 0, queue: 'celery' });
    const plain = must(decodeTaskMeta(storedResults('redis')[0]?.json ?? ''));
    expect(plain).toMatchObject({ extended: false, name: null, args: null, kwargs: null, worker: null, retries: null, queue: null });
  });
});

describe('group results and bad input', () => {
  it('reads the member ids of a saved group', () => {
    const text = '{"result": [["g1", null], [[["t1", null], null], [["t2", null], null]]]}';
    expect(must(decodeGroupMeta(text))).toEqual({ groupId: 'g1', taskIds: ['t1', 't2'] });
  });
  it.each([
    ['{"status": "SUCCESS"}', 'missing', '$.task_id'],
    ['{"status": 1, "task_id": "x"}', 'invalid', '$.status'],
    ['{"status": "SUCCESS", "task_id": "x", "children": {}}', 'invalid', '$.children'],
    ['SUCCESS', 'syntax', '$'],
  ])('rejects %s', (text, code, path) => {
    expect(decodeTaskMeta(text)).toMatchObject({ ok: false, error: { code, path } });
  });
});
