/**
 * Issue 16, "What Flower users look for": Flower's Succeeded, Failed and Retried per worker with a totals
 * row, live; the task name as a link; the whole task id with a copy button; a Queue column whose names
 * can be told apart.
 */
import type { APIRequestContext, Locator, Page } from '@playwright/test';
import { createClient } from '../worker/client/client';
import { expect, PY_QUEUE, PY_WORKER, sendTask, test, TS_WORKER } from './fixtures/cluster';

/** A task no worker runs: it waits, PENDING, in its queue. */
const TASK = 'e2e.columns.waits';

type Counter = 'task-succeeded' | 'task-failed' | 'task-retried';
type Counters = Record<Counter, number>;
const COUNTERS: readonly Counter[] = ['task-succeeded', 'task-failed', 'task-retried'];
const CELL: Record<Counter, string> = { 'task-succeeded': 'worker-succeeded', 'task-failed': 'worker-failed', 'task-retried': 'worker-retried' };

async function counters(api: APIRequestContext): Promise<Record<string, Counters>> {
  const response = await api.get('/api/workers', { params: { refresh: 'false' } });
  expect(response.status()).toBe(200);
  return (await response.json()) as Record<string, Counters>;
}

async function number(cell: Locator): Promise<number> {
  return Number(((await cell.textContent()) ?? '').replace(/[^\d]/g, ''));
}

async function finished(api: APIRequestContext, ids: readonly string[]): Promise<boolean> {
  for (const id of ids) {
    const response = await api.get(`/api/task/info/${id}`);
    if (!response.ok() || !['SUCCESS', 'FAILURE'].includes(((await response.json()) as { state: string }).state)) return false;
  }
  return true;
}

test('the Workers page shows Succeeded, Failed and Retried per worker, live, and a totals row that adds up', async ({ page, api }, testInfo) => {
  test.setTimeout(120_000);
  await page.goto('/workers');
  await expect(page.getByTestId('link-state')).toHaveText('live', { timeout: 15_000 });
  const headers = await page.getByTestId('workers-table').locator('thead th').allTextContents();
  // What a Flower user reads first, and what a phone shows before it scrolls.
  expect(headers.slice(0, 7)).toEqual(['Status', 'Worker', 'Active', 'Processed', 'Succeeded', 'Failed', 'Retried']);
  const tsRow = page.locator(`tr[data-worker="${TS_WORKER}"]`);
  const pyRow = page.locator(`tr[data-worker="${PY_WORKER}"]`);
  await expect(tsRow.getByTestId('worker-status')).toHaveText('online', { timeout: 15_000 });
  await expect(pyRow.getByTestId('worker-status')).toHaveText('online', { timeout: 15_000 });
  // Everything below must come over the push channel: a reload would wipe this marker.
  await page.evaluate(() => ((window as unknown as { pollenNoReload: boolean }).pollenNoReload = true));

  const before = await counters(api);
  const ids = [
    ...(await Promise.all([1, 2, 3].map((i) => sendTask(api, 'examples.add', { args: [i, 1] })))),
    ...(await Promise.all([1, 2].map((i) => sendTask(api, 'examples.fail', { args: [`boom ${i}`] })))),
    // Retried once, then succeeds.
    await sendTask(api, 'examples.flaky', { args: [1, 0.1] }),
    ...(await Promise.all([1, 2].map((i) => sendTask(api, 'tasks.add', { args: [i, 2], queue: PY_QUEUE })))),
    await sendTask(api, 'tasks.fail', { queue: PY_QUEUE }),
  ];
  await expect.poll(() => finished(api, ids), { timeout: 30_000 }).toBe(true);
  const expected: Record<string, Counters> = {
    [TS_WORKER]: { 'task-succeeded': 4, 'task-failed': 2, 'task-retried': 1 },
    [PY_WORKER]: { 'task-succeeded': 2, 'task-failed': 1, 'task-retried': 0 },
  };
  for (const [hostname, row] of [[TS_WORKER, tsRow], [PY_WORKER, pyRow]] as const) {
    for (const counter of COUNTERS) {
      const want = (before[hostname]?.[counter] ?? 0) + (expected[hostname]?.[counter] ?? 0);
      await expect.poll(() => number(row.getByTestId(CELL[counter])), { timeout: 15_000, message: `${hostname} ${counter}` }).toBe(want);
    }
  }
  // The API says what the page says.
  const after = await counters(api);
  for (const counter of COUNTERS) expect(after[TS_WORKER]?.[counter]).toBe(await number(tsRow.getByTestId(CELL[counter])));

  // The totals row adds up every column it totals, over the rows shown.
  const rows = page.locator('tbody tr[data-worker]');
  const totals = page.getByTestId('workers-totals');
  await expect(totals.locator('th')).toHaveText('Total');
  for (const column of ['active', 'processed', 'succeeded', 'failed', 'retried']) {
    await expect
      .poll(async () => {
        let sum = 0;
        for (const row of await rows.all()) sum += await number(row.getByTestId(`worker-${column}`));
        return (await number(totals.getByTestId(`total-${column}`))) - sum;
      }, { message: `total ${column}` })
      .toBe(0);
  }
  expect(await number(totals.getByTestId('total-succeeded'))).toBeGreaterThanOrEqual(6);
  expect(await page.evaluate(() => (window as unknown as { pollenNoReload?: boolean }).pollenNoReload)).toBe(true);
  await page.screenshot({ path: testInfo.outputPath('workers-counters.png'), fullPage: true });
});

/** Whether the last `chars` characters of the element's text are drawn inside it (not cut off). */
function endVisible(page: Page, cell: Locator, chars: number): Promise<boolean> {
  return cell.evaluate((element, n) => {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    let last: Text | null = null;
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) last = node as Text;
    if (last === null) return false;
    const range = document.createRange();
    range.setStart(last, Math.max(0, last.length - n));
    range.setEnd(last, last.length);
    const end = range.getBoundingClientRect();
    const box = element.getBoundingClientRect();
    return end.width > 0 && end.left >= box.left - 1 && end.right <= box.right + 1;
  }, chars);
}

test('the tasks list: the name opens the task, the whole id is there to see and copy, queues are told apart', async ({ page, cluster, context }, testInfo) => {
  test.setTimeout(120_000);
  // Queues of one application share a long start, as Flower users name them. The queue of a task is known
  // from its task-sent event (Celery's task_send_sent_event); no worker needs to take them.
  const queues = ['pollen-e2e-columns.orders.high', 'pollen-e2e-columns.orders.low'];
  const client = createClient({ broker: cluster.broker, sendSentEvents: true });
  const [high, low] = await Promise.all(queues.map(async (queue, i) => (await client.sendTask(TASK, [i], {}, { queue })).id));
  await client.close();

  await page.goto(`/tasks?name=${TASK}`);
  await expect(page.getByTestId('link-state')).toHaveText('live', { timeout: 15_000 });
  const rowOf = (uuid: string) => page.locator(`[data-testid="task-row"][data-uuid="${uuid}"]`);
  for (const [uuid, queue] of [[high, queues[0]], [low, queues[1]]] as [string, string][]) {
    const cell = rowOf(uuid).getByRole('cell').last();
    await expect(cell).toHaveText(queue);
    await expect(cell).toHaveAttribute('title', queue);
    // The end that tells the two apart is drawn, however narrow the column.
    expect(await endVisible(page, cell, queue.endsWith('high') ? 5 : 4)).toBe(true);
  }
  await page.screenshot({ path: testInfo.outputPath('tasks-queues.png') });

  const row = rowOf(high as string);
  // The whole id is in the link, cut by the column, and drawn whole on hover.
  const idLink = row.getByTestId('task-link');
  await expect(idLink).toHaveText(high as string);
  expect(await idLink.evaluate((element) => element.scrollWidth > element.clientWidth)).toBe(true);
  await idLink.hover();
  await expect.poll(() => idLink.evaluate((element) => element.scrollWidth <= element.clientWidth)).toBe(true);
  await page.screenshot({ path: testInfo.outputPath('tasks-id-hover.png') });
  // The copy button copies it whole.
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await row.getByTestId('copy-text').click();
  await expect(row.getByTestId('copy-text')).toHaveAttribute('aria-label', 'Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(high);

  // The name is a link to the task, as in Flower.
  const name = row.getByTestId('task-name-link');
  await expect(name).toHaveText(TASK);
  await name.click();
  await expect(page).toHaveURL(new RegExp(`/task/${high}$`));
});
