import { expect, test } from '@playwright/test';

test('the dashboard started by `npm run demo` loads in Chromium and is live', async ({ page }, testInfo) => {
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
  // The overview's live figures arrive over the same link (the demo has no workers yet).
  await expect(page.getByTestId('workers-online')).toHaveText(/^\d+$/, { timeout: 15_000 });
  await expect(page.getByTestId('state-SUCCESS-count')).toHaveText(/^\d[\d,]*$/);
  await expect(page.getByTestId('throughput-succeeded')).toHaveText(/^\d[\d,]*$/, { timeout: 15_000 });

  await page.screenshot({ path: testInfo.outputPath('overview.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('Flower-compatible health check answers OK', async ({ request }) => {
  const response = await request.get('/healthcheck');
  expect(response.status()).toBe(200);
  expect(await response.text()).toBe('OK');
});
