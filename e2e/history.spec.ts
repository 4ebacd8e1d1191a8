import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import Database from 'better-sqlite3';
import type { HistoryStatus } from '../lib/push/contract';
import { timeFormat } from '../components/format/format-time';
import { startRedis } from '../test/harness/redis-server';
import { until } from '../test/harness/until';
import { startPollen } from './fixtures/pollen-process';

// The page writes times in the browser's zone and locale: fixed here, so the test can write them too.
test.use({ timezoneId: 'UTC', locale: 'en-US' });
const pageTimes = timeFormat('local', { locale: 'en-US', localTimeZone: 'UTC' });

async function history(origin: string): Promise<HistoryStatus> {
  const response = await fetch(`${origin}/api/v1/health`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { history: HistoryStatus }).history;
}

/** The page does not scroll sideways: a phone reads the whole notice or banner. */
async function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

function historyDir(): { file: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pollen-e2e-history-'));
  return { file: join(dir, 'history.db'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

test('Pollen started again on its history says, on the dashboard and the task list, when it was not listening', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const redis = await startRedis();
  const { file, remove } = historyDir();
  let pollen = await startPollen({ broker: redis.url(0), args: ['--db', file] });
  try {
    // The first run on a new file: nothing was missed.
    expect((await history(pollen.origin)).notListening).toEqual([]);
    await page.goto(`${pollen.origin}/`);
    await expect(page.getByTestId('link-state')).toHaveText('live');
    await expect(page.getByTestId('not-listening')).toHaveCount(0);
    await expect(page.getByTestId('history-banner')).toHaveCount(0);

    await pollen.stop();
    const stoppedAt = Date.now() / 1000;
    // Long enough that the two ends of the gap are different seconds.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    pollen = await startPollen({ broker: redis.url(0), args: ['--db', file] });

    const gap = (await history(pollen.origin)).notListening[0];
    expect(gap).toBeDefined();
    if (gap === undefined) return;
    expect(gap.from).toBeLessThanOrEqual(stoppedAt + 1);
    expect(gap.to).toBeGreaterThan(stoppedAt);

    const range = `Pollen was not listening from ${pageTimes.dateTime(gap.from)} to ${pageTimes.dateTime(gap.to)}.`;
    await page.goto(`${pollen.origin}/`);
    const notice = page.getByTestId('not-listening');
    await expect(notice).toBeVisible({ timeout: 20_000 });
    await expect(notice).toContainText(range);
    await expect(notice).toContainText('may be missing');
    await expect(notice).toContainText('result backend');
    // Something to know, not an outage: it is not an alert, and the broker and history are fine.
    await expect(notice).toHaveAttribute('role', 'status');
    await expect(page.getByTestId('history-banner')).toHaveCount(0);
    await expect(page.getByTestId('broker-banner')).toHaveCount(0);
    await page.screenshot({ path: testInfo.outputPath('not-listening-dashboard.png'), fullPage: true });

    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Tasks' }).click();
    await expect(page).toHaveURL(/\/tasks$/);
    await expect(notice).toContainText(range);

    await page.setViewportSize({ width: 390, height: 844 });
    await expect(notice).toBeVisible();
    expect(await fitsWidth(page)).toBe(true);
    await page.screenshot({ path: testInfo.outputPath('not-listening-phone.png'), fullPage: true });
  } finally {
    await pollen.stop();
    await redis.stop();
    remove();
  }
});

test('history that cannot be written puts a banner across the page while the live view goes on, and it goes when writing resumes', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const redis = await startRedis();
  const { file, remove } = historyDir();
  const pollen = await startPollen({ broker: redis.url(0), args: ['--db', file] });
  // Another process holding SQLite's write lock: every write of Pollen's waits out its busy timeout and
  // fails ("database is locked"), as it would behind a long backup or a sqlite3 shell left in a transaction.
  const other = new Database(file);
  try {
    await page.goto(`${pollen.origin}/tasks`);
    await expect(page.getByTestId('link-state')).toHaveText('live');
    await expect(page.getByTestId('history-banner')).toHaveCount(0);

    other.exec('BEGIN IMMEDIATE');
    const failing = await until('history failing', async () => {
      const status = await history(pollen.origin);
      return status.state === 'failing' ? status : null;
    }, 60_000);
    const banner = page.getByTestId('history-banner');
    await expect(banner).toBeVisible({ timeout: 20_000 });
    await expect(banner).toHaveAttribute('role', 'alert');
    await expect(banner).toContainText(`History is not being written to ${file} since ${pageTimes.dateTime(failing.since)}: ${failing.error ?? ''}`);
    await expect(banner).toContainText('locked');
    await expect(banner).toContainText('The live view goes on; writing resumes by itself');
    // The live view does go on: the page keeps its link, the broker is fine.
    await expect(page.getByTestId('link-state')).toHaveText('live');
    await expect(page.getByTestId('broker-banner')).toHaveCount(0);
    await page.screenshot({ path: testInfo.outputPath('history-failing.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await fitsWidth(page)).toBe(true);
    await page.screenshot({ path: testInfo.outputPath('history-failing-phone.png') });

    other.exec('ROLLBACK');
    await expect(banner).toHaveCount(0, { timeout: 60_000 });
    expect((await history(pollen.origin)).state).toBe('writing');
  } finally {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    await pollen.stop();
    await redis.stop();
    remove();
  }
});
