import { randomUUID } from 'node:crypto';
import { expect, PY_WORKER, sendTask, test, TS_WORKER } from './fixtures/cluster';
import { startPollen } from './fixtures/pollen-process';

/** A figure as the page writes it ("1,234") as a number; NaN when there is none yet. */
function figure(text: string | null): number {
  const match = /\d[\d,]*/.exec(text ?? '');
  return match ? Number(match[0].replace(/,/g, '')) : NaN;
}

test('a read-only Pollen behind --url-prefix serves pages, API and Socket.IO under the prefix only', async ({ page, cluster, request, api }, testInfo) => {
  // The first start with this prefix builds the dashboard for it.
  test.setTimeout(240_000);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  // --unauthenticated-api would open the controls: read-only mode alone must keep them closed.
  const second = await startPollen({ broker: cluster.broker, backend: cluster.backend, urlPrefix: 'flower', args: ['--read-only', '--unauthenticated-api'] });
  try {
    const root = `${second.origin}/flower`;

    const response = await page.goto(`${root}/`);
    expect(response?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Overview');
    // Socket.IO answers at /flower/socket.io: the live link and the pushed figures prove it.
    await expect(page.getByTestId('link-state')).toHaveText('live', { timeout: 20_000 });
    await expect.poll(async () => figure(await page.getByTestId('workers-online').textContent()), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    // REST reads go through the prefix too.
    await expect(page.getByTestId('throughput-succeeded')).toHaveText(/^\d[\d,]*$/, { timeout: 15_000 });
    await expect(page.locator('[data-testid="queue-row"][data-queue="celery"]')).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId('server-controls')).toContainText('read-only', { timeout: 10_000 });
    // A task finished after the page loaded shows up without a reload.
    await sendTask(api, 'examples.add', { args: [Date.now() % 100_000, 1] });
    await expect.poll(async () => figure(await page.getByTestId('state-SUCCESS-count').textContent()), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: testInfo.outputPath('overview-prefixed.png'), fullPage: true });

    // Links carry the prefix (Next's basePath).
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Workers' }).click();
    await expect(page).toHaveURL(`${root}/workers`);

    const workers = await request.get(`${root}/api/workers`);
    expect(workers.status()).toBe(200);
    expect(workers.headers()['content-type']).toContain('application/json');
    await expect
      .poll(async () => Object.keys((await (await request.get(`${root}/api/workers`)).json()) as Record<string, unknown>).sort(), { timeout: 20_000 })
      .toEqual(expect.arrayContaining([PY_WORKER, TS_WORKER]));
    // Nothing is served outside the prefix.
    expect((await request.get(`${second.origin}/api/workers`)).status()).toBe(404);
    expect((await request.get(`${second.origin}/`)).status()).toBe(404);

    const session = (await (await request.get(`${root}/api/v1/session`)).json()) as { readOnly: boolean; controlsEnabled: boolean; urlPrefix: string };
    expect(session).toMatchObject({ readOnly: true, controlsEnabled: false, urlPrefix: '/flower' });
    // Refused before it reaches a worker; a revoke of an unknown id would be harmless if it were not.
    const revoke = await request.post(`${root}/api/task/revoke/${randomUUID()}`);
    expect(revoke.status()).toBe(403);
    expect(await revoke.text()).toContain('Read only');

    // The worker page offers its controls, closed.
    await page.goto(`${root}/worker/${encodeURIComponent(TS_WORKER)}`);
    await expect(page.getByTestId('link-state')).toHaveText('live', { timeout: 20_000 });
    await expect(page.getByTestId('worker-shutdown')).toBeDisabled({ timeout: 20_000 });
    expect(errors).toEqual([]);
  } finally {
    await second.stop();
  }
});
