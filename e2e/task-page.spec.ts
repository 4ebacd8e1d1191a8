/**
 * The task page against the shared cluster: real tasks on the TS worker and on Python Celery (prefork),
 * watched live; revoke-terminate, retry, PROGRESS meta and a chord's workflow graph, each checked on the
 * workers' side too.
 */
import path from 'node:path';
import type { APIRequestContext, Page } from '@playwright/test';
import { runPython } from '../test/harness/celery-worker';
import { REPO_ROOT } from '../test/harness/ts-worker';
import type { TaskDetail } from '../lib/api/tasks';
import { expect, PY_QUEUE, PY_WORKER, sendTask, test } from './fixtures/cluster';

const SEND_CANVAS = path.join(REPO_ROOT, 'test/python/send_canvas.py');
const SEND_CHORD = path.join(REPO_ROOT, 'test/python/send_chord.py');

function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

async function openTask(page: Page, id: string): Promise<void> {
  await page.goto(`/task/${id}`);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
}

async function taskState(api: APIRequestContext, id: string): Promise<string | null> {
  const response = await api.get(`/api/v1/tasks/${id}`);
  if (!response.ok()) return null;
  return ((await response.json()) as TaskDetail).task?.state ?? null;
}

test('a succeeded task shows its state, result and timeline, live from the moment it is sent', async ({ page, api }, testInfo) => {
  const id = await sendTask(api, 'examples.add', { args: [20, 22] });
  await openTask(page, id);
  await expect(page.getByTestId('task-state')).toHaveText('SUCCESS', { timeout: 15_000 });
  await expect(page.getByTestId('task-result')).toHaveText('42');
  await expect(page.getByTestId('task-args')).toContainText('20, 22');
  const events = page.getByTestId('task-timeline').locator('li');
  await expect(events.last()).toHaveAttribute('data-event', 'succeeded');
  // task-sent shows only when the producer sends it (Celery's task_send_sent_event); the worker's events always.
  const steps = await events.evaluateAll((items) => items.map((item) => item.getAttribute('data-event')));
  expect(steps.filter((step) => step !== 'sent')).toEqual(['received', 'started', 'succeeded']);
  await expect(page.getByTestId('task-facts')).toContainText('ts-e2e@pollen');
  await expect(page.getByTestId('task-facts').getByRole('link', { name: 'ts-e2e@pollen' })).toHaveAttribute('href', /\/worker\/ts-e2e%40pollen$/);
  // Finished: nothing to revoke, and only failed or revoked tasks are retried.
  await expect(page.getByTestId('task-revoke')).toBeDisabled();
  await expect(page.getByTestId('task-terminate')).toBeDisabled();
  await expect(page.getByTestId('task-retry')).toBeDisabled();
  await page.screenshot({ path: testInfo.outputPath('task-success.png'), fullPage: true });
});

test('an unknown task id says so', async ({ page }) => {
  await openTask(page, crypto.randomUUID());
  await expect(page.getByTestId('task-unknown')).toContainText('Unknown task', { timeout: 10_000 });
});

test('a failed Python task shows FAILURE, its exception and traceback', async ({ page, api }, testInfo) => {
  const message = unique('page-failure');
  const id = await sendTask(api, 'tasks.fail', { args: [message], queue: PY_QUEUE });
  await openTask(page, id);
  await expect(page.getByTestId('task-state')).toHaveText('FAILURE', { timeout: 20_000 });
  await expect(page.getByTestId('task-traceback')).toContainText(`ValueError: ${message}`);
  await expect(page.getByTestId('task-exception')).toContainText(message);
  await expect(page.getByTestId('task-timeline').locator('li[data-event="failed"]')).toHaveCount(1);
  await expect(page.getByTestId('task-retry')).toBeEnabled();
  // Celery's task-failed carries no runtime: it is measured from task-started to task-failed, and says so.
  await expect(page.getByText('(started → failed)')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('task-failure.png'), fullPage: true });
  await page.goto(`/tasks?search=${id}`);
  const runtime = page.locator(`[data-testid="task-row"][data-uuid="${id}"]`).getByTestId('task-row-runtime');
  await expect(runtime).toHaveText(/\d/);
  await expect(runtime).toHaveAttribute('title', /task-failed carries no runtime/);
});

test('revoke and terminate stops a running task on the Python worker, which confirms it', async ({ page, api }, testInfo) => {
  test.setTimeout(120_000);
  const id = await sendTask(api, 'tasks.sleep', { args: [60], queue: PY_QUEUE });
  await openTask(page, id);
  await expect(page.getByTestId('task-state')).toHaveText('STARTED', { timeout: 20_000 });
  await expect(page.getByTestId('task-retry')).toBeDisabled();
  await page.getByTestId('task-terminate').click();
  const dialog = page.getByTestId('task-terminate-dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByTestId('task-terminate-signal').selectOption('SIGKILL');
  await dialog.getByTestId('task-terminate-confirm').click();
  const result = page.getByTestId('task-terminate-result');
  await expect(result).toContainText(PY_WORKER, { timeout: 15_000 });
  await expect(result.locator('li', { hasText: PY_WORKER })).toContainText('✓');
  await page.screenshot({ path: testInfo.outputPath('task-terminate-result.png') });
  await page.getByTestId('task-terminate-close').click();
  await expect(page.getByTestId('task-state')).toHaveText('REVOKED', { timeout: 10_000 });
  await expect(page.getByTestId('task-revoke-info')).toContainText('terminated with SIGKILL');
  await expect(page.getByTestId('task-terminate')).toBeDisabled();

  // The worker's own view: no longer running it, and holding it as revoked.
  const response = await api.get(`/api/workers?workername=${encodeURIComponent(PY_WORKER)}&refresh=true`);
  expect(response.status()).toBe(200);
  const worker = ((await response.json()) as Record<string, { active?: { id: string }[]; revoked?: string[] }>)[PY_WORKER];
  expect(worker?.active?.map((task) => task.id) ?? []).not.toContain(id);
  expect(worker?.revoked).toContain(id);
});

test('retry of a failed task sends it again with the same args, linked both ways', async ({ page, api }) => {
  test.setTimeout(90_000);
  const message = unique('page-retry');
  const id = await sendTask(api, 'tasks.fail', { args: [message], queue: PY_QUEUE });
  await openTask(page, id);
  await expect(page.getByTestId('task-state')).toHaveText('FAILURE', { timeout: 20_000 });
  await page.getByTestId('task-retry').click();
  await page.getByTestId('task-retry-confirm').click();
  await expect(page.getByTestId('task-retry-result')).toContainText('Sent again as task', { timeout: 15_000 });
  await page.getByTestId('task-retry-close').click();
  const link = page.getByTestId('task-retry-link');
  const newId = (await link.textContent())?.trim() ?? '';
  expect(newId).toMatch(/^[0-9a-f-]{36}$/);
  expect(newId).not.toBe(id);
  // The original names its retry once the events tell Pollen about it.
  await expect(page.getByTestId('task-retried-as')).toContainText(newId, { timeout: 20_000 });

  await link.click();
  await expect(page).toHaveURL(new RegExp(`/task/${newId}$`));
  await expect(page.getByTestId('task-state')).toHaveText('FAILURE', { timeout: 20_000 });
  await expect(page.getByTestId('task-args')).toContainText(message);
  await expect(page.getByTestId('task-traceback')).toContainText(`ValueError: ${message}`);
  await expect(page.getByTestId('task-retry-of')).toHaveText(id);
  await expect(page.getByTestId('task-retry-of')).toHaveAttribute('href', new RegExp(`/task/${id}$`));
  // The workflow joins the two by a (dashed) retry edge.
  const graph = page.getByTestId('task-workflow');
  await expect(graph.locator('[data-node]')).toHaveCount(2);
  await expect(graph.locator('path[data-edge="retry"]')).toHaveCount(1);
});

test("Celery's own retries show in the timeline and the retry history, with their exceptions", async ({ page, api }) => {
  test.setTimeout(60_000);
  const id = await sendTask(api, 'tasks.flaky', { kwargs: { succeed_after: 2 }, queue: PY_QUEUE });
  await openTask(page, id);
  await expect(page.getByTestId('task-state')).toHaveText('SUCCESS', { timeout: 30_000 });
  await expect(page.getByTestId('task-result')).toContainText('ok after 2 retries');
  const attempts = page.getByTestId('task-retry-history').locator('li');
  await expect(attempts).toHaveCount(2);
  for (const attempt of await attempts.all()) await expect(attempt).toContainText('transient failure');
  await expect(attempts.first()).toContainText('Attempt 1');
  const retried = page.getByTestId('task-timeline').locator('li[data-event="retried"]');
  await expect(retried).toHaveCount(2);
  await expect(retried.first()).toContainText('transient failure');
  await expect(page.getByTestId('task-facts')).toContainText(/Retries\s*2/);
  // Beside "Retries 2", the Workflow card does not say the task has no retries.
  await expect(page.getByTestId('task-workflow-alone')).toContainText('Celery retried it 2 times');
  const detail = (await (await api.get(`/api/v1/tasks/${id}`)).json()) as TaskDetail;
  expect(detail.task?.started).toBeGreaterThanOrEqual(detail.task?.received ?? Infinity);

  // Its row says what the page says: the result, not the retried attempts' exception in red.
  await page.goto(`/tasks?search=${id}`);
  const row = page.locator(`[data-testid="task-row"][data-uuid="${id}"]`);
  await expect(row).toHaveAttribute('data-state', 'SUCCESS');
  await expect(row).toContainText('ok after 2 retries');
  await expect(row.locator('.status-bad')).toHaveCount(0);
});

test('a task reporting PROGRESS shows a bar that moves until it succeeds', async ({ page, api }, testInfo) => {
  test.setTimeout(60_000);
  const id = await sendTask(api, 'examples.progress', { args: [10, 0.5] });
  await openTask(page, id);
  const seen = new Set<string>();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const bar = page.getByTestId('task-progress');
    if (await bar.isVisible()) {
      const value = await bar.getAttribute('aria-valuenow');
      if (value !== null && !seen.has(value) && seen.size === 1) await page.screenshot({ path: testInfo.outputPath('task-progress.png') });
      if (value !== null) seen.add(value);
    }
    if ((await page.getByTestId('task-state').textContent().catch(() => null)) === 'SUCCESS') break;
    await page.waitForTimeout(200);
  }
  await expect(page.getByTestId('task-state')).toHaveText('SUCCESS');
  const running = [...seen].map(Number).filter((value) => value < 100);
  expect(running.length, `progress values seen: ${[...seen].join(', ')}`).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('task-progress-value')).toHaveText('10 / 10');
});

test('a chord made by Python Celery is drawn whole, from any of its tasks', async ({ page, api, cluster }, testInfo) => {
  test.setTimeout(90_000);
  const x = Math.floor(Math.random() * 1_000_000);
  const output = await runPython(SEND_CANVAS, { broker: cluster.broker, backend: cluster.backend, args: [PY_QUEUE, String(x)] });
  const line = output.split('\n').find((l) => l.trim().startsWith('{'));
  expect(line, output).toBeDefined();
  const ids = JSON.parse(line as string) as { first: string; header: string[]; body: string };
  const all = [ids.first, ...ids.header, ids.body];
  await expect.poll(() => taskState(api, ids.body), { timeout: 30_000 }).toBe('SUCCESS');
  for (const member of all) await expect.poll(() => taskState(api, member), { timeout: 10_000 }).toBe('SUCCESS');

  await openTask(page, ids.first);
  await expect(page.getByTestId('task-state')).toHaveText('SUCCESS');
  const graph = page.getByTestId('task-workflow');
  await expect(graph.locator('[data-node]')).toHaveCount(4, { timeout: 10_000 });
  for (const member of all) await expect(graph.locator(`[data-node="${member}"]`)).toHaveAttribute('href', new RegExp(`/task/${member}$`));
  await expect(graph.locator('path[data-edge="child"]')).toHaveCount(3);
  await expect(graph.locator('[data-node][aria-current="page"]')).toHaveAttribute('data-node', ids.first);
  await expect(page.getByTestId('task-result')).toHaveText(String(x + 1));
  await page.getByTestId('task-workflow').scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath('task-workflow.png'), fullPage: true });

  // From the chord body the same graph, with the body as the current task; its box leads to the first task.
  await graph.locator(`[data-node="${ids.body}"]`).click();
  await expect(page).toHaveURL(new RegExp(`/task/${ids.body}$`));
  await expect(page.getByTestId('task-result')).toHaveText(String(2 * (x + 1) + 30));
  await expect(graph.locator('[data-node]')).toHaveCount(4);
  await expect(graph.locator('[data-node][aria-current="page"]')).toHaveAttribute('data-node', ids.body);

  if ((await page.locator('html').getAttribute('data-theme')) !== 'dark') await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.screenshot({ path: testInfo.outputPath('task-workflow-dark.png'), fullPage: true });
});

test('a chord of 5 sent by a Python client: its 5 header tasks under their group, the body after all of them', async ({ page, api, cluster }, testInfo) => {
  test.setTimeout(90_000);
  const output = await runPython(SEND_CHORD, { broker: cluster.broker, backend: cluster.backend, args: [PY_QUEUE, '5'] });
  const ids = JSON.parse(output.split('\n').find((l) => l.trim().startsWith('{')) ?? 'null') as { group: string; header: string[]; body: string };
  await expect.poll(() => taskState(api, ids.body), { timeout: 30_000 }).toBe('SUCCESS');

  for (const from of [ids.body, ids.header[0] as string]) {
    await openTask(page, from);
    const graph = page.getByTestId('task-workflow');
    await expect(graph.locator('[data-node]')).toHaveCount(7, { timeout: 10_000 });
    await expect(graph.locator(`[data-node="${ids.group}"][data-kind="group"]`)).toContainText('group of 5');
    for (const member of [...ids.header, ids.body]) await expect(graph.locator(`a[data-node="${member}"]`)).toHaveAttribute('href', new RegExp(`/task/${member}$`));
    await expect(graph.locator('path[data-edge="group"]')).toHaveCount(5);
    await expect(graph.locator('path[data-edge="chord"]')).toHaveCount(5);
  }
  // The body sits one column right of its header tasks.
  const box = async (id: string) => (await page.getByTestId('task-workflow').locator(`[data-node="${id}"]`).boundingBox())!;
  const bodyX = (await box(ids.body)).x;
  for (const member of ids.header) expect((await box(member)).x).toBeLessThan(bodyX);
  await page.getByTestId('task-workflow').scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath('task-chord-of-5.png'), fullPage: true });
});
