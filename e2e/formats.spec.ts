/**
 * One way to write time and numbers (issue 16, point 3), in a browser whose zone is not UTC: times name
 * their zone and switch between local and UTC, remembered across a reload; the Task types page writes
 * one rate unit per column and counts rejected tasks apart from failed ones; the queue chart's value
 * axis repeats no label and its legend lists each queue once.
 */
import type { APIRequestContext, Locator, Page } from '@playwright/test';
import type { TaskDetail } from '../lib/api/tasks';
import { runPythonArgs } from '../test/harness/ts-worker';
import { expect, PY_QUEUE, sendTask, test } from './fixtures/cluster';

const ZONE = 'Asia/Kolkata';
const ZONE_NAME = 'GMT+5:30';

test.use({ timezoneId: ZONE, locale: 'en-US' });

async function finished(api: APIRequestContext, id: string, state: string): Promise<TaskDetail['task']> {
  let task: TaskDetail['task'] = null;
  await expect
    .poll(
      async () => {
        const response = await api.get(`/api/v1/tasks/${id}`);
        task = response.ok() ? ((await response.json()) as TaskDetail).task : null;
        return task?.state;
      },
      { timeout: 20_000 },
    )
    .toBe(state);
  return task;
}

/** The time of day a Unix-seconds timestamp reads in `timeZone`, 24-hour with milliseconds. */
function clockIn(timeZone: string, seconds: number): string {
  return new Intl.DateTimeFormat('en-US', { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3, hourCycle: 'h23', timeZone }).format(seconds * 1000);
}

async function chooseZone(page: Page, choice: 'utc' | 'local'): Promise<void> {
  const toggle = page.getByTestId('time-zone-toggle');
  await expect(toggle).toHaveAttribute('data-time-zone', /utc|local/);
  if ((await toggle.getAttribute('data-time-zone')) !== choice) await toggle.click();
  await expect(toggle).toHaveAttribute('data-time-zone', choice);
}

test('times name their zone and switch between local and UTC, and the choice survives a reload', async ({ page, api }) => {
  const id = await sendTask(api, 'examples.add', { args: [7, 8] });
  const task = await finished(api, id, 'SUCCESS');
  const received = task?.received as number;
  // Kolkata is 5 h 30 min ahead of UTC all year: the two clocks always differ.
  expect(clockIn(ZONE, received)).not.toBe(clockIn('UTC', received));

  await page.goto(`/tasks?search=${id}`);
  await chooseZone(page, 'local');
  const row = page.locator(`[data-testid="task-row"][data-uuid="${id}"]`);
  const cell = row.getByTestId('task-row-received');
  await expect(cell).toHaveText(clockIn(ZONE, received), { timeout: 15_000 });
  await expect(page.getByTestId('sort-received')).toContainText(ZONE_NAME);
  await expect(cell).toHaveAttribute('title', new RegExp(`${clockIn(ZONE, received).replace(/\./g, '\\.')} ${ZONE_NAME.replace('+', '\\+')}$`));

  await chooseZone(page, 'utc');
  await expect(cell).toHaveText(clockIn('UTC', received));
  await expect(page.getByTestId('sort-received')).toContainText('UTC');
  await expect(cell).toHaveAttribute('title', new RegExp(`${clockIn('UTC', received).replace(/\./g, '\\.')} UTC$`));

  // Remembered: the page comes back in UTC, with no hydration error on the way.
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-time-zone', 'utc');
  await expect(page.getByTestId('time-zone-toggle')).toHaveAttribute('data-time-zone', 'utc');
  await expect(row.getByTestId('task-row-received')).toHaveText(clockIn('UTC', received), { timeout: 15_000 });

  // The task page writes every time with its zone, in the same choice.
  await page.goto(`/task/${id}`);
  const times = page.getByTestId('task-times');
  await expect(times).toContainText(`${clockIn('UTC', received)} UTC`, { timeout: 15_000 });
  await expect(page.getByTestId('task-timeline')).toContainText(`${clockIn('UTC', received)} UTC`);
  await chooseZone(page, 'local');
  await expect(times).toContainText(`${clockIn(ZONE, received)} ${ZONE_NAME}`);
  await expect(page.getByTestId('task-timeline')).toContainText(`${clockIn(ZONE, received)} ${ZONE_NAME}`);
  await page.reload();
  await expect(page.getByTestId('task-times')).toContainText(`${clockIn(ZONE, received)} ${ZONE_NAME}`, { timeout: 15_000 });
  expect(errors.filter((e) => /hydrat|did not match/i.test(e))).toEqual([]);
});

function typeRow(page: Page, task: string): Locator {
  return page.locator(`[data-testid="task-type-row"][data-task="${task}"]`);
}

test('Task types write one rate unit per column and count rejected tasks apart from failed ones', async ({ page, api }) => {
  // Celery's Reject with requeue=False: the worker sends task-rejected, not task-failed.
  const rejected = await Promise.all([1, 2].map(() => sendTask(api, 'tasks.reject', { queue: PY_QUEUE })));
  const adds = await Promise.all([1, 2, 3].map((n) => sendTask(api, 'examples.add', { args: [n, n] })));
  for (const id of rejected) await finished(api, id, 'REJECTED');
  for (const id of adds) await finished(api, id, 'SUCCESS');

  await page.goto('/task-types');
  const reject = typeRow(page, 'tasks.reject');
  await expect(reject.getByTestId('task-type-rejected')).toHaveText(/^[1-9]/, { timeout: 15_000 });
  expect(Number(await reject.getByTestId('task-type-rejected').innerText())).toBeGreaterThanOrEqual(2);
  await expect(reject.getByTestId('task-type-failed')).toHaveText('0');
  await expect(reject.getByTestId('task-type-failure-rate')).toHaveText('—');

  // The unit is said once, in the header; every cell is a bare number in it.
  await expect(page.getByTestId('task-types-rate-unit')).toHaveText(/^\/(s|min|h)$/);
  await expect(typeRow(page, 'examples.add').getByTestId('task-type-rate')).toHaveText(/^(\d[\d,]*(\.\d)?|< 0\.1)$/, { timeout: 15_000 });
  const rates = await page.getByTestId('task-type-rate').allInnerTexts();
  expect(rates.length).toBeGreaterThan(1);
  for (const rate of rates) expect(rate).toMatch(/^(\d[\d,]*(\.\d)?|< 0\.1|—)$/);
});

test('the queue chart repeats no value on its axis and lists each queue once', async ({ page, cluster }) => {
  // One message in a queue nobody consumes: with the chart at most 1 high, the axis used to read 0, 0, 1, 1, 1.
  const queue = `one-${Date.now().toString(36)}`;
  const sent = await runPythonArgs(['queue_backlog.py', queue, '[0]'], { broker: cluster.broker, backend: cluster.backend, timeoutMs: 30_000 });
  expect(sent.code, sent.output).toBe(0);

  await page.goto('/queues');
  const series = page.locator(`[data-testid="queue-history-series"][data-queue="${queue}"]`);
  await expect(series.getByTestId('queue-history-last')).toHaveText('1', { timeout: 20_000 });
  // Draw this queue alone (others, from other tests, may be longer).
  const legend = page.getByTestId('queue-history-legend');
  for (const other of await legend.getByTestId('queue-history-series').all()) {
    const drawn = other.getByRole('button', { pressed: true });
    if ((await other.getAttribute('data-queue')) !== queue && (await drawn.count()) > 0) await drawn.click();
  }
  await expect(legend.getByRole('button', { pressed: true })).toHaveCount(1);
  const chart = page.getByTestId('queue-history-chart');
  await expect(chart.locator('path.recharts-curve')).toHaveCount(1);

  // recharts draws the tick labels in a layer of their own, classed by axis.
  const ticks = chart.locator('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value');
  await expect(ticks.first()).toBeVisible();
  const labels = await ticks.allTextContents();
  expect(labels).toEqual([...new Set(labels)]);
  expect(labels).toEqual(['0', '1']);

  // The queue's name shows once in the chart's card: one legend, no second one drawn by the chart.
  const card = page.getByRole('region', { name: 'Queue lengths over time' });
  await expect(card.getByText(queue, { exact: true })).toHaveCount(1);
  await expect(chart.locator('.recharts-legend-wrapper')).toHaveCount(0);
});
