import { expect, test } from '@playwright/test';

const number = (text: string | null): number => Number((text ?? '').replace(/[^\d.]/g, ''));

test('the dashboard started by `npm run demo` loads in Chromium and shows the demo cluster at work', async ({ page, request }, testInfo) => {
  test.setTimeout(90_000);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));

  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  await expect(page).toHaveTitle('Pollen');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Overview');
  // The Socket.IO link comes up and the server introduces itself.
  await expect(page.getByTestId('link-state')).toHaveText('live', { timeout: 15_000 });
  await expect(page.getByTestId('server-version')).toHaveText(/^\d+\.\d+\.\d+/);
  await expect(page.getByTestId('server-broker')).toHaveText('memory://');

  // The embedded demo cluster: its workers online and its tasks moving the figures, within 30 s.
  await expect.poll(async () => number(await page.getByTestId('workers-online').textContent()), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
  for (const state of ['SUCCESS', 'FAILURE', 'STARTED', 'REVOKED']) {
    await expect.poll(async () => number(await page.getByTestId(`state-${state}-count`).textContent()), { message: state, timeout: 30_000 }).toBeGreaterThan(0);
  }
  await expect.poll(async () => number(await page.getByTestId('throughput-succeeded').textContent()), { timeout: 30_000 }).toBeGreaterThan(0);
  await page.screenshot({ path: testInfo.outputPath('overview.png'), fullPage: true });

  // A long report shows its PROGRESS bar moving on its task page.
  let report: string | undefined;
  await expect
    .poll(async () => {
      const running = (await (await request.get('/api/v1/tasks?name=reports.generate&state=STARTED&limit=1')).json()) as { tasks: { uuid: string }[] };
      report = running.tasks[0]?.uuid;
      return report;
    }, { timeout: 30_000 })
    .toBeDefined();
  await page.goto(`/task/${report as string}`);
  const bar = page.getByTestId('task-progress');
  await expect(bar).toBeVisible({ timeout: 15_000 });
  const first = await bar.getAttribute('aria-valuenow');
  await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 15_000 }).not.toBe(first);
  await page.screenshot({ path: testInfo.outputPath('demo-progress.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('Flower-compatible health check answers OK', async ({ request }) => {
  const response = await request.get('/healthcheck');
  expect(response.status()).toBe(200);
  expect(await response.text()).toBe('OK');
});
