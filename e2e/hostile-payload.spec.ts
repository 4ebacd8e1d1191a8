/**
 * Payloads any producer controls (argsrepr, kwargsrepr, the result repr, the exception, the traceback, the
 * stored result) nested 20 000 deep: the task page draws them in under a second, shows their first
 * characters and reveals more on "Show more". The events are published as a worker would, on the cluster's
 * real Redis; the stored result is written to its result backend.
 */
import { randomUUID } from 'node:crypto';
import type { Page } from '@playwright/test';
import { Redis } from 'ioredis';
import { type CeleryEvent, decodeEventBody, encodeEventMessage, encodeRedisEnvelope, type JsonObject, names } from '../lib/celery';
import type { TaskDetail } from '../lib/api/tasks';
import { expect, test } from './fixtures/cluster';

const DEPTH = 20_000;
const deepRepr = (depth: number, leaf: string): string => `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;
/** What Python prints for a recursion 20 000 frames deep. */
const deepTraceback = (depth: number): string =>
  `Traceback (most recent call last):\n${Array.from({ length: depth }, (_, i) => `  File "/app/tasks.py", line ${i + 1}, in nest\n    return nest(x, ${i})\n`).join('')}RecursionError: maximum recursion depth exceeded`;

async function publish(broker: string, hostname: string, body: JsonObject[]): Promise<void> {
  const redis = new Redis(broker);
  const decoded = decodeEventBody(body);
  expect(decoded.events).toHaveLength(body.length);
  const { message, routingKey } = encodeEventMessage(decoded.events as CeleryEvent[], hostname);
  await redis.publish(names.redisFanoutChannel(names.EVENT_EXCHANGE, routingKey, { db: 0 }), encodeRedisEnvelope(message, { exchange: names.EVENT_EXCHANGE, routingKey }));
  await redis.quit();
}

/** Milliseconds from the navigation's start to the moment every test id in `ids` is in the page. */
async function openTimed(page: Page, url: string, ids: readonly string[]): Promise<number> {
  await page.addInitScript((wanted) => {
    const w = window as unknown as { payloadShownAt?: number };
    const check = (): boolean => {
      if (!wanted.every((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent)) return false;
      w.payloadShownAt = performance.now();
      return true;
    };
    new MutationObserver((_, observer) => {
      if (check()) observer.disconnect();
    }).observe(document, { childList: true, subtree: true, characterData: true });
  }, ids);
  await page.goto(url);
  for (const id of ids) await expect(page.getByTestId(id)).not.toBeEmpty({ timeout: 15_000 });
  return page.evaluate(() => (window as unknown as { payloadShownAt: number }).payloadShownAt);
}

test('a task whose args, kwargs, result, traceback and stored result are 20 000 deep renders in under a second; "Show more" reveals more', async ({ page, api, cluster }, testInfo) => {
  const hostname = 'hostile@pollen';
  const now = Date.now() / 1000;
  const common = { hostname, utcoffset: 0, pid: 4242 };
  const succeeded = randomUUID();
  const failed = randomUUID();
  const received = (uuid: string, t: number): JsonObject => ({
    ...common, type: 'task-received', uuid, name: 'hostile.nest', timestamp: t, clock: 1, retries: 0, root_id: uuid, parent_id: null, eta: null, expires: null,
    args: `(${deepRepr(DEPTH, '1')},)`, kwargs: `{'tree': ${deepRepr(DEPTH, "'leaf'")}}`,
  });
  const deepException = `RecursionError(${deepRepr(DEPTH, "'x'")})`;
  await publish(cluster.broker, hostname, [
    received(succeeded, now - 1),
    { ...common, type: 'task-started', uuid: succeeded, timestamp: now - 0.99, clock: 2 },
    // A first attempt retried with a deep exception: the timeline and the retry history show it too.
    { ...common, type: 'task-retried', uuid: succeeded, timestamp: now - 0.98, clock: 3, exception: deepException, traceback: deepTraceback(DEPTH) },
    { ...received(succeeded, now), retries: 1 },
    { ...common, type: 'task-started', uuid: succeeded, timestamp: now + 0.01, clock: 2 },
    { ...common, type: 'task-succeeded', uuid: succeeded, timestamp: now + 0.02, clock: 3, runtime: 0.01, result: deepRepr(DEPTH, "'deep'") },
    received(failed, now),
    { ...common, type: 'task-started', uuid: failed, timestamp: now + 0.01, clock: 5 },
    { ...common, type: 'task-failed', uuid: failed, timestamp: now + 0.02, clock: 6, exception: deepException, traceback: deepTraceback(DEPTH) },
  ]);
  // The stored result too: Celery's key in the backend (db 1), as anything on that Redis could write it.
  const backend = new Redis(cluster.backend);
  await backend.set(`celery-task-meta-${succeeded}`, `{"status": "SUCCESS", "result": ${deepRepr(DEPTH, '"deep"')}, "traceback": null, "children": [], "date_done": "2026-01-01T00:00:00", "task_id": "${succeeded}"}`);
  await backend.quit();
  for (const [id, state] of [[succeeded, 'SUCCESS'], [failed, 'FAILURE']] as const) {
    await expect.poll(async () => {
      const response = await api.get(`/api/v1/tasks/${id}`);
      return response.ok() ? ((await response.json()) as TaskDetail).task?.state : response.status();
    }, { timeout: 15_000 }).toBe(state);
  }

  // Load the task page's code once (an unknown id), so that the timing is the payload's, not the bundle's.
  await page.goto(`/task/${randomUUID()}`);
  await expect(page.getByTestId('task-unknown')).toBeVisible({ timeout: 15_000 });
  const apiStarted = Date.now();
  expect((await api.get(`/api/v1/tasks/${succeeded}`)).status()).toBe(200);
  console.log(`the detail of the 20 000-deep task answered in ${Date.now() - apiStarted} ms`);
  const successMs = await openTimed(page, `/task/${succeeded}`, ['task-args', 'task-kwargs', 'task-result', 'task-backend-meta', 'task-retry-history']);
  const failureMs = await openTimed(page, `/task/${failed}`, ['task-args', 'task-exception', 'task-traceback']);
  console.log(`20 000-deep payloads shown ${successMs.toFixed(0)} ms (success) and ${failureMs.toFixed(0)} ms (failure) after navigation`);
  testInfo.annotations.push({ type: 'deep-payload-ms', description: `${successMs.toFixed(0)} / ${failureMs.toFixed(0)}` });
  expect(failureMs).toBeLessThan(1000);
  await expect(page.getByTestId('task-traceback')).toContainText('File "/app/tasks.py", line 1, in nest');
  const tracebackChars = async (): Promise<number> => ((await page.getByTestId('task-traceback').textContent()) ?? '').length;
  const shortTraceback = await tracebackChars();
  expect(shortTraceback).toBeLessThanOrEqual(4000);
  await page.getByTestId('task-traceback-more').click();
  await expect.poll(tracebackChars).toBeGreaterThan(shortTraceback);
  await page.screenshot({ path: testInfo.outputPath('deep-failure.png') });

  await page.goto(`/task/${succeeded}`);
  expect(successMs).toBeLessThan(1000);
  for (const id of ['task-args', 'task-kwargs', 'task-result']) {
    const text = (await page.getByTestId(id).textContent()) ?? '';
    expect(text.length, id).toBeLessThanOrEqual(4000);
    expect(text.startsWith(id === 'task-args' ? '(\n  [' : id === 'task-kwargs' ? '{\n  ' : '[\n  ['), id).toBe(true);
  }
  // The stored result is cut by the server where no one could read it anyway.
  await expect(page.getByTestId('task-backend-meta')).toContainText('nested deeper than');
  // The whole page stays small: the first characters of each payload, not megabytes.
  expect((await page.content()).length).toBeLessThan(200_000);
  const args = page.getByTestId('task-args');
  const before = (await args.textContent()) ?? '';
  await page.getByTestId('task-args-more').click();
  await expect.poll(async () => ((await args.textContent()) ?? '').length).toBeGreaterThan(before.length);
  const after = (await args.textContent()) ?? '';
  expect(after.startsWith(before)).toBe(true);
  expect(after.length).toBeLessThanOrEqual(16_000);
  await expect(page.getByTestId('task-retry-history')).toContainText('RecursionError([[[');
  expect(((await page.getByTestId('task-timeline').textContent()) ?? '').length).toBeLessThan(2000);
  await page.screenshot({ path: testInfo.outputPath('deep-success.png') });

  // The list: both rows, each cell one short line.
  const listStarted = Date.now();
  await page.goto('/tasks?search=hostile.nest');
  const rows = page.getByTestId('task-row');
  await expect(rows).toHaveCount(2, { timeout: 15_000 });
  const listMs = Date.now() - listStarted;
  console.log(`the list with both rows in ${listMs} ms`);
  expect(listMs).toBeLessThan(3000);
  for (const row of await rows.all()) expect(((await row.textContent()) ?? '').length).toBeLessThan(2000);
});
