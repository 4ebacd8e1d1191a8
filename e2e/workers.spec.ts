import type { APIRequestContext, Page } from '@playwright/test';
import { expect, PY_QUEUE, PY_WORKER, sendTask, test, TS_WORKER } from './fixtures/cluster';

interface InspectedWorker {
  readonly stats?: { readonly pool?: { readonly processes?: readonly number[]; readonly 'max-concurrency'?: number } };
  readonly active_queues?: readonly { readonly name: string }[];
}

const unique = (): string => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;

/** What the worker itself says now (inspect with refresh), as the page's Refresh asks it. */
async function inspectWorker(api: APIRequestContext, hostname: string): Promise<InspectedWorker> {
  const response = await api.get('/api/workers', { params: { workername: hostname, refresh: 'true' } });
  expect(response.status(), await response.text()).toBe(200);
  return ((await response.json()) as Record<string, InspectedWorker>)[hostname] ?? {};
}

/** Runs a control through its ConfirmAction and returns the result's text. */
async function confirm(page: Page, testId: string, fill?: () => Promise<void>): Promise<string> {
  await page.getByTestId(testId).click();
  await expect(page.getByTestId(`${testId}-dialog`)).toBeVisible();
  if (fill) await fill();
  await page.getByTestId(`${testId}-confirm`).click();
  const result = page.getByTestId(`${testId}-result`);
  await expect(result).toBeVisible({ timeout: 15_000 });
  const text = (await result.textContent()) ?? '';
  await page.getByTestId(`${testId}-close`).click();
  await expect(page.getByTestId(`${testId}-dialog`)).toBeHidden();
  return text;
}

test('the workers list shows a new worker live, then turns it offline when it dies, without a reload', async ({ page, cluster, api }, testInfo) => {
  test.setTimeout(120_000);
  for (let i = 0; i < 4; i++) await sendTask(api, 'examples.add', { args: [i, 1000] });
  const id = unique();
  const hostname = `ephemeral-${id}@pollen`;

  await page.goto('/workers');
  await expect(page.getByTestId('link-state')).toHaveText('live', { timeout: 15_000 });
  const tsRow = page.locator(`tr[data-worker="${TS_WORKER}"]`);
  await expect(tsRow.getByTestId('worker-status')).toHaveText('online', { timeout: 15_000 });
  await expect(page.locator(`tr[data-worker="${PY_WORKER}"]`).getByTestId('worker-status')).toHaveText('online');
  // The inspect columns: Pollen's TS worker runs its own async pool with --concurrency 4.
  await expect(tsRow.getByTestId('worker-concurrency')).toHaveText('4', { timeout: 20_000 });
  await expect(page.locator(`tr[data-worker="${PY_WORKER}"]`).getByTestId('worker-pool')).toHaveText('prefork');
  await expect.poll(async () => Number(await tsRow.getByTestId('worker-processed').textContent()), { timeout: 15_000 }).toBeGreaterThanOrEqual(4);
  await expect(page.locator(`tr[data-worker="${hostname}"]`)).toHaveCount(0);
  // A marker a reload would wipe: everything below must arrive over the push channel.
  await page.evaluate(() => ((window as unknown as { pollenNoReload: boolean }).pollenNoReload = true));

  const worker = await cluster.startTsWorker({ hostname, heartbeatInterval: 1, queues: [`eph-${id}`] });
  const row = page.locator(`tr[data-worker="${hostname}"]`);
  await expect(row.getByTestId('worker-status')).toHaveText('online', { timeout: 15_000 });
  await expect(row.getByRole('link', { name: hostname })).toHaveAttribute('href', `/worker/${encodeURIComponent(hostname)}`);
  await expect(page.getByTestId('workers-summary')).toContainText(/\d+ online, \d+ offline/);
  const onlineBefore = Number(/(\d+) online/.exec((await page.getByTestId('workers-summary').textContent()) ?? '')?.[1]);
  expect(onlineBefore).toBeGreaterThanOrEqual(3);

  worker.signal('SIGKILL');
  await worker.exited();
  // Heartbeats every 1 s expire after 2 s; the server sweeps each second and pushes the change.
  await expect(row.getByTestId('worker-status')).toHaveText('offline', { timeout: 30_000 });
  // The summary follows the rows: its online figure is the rows shown online (other specs' workers may
  // come and go meanwhile, so not simply one less than before).
  const onlineRows = page.locator('tr[data-worker]').filter({ has: page.getByTestId('worker-status').getByText('online', { exact: true }) });
  await expect
    .poll(async () => {
      const summary = Number(/(\d+) online/.exec((await page.getByTestId('workers-summary').textContent()) ?? '')?.[1]);
      return summary === (await onlineRows.count()) ? summary : -1;
    }, { timeout: 10_000 })
    .toBeLessThan(onlineBefore);
  // "Last heartbeat … ago" moves on its own while nothing new arrives.
  const seen = await row.getByTestId('worker-heartbeat').textContent();
  await expect(row.getByTestId('worker-heartbeat')).not.toHaveText(seen ?? '', { timeout: 10_000 });
  expect(await page.evaluate(() => (window as unknown as { pollenNoReload?: boolean }).pollenNoReload)).toBe(true);
  await page.screenshot({ path: testInfo.outputPath('workers.png'), fullPage: true });

  // The dark theme, for the record.
  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.screenshot({ path: testInfo.outputPath('workers-dark.png'), fullPage: true });
  await page.getByTestId('theme-toggle').click();
});

test('the Python worker page: prefork pool of 2, grown and shrunk from the page, a consumer added and cancelled', async ({ page, api }, testInfo) => {
  test.setTimeout(180_000);
  for (let i = 0; i < 3; i++) await sendTask(api, 'tasks.add', { args: [i, 7], queue: PY_QUEUE });
  await page.goto(`/worker/${encodeURIComponent(PY_WORKER)}`);
  await expect(page.getByTestId('worker-name')).toHaveText(PY_WORKER);
  await expect(page.getByTestId('worker-status')).toHaveText('online', { timeout: 15_000 });
  await expect(page.getByTestId('worker-fact-pool')).toContainText('prefork', { timeout: 20_000 });
  await expect(page.getByTestId('worker-fact-concurrency')).toHaveText('2');
  await expect(page.getByTestId('worker-fact-processes')).toHaveText(/^2 pids \d+, \d+$/);
  await expect(page.getByTestId('worker-stat-processed')).not.toHaveText('—', { timeout: 15_000 });

  // Grow by 1 through the dialog: the worker's answer is shown, and the pool has 3 processes.
  const grown = await confirm(page, 'worker-pool-grow');
  expect(grown).toContain(`Growing '${PY_WORKER}' worker's pool by 1`);
  await expect.poll(async () => (await inspectWorker(api, PY_WORKER)).stats?.pool?.processes?.length, { timeout: 20_000 }).toBe(3);
  await expect(async () => {
    await page.getByTestId('worker-refresh').click();
    await expect(page.getByTestId('worker-fact-processes')).toHaveText(/^3 pids/, { timeout: 3_000 });
  }).toPass({ timeout: 20_000 });
  await expect(page.getByTestId('worker-pool-size')).toHaveText('3');
  await page.screenshot({ path: testInfo.outputPath('worker-py-grown.png'), fullPage: true });

  const shrunk = await confirm(page, 'worker-pool-shrink');
  expect(shrunk).toContain(`Shrinking '${PY_WORKER}' worker's pool by 1`);
  await expect.poll(async () => (await inspectWorker(api, PY_WORKER)).stats?.pool?.processes?.length, { timeout: 30_000 }).toBe(2);

  // A consumer for a new queue, listed on the Queues tab and by the worker itself; then cancelled.
  const queue = `extra-${unique()}`;
  await page.getByTestId('worker-tab-queues').click();
  const queues = page.getByTestId('worker-queues');
  await expect(queues.locator(`tr[data-queue="${PY_QUEUE}"]`)).toBeVisible({ timeout: 10_000 });
  await page.getByTestId('worker-add-consumer-queue').fill(queue);
  const added = await confirm(page, 'worker-add-consumer');
  expect(added).toContain(`add consumer ${queue}`);
  await expect(async () => {
    await page.getByTestId('worker-refresh').click();
    await expect(queues.locator(`tr[data-queue="${queue}"]`)).toBeVisible({ timeout: 3_000 });
  }).toPass({ timeout: 20_000 });
  expect((await inspectWorker(api, PY_WORKER)).active_queues?.map((q) => q.name)).toContain(queue);
  await page.screenshot({ path: testInfo.outputPath('worker-py-queues.png'), fullPage: true });

  const cancelled = await confirm(page, `worker-cancel-consumer-${queue}`);
  expect(cancelled).toContain(`no longer consuming from ${queue}`);
  // The row stays, marked, once the worker no longer lists the queue.
  await expect(async () => {
    await page.getByTestId('worker-refresh').click();
    await expect(queues.locator(`tr[data-queue="${queue}"]`)).toHaveAttribute('data-consumed', 'false', { timeout: 3_000 });
  }).toPass({ timeout: 20_000 });
  await expect(queues.locator(`tr[data-queue="${queue}"]`)).toContainText('consumer cancelled');
  await expect(queues.locator(`tr[data-queue="${PY_QUEUE}"]`)).toHaveAttribute('data-consumed', 'true');
  expect((await inspectWorker(api, PY_WORKER)).active_queues?.map((q) => q.name)).not.toContain(queue);

  // The worker's own configuration: the fixture turns result_extended on, which is not Celery's default.
  await page.getByTestId('worker-tab-config').click();
  await expect(page.getByTestId('worker-conf').locator('tr', { hasText: 'result_extended' })).toContainText('true');
  await page.screenshot({ path: testInfo.outputPath('worker-py-config.png'), fullPage: true });
});

test('the TS worker page: live counters, throughput, the task it is running, registered tasks with a rate limit', async ({ page, api }, testInfo) => {
  test.setTimeout(120_000);
  for (let i = 0; i < 5; i++) await sendTask(api, 'examples.add', { args: [i, 2000] });
  const sleeping = await sendTask(api, 'examples.sleep', { args: [15] });

  await page.goto(`/worker/${encodeURIComponent(TS_WORKER)}`);
  await expect(page.getByTestId('worker-status')).toHaveText('online', { timeout: 15_000 });
  await expect(page.getByTestId('worker-fact-pool')).toContainText('pollen:async', { timeout: 20_000 });
  await expect(page.getByTestId('worker-fact-concurrency')).toHaveText('4');
  await expect.poll(async () => Number((await page.getByTestId('worker-stat-processed').textContent())?.replace(/,/g, '')), { timeout: 15_000 }).toBeGreaterThanOrEqual(5);
  await expect.poll(async () => Number(/(\d+) succeeded/.exec((await page.getByTestId('worker-throughput-totals').textContent()) ?? '')?.[1]), { timeout: 15_000 }).toBeGreaterThanOrEqual(5);
  await expect(page.getByTestId('worker-throughput-chart').locator('.recharts-line').first()).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('worker-ts.png'), fullPage: true });

  // The running sleep is listed by inspect active, and links to its task page.
  await page.getByTestId('worker-tab-tasks').click();
  const active = page.getByTestId('worker-active-tasks');
  await expect(async () => {
    await page.getByTestId('worker-refresh').click();
    await expect(active.getByRole('link', { name: sleeping })).toBeVisible({ timeout: 3_000 });
  }).toPass({ timeout: 20_000 });
  await expect(active.getByRole('link', { name: sleeping })).toHaveAttribute('href', `/task/${sleeping}`);
  await expect(active.locator('tr', { hasText: sleeping })).toContainText('examples.sleep');
  await page.screenshot({ path: testInfo.outputPath('worker-ts-tasks.png'), fullPage: true });

  // Registered tasks, and a rate limit set on this worker through the dialog.
  await page.getByTestId('worker-tab-registered').click();
  const registered = page.getByTestId('worker-registered');
  await expect(registered.locator('tr[data-task="examples.add"]')).toBeVisible();
  await expect(registered.locator('tr[data-task="examples.sleep"]')).toBeVisible();
  const limited = await confirm(page, 'worker-rate-limit-examples.tsum', async () => {
    await page.getByTestId('worker-rate-limit-examples.tsum-value').fill('100/m');
  });
  expect(limited).toContain(TS_WORKER);
  expect(limited).toMatch(/rate limit|new rate/i);
  await page.getByTestId('worker-refresh').click();
  await expect(registered.locator('tr[data-task="examples.tsum"]')).toContainText('rate_limit=100/m', { timeout: 10_000 });
  await page.screenshot({ path: testInfo.outputPath('worker-ts-registered.png'), fullPage: true });
});

test('an unknown worker says so', async ({ page }) => {
  await page.goto(`/worker/${encodeURIComponent('nobody-here@nowhere')}`);
  await expect(page.getByTestId('worker-unknown')).toContainText('Unknown worker', { timeout: 15_000 });
  await expect(page.getByTestId('worker-unknown')).toContainText('nobody-here@nowhere');
});
