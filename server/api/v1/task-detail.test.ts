import { describe, expect, test } from 'vitest';
import { MemoryBackend, MemoryStore } from '@/lib/backend';
import { MemoryTaskStore } from '../../store/memory-task-store';
import { capDepth, getTaskDetail, MAX_META_DEPTH, TOO_DEEP } from './task-detail';

const nested = (depth: number): string => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

describe('a stored result nested 20 000 deep (anything can write the backend)', () => {
  test('the task detail still answers, and its body serialises: the meta is cut at MAX_META_DEPTH', async () => {
    const store = new MemoryStore();
    const id = 'deep-result';
    const meta = `{"status": "SUCCESS", "result": ${nested(20_000)}, "traceback": null, "children": [], "date_done": null, "task_id": "${id}"}`;
    await store.setAndPublish(`celery-task-meta-${id}`, meta, 60);
    const answer = await getTaskDetail(new MemoryTaskStore({ maxTasks: 10, purgeOfflineAfter: 3600 }), new MemoryBackend(store), id);
    expect(answer.status).toBe(200);
    const text = JSON.stringify(answer.body);
    expect(text.length).toBeLessThan(2000);
    expect(text).toContain(TOO_DEEP);
  });
});

describe('capDepth', () => {
  test('a value within the depth is copied as it is, field order and "__proto__" keys included', () => {
    const value = JSON.parse('{"b": [1, {"c": null, "__proto__": "x"}], "a": "s", "d": [[[]]]}');
    const copy = capDepth(value);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(value));
  });

  test('deeper containers become TOO_DEEP; shallower ones keep their items', () => {
    const capped = capDepth(JSON.parse(nested(MAX_META_DEPTH + 5)));
    const text = JSON.stringify(capped);
    expect(text).toBe(`${'['.repeat(MAX_META_DEPTH)}${JSON.stringify(TOO_DEEP)}${']'.repeat(MAX_META_DEPTH)}`);
  });
});
