import type { Locator } from '@playwright/test';
import { expect, sendTask, test } from './fixtures/cluster';
import { startPollen } from './fixtures/pollen-process';

/** A figure as the page writes it ("1,234", "3.2/s", "—") as a number; NaN when there is none yet. */
async function figure(locator: Locator): Promise<number> {
  const text = (await locator.textContent()) ?? '';
  const match = /-?[\d,]+(\.\d+)?/.exec(text);
  return match ? Number(match[0].replace(/,/g, '')) : NaN;
}

test('the overview follows a burst of tasks live: workers, states, throughput, latency and queues', async ({ page, api }, testInfo) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));

  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Overview');
  await expect(page.getByTestId('link-state')).toHaveText('live', { timeout: 15_000 });
  // Both workers of the cluster (ts-e2e and py-e2e) report heartbeats.
  await expect.poll(() => figure(page.getByTestId('workers-online')), { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
  await expect.poll(() => figure(page.getByTestId('state-SUCCESS-count')), { timeout: 10_000 }).not.toBeNaN();
  const successBefore = await figure(page.getByTestId('state-SUCCESS-count'));
  const failureBefore = await figure(page.getByTestId('state-FAILURE-count'));

  // Unique arguments: the cluster is shared with the other spec files.
  const base = 700_000 + Math.floor(Math.random() * 100_000);
  const sends: Promise<string>[] = [];
  for (let i = 0; i < 30; i++) sends.push(sendTask(api, 'examples.add', { args: [base, i] }));
  for (let i = 0; i < 3; i++) sends.push(sendTask(api, 'examples.fail', { args: [`overview burst ${base} #${i}`] }));
  await Promise.all(sends);

  // The counts move without a reload: they come from the push.
  await expect.poll(() => figure(page.getByTestId('state-SUCCESS-count')), { timeout: 30_000 }).toBeGreaterThanOrEqual(successBefore + 30);
  await expect.poll(() => figure(page.getByTestId('state-FAILURE-count')), { timeout: 30_000 }).toBeGreaterThanOrEqual(failureBefore + 3);
  await expect.poll(() => figure(page.getByTestId('tasks-total')), { timeout: 10_000 }).toBeGreaterThanOrEqual(33);

  // The chart's window totals and its peak per second come from /api/v1/metrics/overview, re-read every 3 s.
  await expect.poll(() => figure(page.getByTestId('throughput-succeeded')), { timeout: 20_000 }).toBeGreaterThanOrEqual(30);
  await expect.poll(() => figure(page.getByTestId('throughput-failed')), { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
  expect(await figure(page.getByTestId('throughput-peak'))).toBeGreaterThan(0);
  const chart = page.getByTestId('throughput-chart');
  await expect(chart.locator('path.recharts-curve')).toHaveCount(2);
  // A flat line at zero would still draw a path: the curve must leave the chart's bottom somewhere.
  const d = (await chart.locator('path.recharts-curve').first().getAttribute('d')) ?? '';
  const ys = (d.match(/-?\d+(\.\d+)?/g) ?? []).filter((_, i) => i % 2 === 1).map(Number);
  expect(new Set(ys).size, 'the succeeded curve has more than one height').toBeGreaterThan(1);

  // The rates over the last 10 s show the burst while it is recent.
  await expect.poll(() => figure(page.getByTestId('rate-succeeded')), { timeout: 10_000 }).toBeGreaterThan(0);

  // Runtime percentiles of examples.add, re-read every 5 s.
  const addRow = page.locator('[data-testid="latency-row"][data-task="examples.add"]');
  await expect(addRow).toBeVisible({ timeout: 20_000 });
  await expect(addRow.getByTestId('latency-p50')).toHaveText(/^\d+(\.\d+)? (µs|ms|s)$/);
  // The row may already be there from earlier tests' tasks, before the next re-read counts this burst.
  await expect.poll(() => figure(addRow.getByTestId('latency-count')), { timeout: 10_000 }).toBeGreaterThanOrEqual(30);
  await expect(addRow.getByRole('link', { name: 'examples.add' })).toHaveAttribute('href', /\/task-types/);

  // The TS worker's queue, with the worker that consumes it.
  const celery = page.locator('[data-testid="queue-row"][data-queue="celery"]');
  await expect(celery).toBeVisible({ timeout: 20_000 });
  await expect(celery.getByTestId('queue-messages')).toHaveText(/^\d[\d,]*$/);
  await expect.poll(() => figure(celery.getByTestId('queue-consumers')), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);

  await expect(page.getByTestId('server-version')).toHaveText(/^\d+\.\d+\.\d+/);
  await expect(page.getByTestId('server-broker')).toHaveText(/^redis:\/\/127\.0\.0\.1:\d+\/0$/);
  await expect(page.getByTestId('broker-status')).toContainText('connected');
  await page.screenshot({ path: testInfo.outputPath('overview-light.png'), fullPage: true });

  // A longer window still holds the burst, in per-minute buckets.
  await page.getByTestId('throughput-range-1h').click();
  await expect(page.getByTestId('throughput-range-1h')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('throughput-totals')).toContainText('per-minute averages', { timeout: 10_000 });
  expect(await figure(page.getByTestId('throughput-succeeded'))).toBeGreaterThanOrEqual(30);
  await page.getByTestId('throughput-range-15m').click();

  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.screenshot({ path: testInfo.outputPath('overview-dark.png'), fullPage: true });
  await page.getByTestId('theme-toggle').click();

  // Each state count leads to the task list filtered by that state.
  await page.getByTestId('state-FAILURE').click();
  await expect(page).toHaveURL(/\/tasks\?state=FAILURE$/);
  expect(errors).toEqual([]);
});

test('without a broker the overview says what is missing instead of empty figures', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const lone = await startPollen({});
  try {
    await page.goto(`${lone.origin}/`);
    await expect(page.getByTestId('link-state')).toHaveText('live', { timeout: 15_000 });
    await expect(page.getByTestId('server-broker')).toHaveText('none configured');
    await expect(page.getByTestId('broker-status')).toHaveText('no broker: nothing to watch');
    await expect(page.getByTestId('queues-error')).toHaveText('Queue lengths are unavailable: Pollen runs without a broker (--broker).', { timeout: 15_000 });
    await expect(page.getByTestId('workers-online')).toHaveText('0', { timeout: 15_000 });
    await page.screenshot({ path: testInfo.outputPath('overview-no-broker.png'), fullPage: true });
  } finally {
    await lone.stop();
  }
});
