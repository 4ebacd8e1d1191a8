import type { APIRequestContext, Locator, Page } from '@playwright/test';
import { celeryCli } from '../test/harness/ts-worker';
import { expect, PY_WORKER, sendTask, test, TS_WORKER } from './fixtures/cluster';

/** The worker's own `registered` reply, asked now (not the cached one). */
async function registered(api: APIRequestContext, worker: string): Promise<string[]> {
  const response = await api.get(`/api/workers?workername=${encodeURIComponent(worker)}&refresh=true`);
  expect(response.status()).toBe(200);
  const body = (await response.json()) as Record<string, { registered?: string[] }>;
  return body[worker]?.registered ?? [];
}

async function waitForState(api: APIRequestContext, id: string, state: string): Promise<void> {
  await expect
    .poll(async () => ((await (await api.get(`/api/task/info/${id}`)).json()) as { state?: string }).state, { timeout: 20_000 })
    .toBe(state);
}

/** A fresh browser context: the controls must work on a first visit, before any CSRF cookie existed. */
async function openTaskTypes(page: Page): Promise<void> {
  await page.goto('/task-types');
}

function row(page: Page, task: string): Locator {
  return page.locator(`[data-testid="task-type-row"][data-task="${task}"]`);
}

/** Sets a rate limit from the row's control with the default choice of workers; returns the result list. */
async function setRateLimit(page: Page, task: string, rate: string): Promise<Locator> {
  const r = row(page, task);
  await r.getByTestId('rate-limit').click();
  const dialog = r.getByTestId('rate-limit-dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByTestId('rate-limit-input').fill(rate);
  await dialog.getByTestId('rate-limit-confirm').click();
  const result = dialog.getByTestId('rate-limit-result');
  await expect(result).toBeVisible({ timeout: 15_000 });
  return result;
}

async function closeResult(page: Page, task: string): Promise<void> {
  const dialog = row(page, task).getByTestId('rate-limit-dialog');
  await dialog.getByTestId('rate-limit-close').click();
  await expect(dialog).toBeHidden();
}

test('task types show counts, latency percentiles and the failure rate per task name', async ({ page, api }, testInfo) => {
  const adds = await Promise.all([1, 2, 3, 4, 5].map((n) => sendTask(api, 'examples.add', { args: [n, n] })));
  const failed = await sendTask(api, 'examples.fail', { args: ['task types e2e'] });
  for (const id of adds) await waitForState(api, id, 'SUCCESS');
  await waitForState(api, failed, 'FAILURE');

  await page.goto('/task-types');
  await expect(page.getByRole('heading', { name: 'Task types' })).toBeVisible();
  const add = row(page, 'examples.add');
  await expect(add).toBeVisible({ timeout: 15_000 });
  // At least the five just sent (other specs may have run more).
  await expect.poll(async () => Number((await add.getByTestId('task-type-succeeded').innerText()).replace(/,/g, '')), { timeout: 15_000 }).toBeGreaterThanOrEqual(5);
  await expect(add.getByTestId('task-type-p50')).toHaveText(/\d+(\.\d+)? (µs|ms|s)$/);
  await expect(add.getByTestId('task-type-p99')).toHaveText(/\d+(\.\d+)? (µs|ms|s)$/);
  await expect(add.getByTestId('task-type-failure-rate')).toHaveText('0 %');
  await expect(add.getByTestId('task-type-workers')).toContainText(TS_WORKER);

  const fail = row(page, 'examples.fail');
  await expect(fail.getByTestId('task-type-failure-rate')).toHaveText('100 %', { timeout: 15_000 });
  await expect(fail.getByTestId('task-type-failed')).not.toHaveText('0');

  // The Python worker's tasks are listed from its registered reply even before any of them ran.
  await expect(row(page, 'tasks.echo').getByTestId('task-type-workers')).toContainText(PY_WORKER, { timeout: 15_000 });

  await add.getByTestId('task-type-toggle').click();
  await expect(page.getByTestId('task-type-detail')).toBeVisible();
  await expect(page.getByTestId('task-type-chart').locator('svg path.recharts-curve').first()).toBeVisible({ timeout: 10_000 });
  await page.screenshot({ path: testInfo.outputPath('task-types-light.png'), fullPage: true });

  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.screenshot({ path: testInfo.outputPath('task-types-dark.png'), fullPage: true });
  await page.getByTestId('theme-toggle').click();
});

test('a rate limit set on the task types page reaches the Python and the TS worker', async ({ page, api }, testInfo) => {
  await openTaskTypes(page);

  // The Python worker registers tasks.add: the dialog sends it to that worker, which answers.
  await expect(row(page, 'tasks.add').getByTestId('task-type-workers')).toContainText(PY_WORKER, { timeout: 15_000 });
  const pyResult = await setRateLimit(page, 'tasks.add', '7/m');
  await expect(pyResult).toContainText(PY_WORKER);
  await expect(pyResult).toContainText('new rate limit set successfully');
  await page.screenshot({ path: testInfo.outputPath('task-types-rate-limit-dialog.png') });
  await closeResult(page, 'tasks.add');
  await expect.poll(async () => (await registered(api, PY_WORKER)).find((e) => e.startsWith('tasks.add ')) ?? '', { timeout: 10_000 }).toContain('tasks.add [rate_limit=7/m');
  await expect(row(page, 'tasks.add').getByTestId('rate-limit-value')).toHaveText('7/m', { timeout: 15_000 });

  // The TS worker answers rate_limit over pidbox too.
  await expect(row(page, 'examples.tsum').getByTestId('task-type-workers')).toContainText(TS_WORKER);
  const tsResult = await setRateLimit(page, 'examples.tsum', '3/s');
  await expect(tsResult).toContainText(TS_WORKER);
  await expect(tsResult).toContainText('new rate limit set successfully');
  await closeResult(page, 'examples.tsum');
  await expect.poll(async () => (await registered(api, TS_WORKER)).find((e) => e.startsWith('examples.tsum')) ?? '', { timeout: 10_000 }).toContain('rate_limit=3/s');
  await expect(row(page, 'examples.tsum').getByTestId('rate-limit-value')).toHaveText('3/s', { timeout: 15_000 });

  // Lift both, leaving the shared cluster as it was.
  const pyReset = await setRateLimit(page, 'tasks.add', '');
  await expect(pyReset).toContainText(PY_WORKER);
  await closeResult(page, 'tasks.add');
  const tsReset = await setRateLimit(page, 'examples.tsum', '0');
  await expect(tsReset).toContainText('rate limit disabled successfully');
  await closeResult(page, 'examples.tsum');
  await expect(row(page, 'tasks.add').getByTestId('rate-limit-value')).toHaveText('none', { timeout: 15_000 });
  await expect(row(page, 'examples.tsum').getByTestId('rate-limit-value')).toHaveText('none', { timeout: 15_000 });
  expect((await registered(api, PY_WORKER)).find((e) => e.startsWith('tasks.add'))).not.toContain('7/m');
});

test('time limits set on the task types page reach the Python worker', async ({ page, cluster }, testInfo) => {
  // Celery lists time limits in `registered` only when asked for them: ask as `celery inspect` does.
  const limits = async (): Promise<string> => {
    const { output } = await celeryCli(['inspect', 'registered', 'time_limit', 'soft_time_limit', '-d', PY_WORKER, '-t', '5'], { broker: cluster.broker, backend: cluster.backend, timeoutMs: 30_000 });
    return output.split('\n').find((line) => line.includes('tasks.sleep')) ?? output;
  };
  const setLimits = async (soft: string, hard: string): Promise<Locator> => {
    const r = row(page, 'tasks.sleep');
    await r.getByTestId('time-limit').click();
    const dialog = r.getByTestId('time-limit-dialog');
    await dialog.getByTestId('time-limit-soft').fill(soft);
    await dialog.getByTestId('time-limit-hard').fill(hard);
    await expect(dialog.getByTestId('time-limit-workers').getByRole('checkbox', { name: PY_WORKER })).toBeChecked();
    if (soft !== '') await page.screenshot({ path: testInfo.outputPath('task-types-time-limit-dialog.png') });
    await dialog.getByTestId('time-limit-confirm').click();
    const result = dialog.getByTestId('time-limit-result');
    await expect(result).toContainText(`${PY_WORKER}: time limits set successfully`, { timeout: 15_000 });
    await dialog.getByTestId('time-limit-close').click();
    return result;
  };

  await openTaskTypes(page);
  await expect(row(page, 'tasks.sleep').getByTestId('task-type-workers')).toContainText(PY_WORKER, { timeout: 15_000 });
  await setLimits('30', '60');
  expect(await limits()).toMatch(/tasks\.sleep \[(?=.*time_limit=60)(?=.*soft_time_limit=30)/);
  // Empty fields lift both limits again.
  await setLimits('', '');
  expect(await limits()).not.toContain('time_limit=');
});
