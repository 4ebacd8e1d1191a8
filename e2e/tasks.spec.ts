import { randomUUID } from 'node:crypto';
import type { Page } from '@playwright/test';
import { Redis } from 'ioredis';
import { type CeleryEvent, decodeEventBody, encodeEventMessage, encodeRedisEnvelope, type JsonObject, names } from '../lib/celery';
import { type Child, startChild } from '../test/harness/child';
import { testDataDir } from '../test/harness/data-dir';
import { freePort } from '../test/harness/free-port';
import { REPO_ROOT } from '../test/harness/ts-worker';
import { expect, PY_QUEUE, sendTask, test } from './fixtures/cluster';

const unique = (): string => randomUUID().slice(0, 8);
const rows = (page: Page) => page.getByTestId('task-row');
const rowOf = (page: Page, uuid: string) => page.locator(`[data-testid="task-row"][data-uuid="${uuid}"]`);

async function taskState(api: import('@playwright/test').APIRequestContext, uuid: string): Promise<string | null> {
  const response = await api.get(`/api/task/info/${uuid}`);
  return response.ok() ? ((await response.json()) as { state: string }).state : null;
}

test('a new task streams in within a second; search narrows to it; its id opens the task', async ({ page, api }, testInfo) => {
  await page.goto('/tasks');
  await expect(page.getByTestId('link-state')).toHaveText('live');
  await expect(page.getByTestId('tasks-total')).not.toHaveText('…');
  const word = `zebra-${unique()}`;
  // Stamp the moment the row shows, in the page, rather than polling for it from here.
  await page.evaluate((w) => {
    const seen = new MutationObserver(() => {
      for (const row of document.querySelectorAll('[data-testid="task-row"]')) {
        if (row.textContent?.includes(w)) {
          (window as unknown as { shownAt: number }).shownAt = Date.now();
          seen.disconnect();
        }
      }
    });
    seen.observe(document.body, { childList: true, subtree: true, characterData: true });
  }, word);
  const sentAt = Date.now();
  const uuid = await sendTask(api, 'tasks.echo', { args: [word], queue: PY_QUEUE });
  await expect(rowOf(page, uuid)).toBeVisible({ timeout: 5000 });
  await expect(rowOf(page, uuid)).toHaveAttribute('data-state', 'SUCCESS', { timeout: 10_000 });
  const shownAt = await page.evaluate(() => (window as unknown as { shownAt: number }).shownAt);
  const info = (await (await api.get(`/api/task/info/${uuid}`)).json()) as { received: number };
  const fromSend = shownAt - sentAt;
  const fromReceived = shownAt - info.received * 1000;
  console.log(`live row: ${fromSend} ms after the send, ${fromReceived.toFixed(0)} ms after task-received`);
  testInfo.annotations.push({ type: 'live-row-ms', description: `${fromSend} ms from send, ${fromReceived.toFixed(0)} ms from task-received` });
  expect(fromReceived).toBeLessThan(1000);
  await page.screenshot({ path: testInfo.outputPath('tasks-light.png'), fullPage: true });

  await page.getByTestId('tasks-search').fill(word);
  await expect(page).toHaveURL(new RegExp(`search=${word}`));
  await expect(page.getByTestId('tasks-total')).toHaveText('1');
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toHaveAttribute('data-uuid', uuid);
  await rowOf(page, uuid).getByTestId('task-link').click();
  await expect(page).toHaveURL(new RegExp(`/task/${uuid}$`));
});

test('live inserts keep the scroll position and the selection', async ({ page, api }, testInfo) => {
  const batch = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i += 25) await Promise.all(Array.from({ length: Math.min(25, n - i) }, (_, j) => sendTask(api, 'examples.add', { args: [i + j, 1] })));
  };
  await batch(300);
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('/tasks');
  await expect.poll(async () => Number((await page.getByTestId('tasks-total').textContent())?.replace(/,/g, '')), { timeout: 15_000 }).toBeGreaterThanOrEqual(300);
  const scroller = page.getByTestId('tasks-scroller');
  await scroller.evaluate((el) => (el.scrollTop = 3000));
  await page.waitForTimeout(300);
  // A row in the middle of the viewport.
  const box = (await scroller.boundingBox())!;
  const target = page.locator('[data-testid="task-row"]').filter({ has: page.locator('input[type=checkbox]') });
  const uuids = await target.evaluateAll((els, mid) => els.filter((el) => Math.abs(el.getBoundingClientRect().top - mid) < 40).map((el) => el.getAttribute('data-uuid')), box.y + box.height / 2);
  const uuid = uuids[0]!;
  const row = rowOf(page, uuid);
  await row.getByRole('checkbox').check();
  const before = (await row.boundingBox())!;
  const totalBefore = Number((await page.getByTestId('tasks-total').textContent())?.replace(/,/g, ''));

  await batch(40);
  await expect.poll(async () => Number((await page.getByTestId('tasks-total').textContent())?.replace(/,/g, '')), { timeout: 15_000 }).toBeGreaterThanOrEqual(totalBefore + 40);
  await expect(page.getByTestId('tasks-new-pill')).toBeVisible();
  const after = (await row.boundingBox())!;
  expect(Math.abs(after.y - before.y)).toBeLessThanOrEqual(1);
  await expect(row.getByRole('checkbox')).toBeChecked();
  await expect(page.getByTestId('tasks-selected-count')).toHaveText('1 selected');
  await page.screenshot({ path: testInfo.outputPath('tasks-dark.png'), fullPage: true });

  await page.getByTestId('tasks-new-pill').click();
  await expect.poll(() => scroller.evaluate((el) => el.scrollTop)).toBe(0);
});

test('bulk revoke with terminate, and bulk retry of a failed task', async ({ page, api }) => {
  const sleepers = [await sendTask(api, 'examples.sleep', { args: [30] }), await sendTask(api, 'examples.sleep', { args: [30] })];
  for (const id of sleepers) await expect.poll(() => taskState(api, id), { timeout: 15_000 }).toBe('STARTED');
  await page.goto(`/tasks?search=${encodeURIComponent(sleepers.join(' OR '))}`);
  await expect(page.getByTestId('tasks-total')).toHaveText('2');
  for (const id of sleepers) await rowOf(page, id).getByRole('checkbox').check();
  await expect(page.getByTestId('tasks-selected-count')).toHaveText('2 selected');
  await page.getByTestId('bulk-revoke').click();
  const dialog = page.getByTestId('bulk-revoke-dialog');
  await dialog.getByTestId('bulk-terminate').check();
  await dialog.getByTestId('bulk-revoke-confirm').click();
  const report = page.getByTestId('bulk-revoke-result');
  for (const id of sleepers) await expect(report).toContainText(`${id}: revoked, terminated with SIGTERM`);
  await expect(report).toContainText('ts-e2e@pollen');
  await page.getByTestId('bulk-revoke-close').click();
  for (const id of sleepers) await expect(rowOf(page, id)).toHaveAttribute('data-state', 'REVOKED', { timeout: 10_000 });

  const message = `boom-${unique()}`;
  const failed = await sendTask(api, 'examples.fail', { args: [message] });
  await expect.poll(() => taskState(api, failed), { timeout: 15_000 }).toBe('FAILURE');
  await page.getByTestId('tasks-search').fill(message);
  await expect(page.getByTestId('tasks-total')).toHaveText('1');
  await rowOf(page, failed).getByRole('checkbox').check();
  await page.getByTestId('tasks-clear-selection').click();
  await rowOf(page, failed).getByRole('checkbox').check();
  await expect(page.getByTestId('tasks-selected-count')).toHaveText('1 selected');
  await page.getByTestId('bulk-retry').click();
  await page.getByTestId('bulk-retry-confirm').click();
  await expect(page.getByTestId('bulk-retry-result')).toContainText(`${failed}: sent again as`);
  await page.getByTestId('bulk-retry-close').click();
  // The retry is a new task with the same arguments: it streams into the searched list.
  await expect(page.getByTestId('tasks-total')).toHaveText('2', { timeout: 10_000 });
});

/** A pollen of its own (max-tasks above 100 000) on another Redis db, so the flood stays out of the shared cluster. */
async function startFloodPollen(brokerUrl: string): Promise<{ child: Child; baseURL: string; broker: string; db: number }> {
  const db = 7;
  const broker = brokerUrl.replace(/\/\d+$/, `/${db}`);
  const port = await freePort();
  const child = startChild(process.execPath, ['server/cli/bin.mjs', '--broker', broker, '--port', String(port), '--address', '127.0.0.1', '--unauthenticated-api', '--max-tasks', '150000', '--enable-events', 'false', '--data-dir', testDataDir()], {
    cwd: REPO_ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', LOG_LEVEL: 'warn' },
  });
  const baseURL = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) throw new Error(`pollen exited:\n${child.output().slice(-2000)}`);
    if (await fetch(`${baseURL}/healthcheck`).then((r) => r.ok, () => false)) return { child, baseURL, broker, db };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('the flood pollen did not start');
}

/** Publishes `count` finished tasks as Celery workers do: task.multi batches of received + succeeded events. */
async function floodTasks(broker: string, db: number, count: number): Promise<void> {
  const redis = new Redis(broker);
  const now = Date.now() / 1000;
  const PER_MESSAGE = 12;
  let pipeline = redis.pipeline();
  for (let i = 0; i < count; i += PER_MESSAGE) {
    const hostname = `flood-${(i / PER_MESSAGE) % 8}@pollen`;
    const body: JsonObject[] = [];
    for (let j = i; j < Math.min(count, i + PER_MESSAGE); j++) {
      const uuid = randomUUID();
      const t = now - (count - j) * 0.01;
      const common = { hostname, utcoffset: 0, pid: 100, clock: j * 2 };
      body.push({ ...common, type: 'task-received', uuid, name: `flood.task${j % 5}`, args: `(${j},)`, kwargs: `{'row': ${j}}`, root_id: uuid, parent_id: null, retries: 0, eta: null, expires: null, timestamp: t });
      body.push({ ...common, clock: j * 2 + 1, type: 'task-succeeded', uuid, result: String(j * 2), runtime: 0.001 + (j % 100) / 1000, timestamp: t + 0.005 });
    }
    const events = decodeEventBody(body).events as CeleryEvent[];
    const { message, routingKey } = encodeEventMessage(events, hostname);
    pipeline.publish(names.redisFanoutChannel(names.EVENT_EXCHANGE, routingKey, { db }), encodeRedisEnvelope(message, { exchange: names.EVENT_EXCHANGE, routingKey }));
    if ((i / PER_MESSAGE) % 100 === 99) {
      await pipeline.exec();
      pipeline = redis.pipeline();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  await pipeline.exec();
  await redis.quit();
}

test('100 000 tasks: a small DOM, smooth scrolling, and a jump to the end', async ({ page, cluster }, testInfo) => {
  test.setTimeout(240_000);
  const flood = await startFloodPollen(cluster.broker);
  try {
    const started = Date.now();
    await floodTasks(flood.broker, flood.db, 101_000);
    await expect
      .poll(async () => ((await (await fetch(`${flood.baseURL}/api/v1/tasks?limit=1`)).json()) as { total_matching: number }).total_matching, { timeout: 60_000 })
      .toBeGreaterThanOrEqual(100_000);
    const ingestMs = Date.now() - started;

    const loadStart = Date.now();
    await page.goto(`${flood.baseURL}/tasks`);
    await expect(rows(page).first()).toBeVisible({ timeout: 15_000 });
    const firstRowsMs = Date.now() - loadStart;
    const total = Number((await page.getByTestId('tasks-total').textContent())?.replace(/,/g, ''));
    expect(total).toBeGreaterThanOrEqual(100_000);

    // Main-thread time of the renderer, to tell the page's own work from waiting for a loaded machine.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const metric = async (): Promise<Record<string, number>> => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    const before = await metric();
    await page.evaluate(() => {
      const w = window as unknown as { frames: number[]; recording: boolean };
      w.frames = [];
      w.recording = true;
      let last = performance.now();
      const tick = (now: number): void => {
        w.frames.push(now - last);
        last = now;
        if (w.recording) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const scroller = page.getByTestId('tasks-scroller');
    const box = (await scroller.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 30; i++) {
      await page.mouse.wheel(0, 4000);
      await page.waitForTimeout(50);
    }
    const settle = async (): Promise<number> => {
      const from = Date.now();
      await page.waitForFunction(
        () => {
          const el = document.querySelector('[data-testid="tasks-scroller"]')!;
          const view = el.getBoundingClientRect();
          const inView = (r: Element) => {
            const b = r.getBoundingClientRect();
            return b.bottom > view.top + 40 && b.top < view.bottom;
          };
          return [...el.querySelectorAll('[data-testid="task-row-pending"]')].filter(inView).length === 0 && [...el.querySelectorAll('[data-testid="task-row"]')].filter(inView).length > 5;
        },
        undefined,
        { timeout: 30_000, polling: 50 },
      );
      return Date.now() - from;
    };
    const afterWheelMs = await settle();
    const domRows = await page.locator('[data-testid="task-row"], [data-testid="task-row-pending"]').count();
    expect(domRows).toBeLessThan(150);

    await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
    const jumpMs = await settle();
    const lastRows = await rows(page).evaluateAll((els) => els.map((el) => el.textContent ?? ''));
    // The end of the list is the oldest of the flood: its first task, row 0.
    expect(lastRows.some((text) => text.includes("{'row': 0}"))).toBe(true);
    expect(await page.locator('[data-testid="task-row"], [data-testid="task-row-pending"]').count()).toBeLessThan(150);

    const frames = await page.evaluate(() => {
      const w = window as unknown as { frames: number[]; recording: boolean };
      w.recording = false;
      return w.frames.slice(1);
    });
    const after = await metric();
    const spent = (name: string): string => `${(((after[name] ?? 0) - (before[name] ?? 0)) * 1000).toFixed(0)} ms`;
    const sorted = [...frames].sort((a, b) => a - b);
    const p95 = sorted[Math.floor(sorted.length * 0.95)] ?? 0;
    const long = frames.filter((f) => f > 50).length;
    const figures = `ingest ${ingestMs} ms; first rows ${firstRowsMs} ms; frames ${frames.length}, p50 ${(sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${(sorted[sorted.length - 1] ?? 0).toFixed(1)} ms, ${long} > 50 ms; rows after 30 wheel steps in ${afterWheelMs} ms; rows after the jump to the end in ${jumpMs} ms; ${domRows} row elements for ${total} tasks; main thread over the scroll: script ${spent('ScriptDuration')}, layout ${spent('LayoutDuration')}, style ${spent('RecalcStyleDuration')}, tasks ${spent('TaskDuration')}`;
    console.log(figures);
    testInfo.annotations.push({ type: '100k', description: figures });
    expect(jumpMs).toBeLessThan(5000);
    await page.screenshot({ path: testInfo.outputPath('tasks-100k.png'), fullPage: true });
  } finally {
    await flood.child.stop();
  }
});

test('filters and sort live in the URL: a link shows the same list', async ({ page, api }) => {
  const word = `quokka-${unique()}`;
  const ok = await sendTask(api, 'examples.add', { args: [2, 3] });
  const failed = await sendTask(api, 'examples.fail', { args: [word] });
  await expect.poll(() => taskState(api, failed), { timeout: 15_000 }).toBe('FAILURE');
  await expect.poll(() => taskState(api, ok), { timeout: 15_000 }).toBe('SUCCESS');

  await page.goto('/tasks?state=FAILURE');
  await expect(page.getByTestId('filter-state')).toHaveValue('FAILURE');
  await expect(rowOf(page, failed)).toBeVisible();
  await expect(rowOf(page, ok)).toHaveCount(0);
  expect(new Set(await rows(page).evaluateAll((els) => els.map((el) => el.getAttribute('data-state'))))).toEqual(new Set(['FAILURE']));

  await page.getByTestId('filter-name').selectOption('examples.fail');
  await expect(page).toHaveURL(/state=FAILURE&name=examples.fail/);
  await page.getByTestId('filter-range').selectOption('5m');
  await expect(page).toHaveURL(/range=5m/);
  await expect(rowOf(page, failed)).toBeVisible();
  await page.getByTestId('sort-runtime').click();
  await expect(page).toHaveURL(/sort=runtime/);
  await expect(page.getByRole('columnheader', { name: /Runtime/ })).toHaveAttribute('aria-sort', 'descending');
  await page.getByTestId('sort-runtime').click();
  await expect(page).toHaveURL(/order=asc/);
  await expect(page.getByRole('columnheader', { name: /Runtime/ })).toHaveAttribute('aria-sort', 'ascending');
  await expect(rowOf(page, failed)).toBeVisible();

  await page.getByTestId('filters-clear').click();
  await expect(page).toHaveURL(/\/tasks\?sort=runtime&order=asc$/);
  await expect(page.getByTestId('filter-state')).toHaveValue('');
  await expect.poll(() => rows(page).count()).toBeGreaterThan(1);
});
