import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

/** README's screenshot of the overview, refreshed by `POLLEN_README_SCREENSHOT=1 npx playwright test e2e/smoke.spec.ts`. */
const README_SCREENSHOT = fileURLToPath(new URL('./screenshots/demo-overview.png', import.meta.url));

const number = (text: string | null): number => Number((text ?? '').replace(/[^\d.]/g, ''));

test('the dashboard started by `npm run demo` loads in Chromium and shows the demo cluster at work', async ({ page, request }, testInfo) => {
  test.setTimeout(process.env['POLLEN_README_SCREENSHOT'] ? 400_000 : 90_000);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));

  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  // Everything below, up to the PROGRESS bar moving, within 30 s of the page's first load.
  const deadline = Date.now() + 30_000;
  const left = (): number => Math.max(1, deadline - Date.now());
  await expect(page).toHaveTitle('Pollen');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Overview');
  // The Socket.IO link comes up and the server introduces itself.
  await expect(page.getByTestId('link-state')).toHaveText('live', { timeout: left() });
  await expect(page.getByTestId('server-version')).toHaveText(/^\d+\.\d+\.\d+/);
  await expect(page.getByTestId('server-broker')).toHaveText('memory://');

  // The embedded demo cluster: its workers online and its tasks moving the figures.
  await expect.poll(async () => number(await page.getByTestId('workers-online').textContent()), { timeout: left() }).toBeGreaterThanOrEqual(2);
  // Every Celery state lit on the overview at some moment: the waiting ones (PENDING behind the crawler's
  // rate limit, RETRY queued behind it) come and go, so each tile is watched until it has shown a task.
  const states = ['PENDING', 'RECEIVED', 'STARTED', 'RETRY', 'SUCCESS', 'FAILURE', 'REVOKED', 'REJECTED'];
  const seen = new Set<string>();
  await expect
    .poll(
      async () => {
        for (const state of states) if (number(await page.getByTestId(`state-${state}-count`).textContent()) > 0) seen.add(state);
        return states.filter((state) => !seen.has(state));
      },
      { message: 'states never shown', timeout: left(), intervals: [200] },
    )
    .toEqual([]);
  await expect.poll(async () => number(await page.getByTestId('throughput-succeeded').textContent()), { timeout: left() }).toBeGreaterThan(0);
  await expect.poll(async () => number(await page.getByTestId('rate-succeeded').textContent()), { timeout: left() }).toBeGreaterThan(0);
  // The throughput chart draws a curve that leaves the bottom: a line flat at zero would still be a path.
  const curve = page.getByTestId('throughput-chart').locator('path.recharts-curve').first();
  await expect
    .poll(async () => {
      const ys = ((await curve.getAttribute('d')) ?? '').match(/-?\d+(\.\d+)?/g)?.filter((_, i) => i % 2 === 1) ?? [];
      return new Set(ys).size;
    }, { message: 'the succeeded curve has more than one height', timeout: left() })
    .toBeGreaterThan(1);
  // Runtime percentiles per task type.
  await expect(page.locator('[data-testid="latency-row"][data-task="emails.send"]')).toBeVisible({ timeout: left() });
  await page.screenshot({ path: testInfo.outputPath('overview.png'), fullPage: true });

  // A long report shows its PROGRESS bar moving on its task page: one that started a moment ago, so that
  // it still has seconds of work ahead when the page opens.
  let report: string | undefined;
  await expect
    .poll(async () => {
      const running = (await (await request.get('/api/v1/tasks?name=reports.generate&state=STARTED&sort=started&order=desc&limit=1')).json()) as { tasks: { uuid: string; started: number | null }[] };
      const newest = running.tasks[0];
      report = newest?.started != null && Date.now() / 1000 - newest.started < 2 ? newest.uuid : undefined;
      return report;
    }, { timeout: left(), intervals: [250] })
    .toBeDefined();
  await page.goto(`/task/${report as string}`);
  const bar = page.getByTestId('task-progress');
  await expect(bar).toBeVisible({ timeout: left() });
  const first = await bar.getAttribute('aria-valuenow');
  await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: left() }).not.toBe(first);
  console.log(`smoke: every check passed ${((Date.now() - deadline + 30_000) / 1000).toFixed(1)} s after the overview's first load`);
  await page.screenshot({ path: testInfo.outputPath('demo-progress.png'), fullPage: true });
  expect(errors).toEqual([]);

  if (process.env['POLLEN_README_SCREENSHOT']) {
    // README's picture of the demo: a few minutes in, so the chart has several bursts to show.
    await page.goto('/');
    await page.waitForTimeout(240_000);
    await page.screenshot({ path: README_SCREENSHOT });
  }
});

test('Flower-compatible health check answers OK', async ({ request }) => {
  const response = await request.get('/healthcheck');
  expect(response.status()).toBe(200);
  expect(await response.text()).toBe('OK');
});
