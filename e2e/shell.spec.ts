import { expect, test } from './fixtures/cluster';

test('every page shares the header: navigation, the live link and the theme switch', async ({ page }, testInfo) => {
  await page.goto('/');
  await expect(page.getByTestId('link-state')).toHaveText('live');
  const nav = page.getByRole('navigation', { name: 'Pages' });
  for (const label of ['Overview', 'Workers', 'Tasks', 'Task types', 'Queues', 'Broker']) await expect(nav.getByRole('link', { name: label })).toBeVisible();

  const html = page.locator('html');
  const before = await html.getAttribute('data-theme');
  await page.getByTestId('theme-toggle').click();
  const after = before === 'dark' ? 'light' : 'dark';
  await expect(html).toHaveAttribute('data-theme', after);
  // The choice outlives a reload, applied before the first paint.
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', after);
  await page.screenshot({ path: testInfo.outputPath(`overview-${after}.png`), fullPage: true });
});
