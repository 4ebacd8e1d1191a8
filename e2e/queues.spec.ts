import { runPythonArgs } from '../test/harness/ts-worker';
import { expect, test } from './fixtures/cluster';

test('a backlog in a queue nobody consumes shows on the Queues page, now and over time', async ({ page, cluster }, testInfo) => {
  const queue = `backlog-${Date.now().toString(36)}`;
  // A real Celery producer with task-sent events on (Pollen's own client sends none): the events name
  // the queue, so Pollen follows it although no worker consumes it. 20 at priority 0, 5 at priority 9.
  const priorities = [...Array<number>(20).fill(0), ...Array<number>(5).fill(9)];
  const sent = await runPythonArgs(['queue_backlog.py', queue, JSON.stringify(priorities)], { broker: cluster.broker, backend: cluster.backend, timeoutMs: 30_000 });
  expect(sent.code, sent.output).toBe(0);

  await page.goto('/queues');
  await expect(page.getByRole('heading', { name: 'Queues' })).toBeVisible();
  const row = page.locator(`[data-testid="queue-row"][data-queue="${queue}"]`);
  await expect(row).toBeVisible({ timeout: 15_000 });
  await expect(row.getByTestId('queue-messages')).toHaveText('25');
  // kombu keeps one Redis list per priority step.
  await expect(row.getByTestId('queue-priorities')).toContainText('0:20');
  await expect(row.getByTestId('queue-priorities')).toContainText('9:5');
  await expect(row).toContainText('task-sent events');

  // The sampler reads every 5 s: the chart gets a reading of 25 for the queue.
  const series = page.locator(`[data-testid="queue-history-series"][data-queue="${queue}"]`);
  await expect(series.getByTestId('queue-history-last')).toHaveText('25', { timeout: 15_000 });
  await expect(series.getByRole('button', { name: queue })).toHaveAttribute('aria-pressed', 'true');
  // Two readings draw a line.
  await expect.poll(async () => Number(await series.getAttribute('data-readings')), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
  await page.screenshot({ path: testInfo.outputPath('queues.png'), fullPage: true });
});

test('the Broker page shows the broker, its link and the queues', async ({ page, cluster }, testInfo) => {
  await page.goto('/broker');
  await expect(page.getByRole('heading', { name: 'Broker' })).toBeVisible();
  const port = new URL(cluster.broker).port;
  await expect(page.getByTestId('broker-url')).toHaveText(`redis://127.0.0.1:${port}/0`);
  await expect(page.getByTestId('broker-result-backend')).toHaveText(`redis://127.0.0.1:${port}/1`);
  await expect(page.getByTestId('broker-transport')).toHaveText('Redis');
  await expect(page.getByTestId('broker-status')).toHaveText('connected');
  await expect(page.locator('[data-testid="queue-row"][data-queue="celery"]')).toBeVisible({ timeout: 15_000 });
  await expect(page.locator('[data-testid="queue-row"][data-queue="python"]')).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole('link', { name: 'lengths over time' })).toBeVisible();

  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.screenshot({ path: testInfo.outputPath('broker-dark.png'), fullPage: true });
  await page.getByTestId('theme-toggle').click();
});
