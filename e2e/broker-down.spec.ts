import { expect, test } from '@playwright/test';
import { startRedis } from '../test/harness/redis-server';
import { startPollen } from './fixtures/pollen-process';

test('a broker that goes down puts a banner across every page, and it goes when the broker is back', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const redis = await startRedis();
  // Controls open, so that the only reason they close is the outage.
  const pollen = await startPollen({ broker: redis.url(0), args: ['--unauthenticated-api'] });
  try {
    await page.goto(`${pollen.origin}/workers`);
    await expect(page.getByTestId('link-state')).toHaveText('live');
    await expect(page.getByTestId('broker-banner')).toHaveCount(0);

    await redis.stop();
    const banner = page.getByTestId('broker-banner');
    await expect(banner).toBeVisible({ timeout: 20_000 });
    await expect(banner).toContainText(redis.url(0));
    await expect(banner).toContainText(/reconnecting|closed|connecting/);
    // The header's dot turns red and says so in words: the page is connected, but not live.
    await expect(page.getByTestId('link-state')).toHaveText('broker down');
    await expect(page.getByTestId('link-state')).toHaveClass(/\bbad\b/);
    // Every page carries it: it lives in the header, not in one page.
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Tasks' }).click();
    await expect(page).toHaveURL(/\/tasks$/);
    await expect(banner).toBeVisible();
    // What Pollen holds stays readable while the broker is away.
    await expect(page.getByTestId('tasks-total')).toHaveText('0', { timeout: 10_000 });
    await expect(page.getByTestId('link-state')).toHaveText('broker down');
    // No command can reach a worker: the controls say so beside themselves.
    await expect(page.getByTestId('bulk-revoke')).toBeDisabled();
    await expect(page.getByTestId('bulk-revoke-reason')).toHaveText('The broker is down: commands cannot reach the workers');
    await page.screenshot({ path: testInfo.outputPath('broker-down.png'), fullPage: true });

    await redis.restart();
    await expect(banner).toHaveCount(0, { timeout: 45_000 });
    await expect(page.getByTestId('link-state')).toHaveText('live');
    await expect(page.getByTestId('bulk-revoke-reason')).toHaveText('Select tasks to revoke');
  } finally {
    await pollen.stop();
    await redis.stop();
  }
});
