/**
 * Search that helps and controls that tell the truth (issue 16, points 2 and 4), on the shared cluster:
 * a short qualified search finds its task, a bad search keeps the rows and points at its fault, and a
 * disabled control looks disabled and says why in words (touch screens show no tooltips).
 */
import { randomUUID } from 'node:crypto';
import type { APIRequestContext, Locator, Page } from '@playwright/test';
import { expect, sendTask, test, TS_WORKER } from './fixtures/cluster';
import { startPollen } from './fixtures/pollen-process';

const rowOf = (page: Page, uuid: string) => page.locator(`[data-testid="task-row"][data-uuid="${uuid}"]`);

async function taskState(api: APIRequestContext, uuid: string): Promise<string | null> {
  const response = await api.get(`/api/task/info/${uuid}`);
  return response.ok() ? ((await response.json()) as { state: string }).state : null;
}

/** The background and cursor a button is drawn with, and the page's colour for danger. */
async function looks(button: Locator): Promise<{ background: string; cursor: string; danger: string }> {
  return button.evaluate((el) => {
    const probe = document.createElement('span');
    probe.style.color = 'var(--bad)';
    document.body.append(probe);
    const danger = getComputedStyle(probe).color;
    probe.remove();
    const style = getComputedStyle(el);
    return { background: style.backgroundColor, cursor: style.cursor, danger };
  });
}

async function expectLooksDisabled(button: Locator): Promise<void> {
  await expect(button).toBeDisabled();
  const { background, cursor, danger } = await looks(button);
  expect(background).not.toBe(danger);
  expect(cursor).toBe('not-allowed');
}

test('args:<short value> finds its task; a bad search keeps the rows and points at its fault', async ({ page, api }, testInfo) => {
  // Two digits: Flower (and Pollen before) refused any term under 3 characters.
  const value = String(10 + Math.floor(Math.random() * 90));
  const uuid = await sendTask(api, 'examples.add', { args: [1, Number(value)] });
  await expect.poll(() => taskState(api, uuid), { timeout: 15_000 }).toBe('SUCCESS');

  // From the URL, so that the first list is the searched one.
  await page.goto(`/tasks?search=${encodeURIComponent(`args:${value}`)}`);
  const search = page.getByTestId('tasks-search');
  await expect(search).toHaveValue(`args:${value}`);
  await expect(rowOf(page, uuid)).toBeVisible({ timeout: 10_000 });
  await expect(page.getByTestId('tasks-search-error')).toHaveCount(0);
  await expect(page.getByTestId('tasks-error')).toHaveCount(0);
  const shown = await page.getByTestId('task-row').count();
  expect(shown).toBeGreaterThan(0);

  // An unclosed quote at offset 8: the rows of the last good search stay, the fault is marked in place.
  const bad = `args:${value} "unclosed`;
  const fault = bad.indexOf('"');
  await search.fill(bad);
  const note = page.getByTestId('tasks-search-error');
  await expect(note).toBeVisible({ timeout: 10_000 });
  await expect(note).toHaveAttribute('role', 'alert');
  await expect(note).toContainText('Unterminated quoted phrase');
  await expect(note).toContainText(`at position ${fault}`);
  await expect(page.getByTestId('tasks-search-fault')).toHaveText('"');
  // The caret line puts `^` under the fault.
  const marker = (await page.getByTestId('tasks-search-marker').textContent()) ?? '';
  const [line, caret] = marker.split('\n') as [string, string];
  expect(line).toBe(bad);
  expect(caret.indexOf('^')).toBe(fault);
  await expect(search).toHaveAttribute('aria-invalid', 'true');
  await expect(search).toHaveAttribute('aria-describedby', 'tasks-search-error');
  await expect(rowOf(page, uuid)).toBeVisible();
  await expect(page.getByTestId('task-row')).toHaveCount(shown);
  // Trying a syntax error again cannot help: no Try again.
  await expect(page.getByTestId('tasks-error')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Try again' })).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('search-error.png') });

  // A short unqualified term says how to search for it.
  await search.fill(value);
  await expect(note).toContainText(`qualify it: args:${value}`);
  await expect(rowOf(page, uuid)).toBeVisible();

  // A good search clears the note.
  await search.fill(`args:${value}`);
  await expect(note).toHaveCount(0);
  await expect(rowOf(page, uuid)).toBeVisible();
});

test('"Revoke selected" is disabled with its reason until a task is selected', async ({ page, api }) => {
  // Held by the worker for ten minutes: never finished during the test.
  const waiting = await sendTask(api, 'examples.add', { args: [1, 2], countdown: 600 });
  const done = await sendTask(api, 'examples.add', { args: [3, 4] });
  await expect.poll(() => taskState(api, waiting), { timeout: 15_000 }).toBe('RECEIVED');
  await expect.poll(() => taskState(api, done), { timeout: 15_000 }).toBe('SUCCESS');
  try {
    await page.goto(`/tasks?search=${encodeURIComponent(`${waiting} OR ${done}`)}`);
    await expect(page.getByTestId('tasks-total')).toHaveText('2');
    const revoke = page.getByTestId('bulk-revoke');
    await expectLooksDisabled(revoke);
    await expect(page.getByTestId('bulk-revoke-reason')).toHaveText('Select tasks to revoke');
    await expect(page.getByTestId('bulk-revoke-reason')).toBeVisible();
    await expect(revoke).toHaveAttribute('aria-describedby', (await page.getByTestId('bulk-revoke-reason').getAttribute('id')) ?? '');
    await expect(page.getByTestId('bulk-retry-reason')).toHaveText('Select tasks to retry');

    // Only a finished task selected: still nothing to revoke, and it says so.
    await rowOf(page, done).getByRole('checkbox').check();
    await expect(page.getByTestId('bulk-revoke-reason')).toHaveText('The selected tasks have finished: nothing to revoke');
    await expectLooksDisabled(revoke);

    await rowOf(page, waiting).getByRole('checkbox').check();
    await expect(revoke).toBeEnabled();
    await expect(page.getByTestId('bulk-revoke-reason')).toHaveCount(0);
    const { background, cursor, danger } = await looks(revoke);
    expect(background).toBe(danger);
    expect(cursor).toBe('pointer');
  } finally {
    await api.post(`/api/task/revoke/${waiting}`);
  }
});

test('"Terminate…" on a finished task is disabled and says the task has finished', async ({ page, api }) => {
  const id = await sendTask(api, 'examples.add', { args: [5, 6] });
  await expect.poll(() => taskState(api, id), { timeout: 15_000 }).toBe('SUCCESS');
  await page.goto(`/task/${id}`);
  await expect(page.getByTestId('task-state')).toHaveText('SUCCESS', { timeout: 15_000 });
  const terminate = page.getByTestId('task-terminate');
  await expectLooksDisabled(terminate);
  // Said once for the three controls it closes, visible without a tooltip.
  const notice = page.getByTestId('controls-closed');
  await expect(notice).toHaveText('The task has finished (SUCCESS): there is nothing to revoke, terminate or abort');
  await expect(notice).toBeVisible();
  await expectLooksDisabled(page.getByTestId('task-revoke'));
  await expectLooksDisabled(page.getByTestId('task-abort'));
  await expect(page.getByTestId('task-retry-reason')).toContainText('Only a failed or revoked task can be retried');
});

test('a read-only Pollen writes why its controls are off; an offline worker\'s controls say it is offline', async ({ page, cluster }) => {
  test.setTimeout(120_000);
  const readOnly = await startPollen({ broker: cluster.broker, backend: cluster.backend, args: ['--read-only', '--unauthenticated-api'] });
  try {
    await page.goto(`${readOnly.origin}/worker/${encodeURIComponent(TS_WORKER)}`);
    await expect(page.getByTestId('worker-shutdown-reason')).toHaveText('Controls are off: Pollen runs read-only', { timeout: 20_000 });
    await expectLooksDisabled(page.getByTestId('worker-shutdown'));
    await expect(page.getByTestId('worker-pool-grow-reason')).toHaveText('Controls are off: Pollen runs read-only');
  } finally {
    await readOnly.stop();
  }

  const hostname = `gone-${randomUUID().slice(0, 8)}@pollen`;
  const worker = await cluster.startTsWorker({ hostname, heartbeatInterval: 2 });
  await page.goto(`${cluster.baseURL}/worker/${encodeURIComponent(hostname)}`);
  await expect(page.getByTestId('worker-shutdown')).toBeEnabled({ timeout: 20_000 });
  await worker.stop();
  await expect(page.getByTestId('worker-shutdown-reason')).toHaveText('The worker is offline', { timeout: 20_000 });
  await expectLooksDisabled(page.getByTestId('worker-shutdown'));
  await expect(page.getByTestId('worker-pool-grow-reason')).toHaveText('The worker is offline');
});

test('autoscale with its minimum above its maximum cannot be sent, and says why beside its button', async ({ page }) => {
  await page.goto(`/worker/${encodeURIComponent(TS_WORKER)}`);
  await page.getByTestId('worker-autoscale').click({ timeout: 20_000 });
  const dialog = page.getByTestId('worker-autoscale-dialog');
  await dialog.getByTestId('worker-autoscale-max').fill('2');
  await dialog.getByTestId('worker-autoscale-min').fill('5');
  await expectLooksDisabled(dialog.getByTestId('worker-autoscale-confirm'));
  await expect(dialog.getByTestId('worker-autoscale-invalid')).toHaveText('The minimum is above the maximum');
  await dialog.getByTestId('worker-autoscale-min').fill('1');
  await expect(dialog.getByTestId('worker-autoscale-confirm')).toBeEnabled();
  await expect(dialog.getByTestId('worker-autoscale-invalid')).toHaveCount(0);
});
