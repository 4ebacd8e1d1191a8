/**
 * Every page of the dashboard, on a phone (390 × 844) and a desktop (1440 × 900), light and dark: none is
 * wider than the screen, and the text of every badge and button holds 4.5:1 against what is behind it.
 * The pages come from app/ itself, so a page added later fails here until it says what it waits for.
 * Then the phone's header: a Menu button instead of three rows of links, the skip link, and the favicon.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { APIRequestContext, Locator, Page } from '@playwright/test';
import { THEME_STORAGE_KEY } from '../lib/theme/theme-script';
import { REPO_ROOT } from '../test/harness/ts-worker';
import { expect, PY_QUEUE, PY_WORKER, sendTask, test, TS_WORKER } from './fixtures/cluster';
import { contrastReadings, horizontalOverflow, MIN_CONTRAST } from './fixtures/page-audit';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };
const THEMES = ['light', 'dark'] as const;
/**
 * Where badge and button text lives: badges, text in a state's or a status's colour (the overview's state
 * tiles), buttons of every kind, tabs, the page links and the brand.
 */
const READABLE = ['.badge', '[class^="state-"]', '[class*=" state-"]', '[class^="status-"]', '[class*=" status-"]', 'button', '.button', '[role="button"]', '[role="tab"]', 'header nav a', '.brand', '.skip-link'].join(', ');

/** The tasks the pages show, one per state Celery ends in (and one still running), sent once. */
interface Sample {
  /** Failed after three retries on Python Celery: a task page with a retry history, a traceback and controls. */
  readonly failedAfterRetries: string;
}

/** The app's routes (app/**\/page.tsx), as the App Router names them: `/task/[id]`. */
function appRoutes(dir = path.join(REPO_ROOT, 'app'), prefix = ''): string[] {
  const routes: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile() && entry.name === 'page.tsx') routes.push(prefix === '' ? '/' : prefix);
    if (entry.isDirectory()) routes.push(...appRoutes(path.join(dir, entry.name), `${prefix}/${entry.name}`));
  }
  return routes.sort();
}

interface PageVisit {
  readonly name: string;
  readonly url: string;
  /** Shown once the page has its data: measuring earlier would measure a "Loading…". */
  readonly ready: (page: Page) => Locator;
}

/** Every route with the real values its dynamic segments take here, and what says it has loaded. */
function visits(sample: Sample): PageVisit[] {
  const byRoute: Record<string, PageVisit[]> = {
    '/': [{ name: 'overview', url: '/', ready: (p) => p.getByTestId('latency-row').first() }],
    '/tasks': [{ name: 'tasks', url: '/tasks', ready: (p) => p.getByTestId('task-row').first() }],
    '/task/[id]': [{ name: 'task', url: `/task/${sample.failedAfterRetries}`, ready: (p) => p.getByTestId('task-retry-history') }],
    '/task-types': [{ name: 'task-types', url: '/task-types', ready: (p) => p.locator('[data-testid="task-types-table"] tbody tr').first() }],
    '/workers': [{ name: 'workers', url: '/workers', ready: (p) => p.locator(`tr[data-worker="${PY_WORKER}"]`) }],
    '/worker/[name]': [PY_WORKER, TS_WORKER].map((hostname) => ({
      name: `worker ${hostname}`,
      url: `/worker/${encodeURIComponent(hostname)}`,
      ready: (p: Page) => p.getByTestId('worker-fact-pool').filter({ hasText: /\w/ }),
    })),
    '/queues': [{ name: 'queues', url: '/queues', ready: (p) => p.getByTestId('queue-row').first() }],
    '/broker': [{ name: 'broker', url: '/broker', ready: (p) => p.getByTestId('queue-row').first() }],
  };
  return appRoutes().flatMap((route) => {
    const listed = byRoute[route];
    if (listed === undefined) throw new Error(`app/ has a page ${route} that e2e/every-page.spec.ts does not visit: add it to visits()`);
    return listed;
  });
}

async function waitForState(api: APIRequestContext, id: string, state: string): Promise<void> {
  await expect
    .poll(async () => {
      const response = await api.get(`/api/task/info/${id}`);
      return response.ok() ? ((await response.json()) as { state: string }).state : null;
    }, { timeout: 60_000, message: `task ${id} never reached ${state}` })
    .toBe(state);
}

let sample: Sample | undefined;

/** Tasks in every state on both workers: SUCCESS, FAILURE (with retries), REJECTED, REVOKED, and one STARTED all along. */
async function sendSample(api: APIRequestContext): Promise<Sample> {
  if (sample !== undefined) return sample;
  for (let i = 0; i < 6; i++) await sendTask(api, 'examples.add', { args: [i, 100] });
  const succeeded = await sendTask(api, 'tasks.add', { args: [2, 3], queue: PY_QUEUE });
  await sendTask(api, 'examples.fail', { args: ['a failure on the TS worker'] });
  const failedAfterRetries = await sendTask(api, 'tasks.flaky', { args: [10], queue: PY_QUEUE });
  const rejected = await sendTask(api, 'tasks.reject', { queue: PY_QUEUE });
  // Started for the whole run: the TS worker runs four at once, so the others still go through.
  await sendTask(api, 'examples.sleep', { args: [600] });
  const revoked = await sendTask(api, 'tasks.sleep', { args: [120], queue: PY_QUEUE });
  await waitForState(api, revoked, 'STARTED');
  const revoke = await api.post(`/api/task/revoke/${revoked}`, { form: { terminate: 'true', signal: 'SIGKILL' } });
  expect(revoke.status(), await revoke.text()).toBe(200);
  await waitForState(api, succeeded, 'SUCCESS');
  await waitForState(api, rejected, 'REJECTED');
  await waitForState(api, revoked, 'REVOKED');
  await waitForState(api, failedAfterRetries, 'FAILURE');
  sample = { failedAfterRetries };
  return sample;
}

/** Opens a page in a theme chosen both ways the app reads it: the system's (colorScheme) and the toggle's stored choice. */
async function open(page: Page, visit: PageVisit, theme: (typeof THEMES)[number]): Promise<void> {
  await page.goto(visit.url);
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
  await expect(page.getByTestId('link-state')).toHaveText('live', { timeout: 15_000 });
  await expect(visit.ready(page)).toBeVisible({ timeout: 30_000 });
}

for (const viewport of [PHONE, DESKTOP]) {
  for (const theme of THEMES) {
    test.describe(`${viewport.width} × ${viewport.height}, ${theme}`, () => {
      test.use({ viewport, colorScheme: theme });

      test(`every page fits the screen, and its badge and button text reads at ${MIN_CONTRAST}:1`, async ({ page, api }, testInfo) => {
        test.setTimeout(240_000);
        const pages = visits(await sendSample(api));
        await page.addInitScript(([key, value]) => localStorage.setItem(key, value), [THEME_STORAGE_KEY, theme] as const);
        const overflows: string[] = [];
        const unreadable: string[] = [];
        for (const visit of pages) {
          await open(page, visit, theme);
          const overflow = await horizontalOverflow(page);
          if (overflow !== null) overflows.push(`${visit.name}: ${overflow.scrollWidth} px wide on a ${overflow.clientWidth} px screen\n      ${overflow.culprits.join('\n      ')}`);
          for (const reading of await contrastReadings(page, READABLE)) {
            if (reading.ratio >= MIN_CONTRAST) continue;
            const line = `${visit.name}: "${reading.text}" (${reading.element}) ${reading.color} on ${reading.background} = ${reading.ratio}:1`;
            // WCAG exempts inactive controls, but a disabled control here writes why beside it: its text must read.
            unreadable.push(reading.disabled ? `${line} (disabled)` : line);
          }
          await page.screenshot({ path: testInfo.outputPath(`${visit.name.replace(/\W+/g, '-')}.png`), fullPage: true });
        }
        expect(overflows, `pages wider than the screen:\n  ${overflows.join('\n  ')}`).toEqual([]);
        expect(unreadable, `badge and button text under ${MIN_CONTRAST}:1:\n  ${unreadable.join('\n  ')}`).toEqual([]);
      });
    });
  }
}

test.describe('a phone', () => {
  test.use({ viewport: PHONE });

  test('one header row with a Menu button; the links open, work by keyboard and close on navigation', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByTestId('link-state')).toHaveText('live', { timeout: 15_000 });
    const menu = page.getByTestId('nav-menu');
    const nav = page.getByRole('navigation', { name: 'Pages' });
    const workers = nav.getByRole('link', { name: 'Workers' });
    await expect(menu).toBeVisible();
    await expect(menu).toHaveAttribute('aria-expanded', 'false');
    await expect(menu).toHaveAttribute('aria-controls', 'app-nav-links');
    await expect(workers).toBeHidden();
    // One row: the brand, the button and the theme switch share a line.
    const rows = await Promise.all([page.locator('.brand'), menu, page.getByTestId('theme-toggle')].map(async (l) => (await l.boundingBox())!));
    const middles = rows.map((box) => box.y + box.height / 2);
    expect(Math.max(...middles) - Math.min(...middles)).toBeLessThan(6);
    expect((await page.locator('.app-header-row').boundingBox())!.height).toBeLessThan(64);

    // By keyboard: Enter opens, Escape closes and gives the focus back.
    await menu.focus();
    await page.keyboard.press('Enter');
    await expect(menu).toHaveAttribute('aria-expanded', 'true');
    for (const label of ['Overview', 'Workers', 'Tasks', 'Task types', 'Queues', 'Broker']) await expect(nav.getByRole('link', { name: label })).toBeVisible();
    const readings = await contrastReadings(page, 'header nav a');
    expect(readings.filter((r) => r.ratio < MIN_CONTRAST)).toEqual([]);
    await page.keyboard.press('Escape');
    await expect(menu).toHaveAttribute('aria-expanded', 'false');
    await expect(menu).toBeFocused();
    await expect(workers).toBeHidden();

    // Tab from the open button reaches the links; following one closes the menu on the new page.
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await expect(nav.getByRole('link', { name: 'Overview' })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(workers).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/workers$/);
    await expect(page.getByRole('heading', { name: 'Workers', level: 1 })).toBeVisible();
    await expect(menu).toHaveAttribute('aria-expanded', 'false');
    await expect(workers).toBeHidden();
    // A tap outside closes it too (below the links it covers the page with).
    await menu.click();
    await expect(workers).toBeVisible();
    await page.mouse.click(PHONE.width / 2, PHONE.height - 20);
    await expect(menu).toHaveAttribute('aria-expanded', 'false');
  });

  test('the skip link is the first stop of the keyboard, shows itself, and lands in <main>', async ({ page }) => {
    await page.goto('/workers');
    await expect(page.getByTestId('link-state')).toHaveText('live', { timeout: 15_000 });
    const skip = page.getByRole('link', { name: 'Skip to content' });
    await expect(skip).not.toBeInViewport();
    await page.keyboard.press('Tab');
    await expect(skip).toBeFocused();
    await expect(skip).toBeInViewport();
    const main = page.locator('main');
    await expect(skip).toHaveAttribute('href', `#${await main.getAttribute('id')}`);
    await page.keyboard.press('Enter');
    await expect(main).toBeFocused();
    // The next Tab goes on inside the page, past the header.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.querySelector('main')!.contains(document.activeElement))).toBe(true);
  });

  test('the task id is shown whole and copied with one tap', async ({ page, api, context }) => {
    test.setTimeout(120_000);
    const { failedAfterRetries: id } = await sendSample(api);
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.goto(`/task/${id}`);
    await expect(page.getByTestId('task-uuid')).toHaveText(id);
    await expect(page.getByTestId('task-uuid')).toBeInViewport({ ratio: 1 });
    await page.getByTestId('task-copy-id').click();
    await expect(page.getByTestId('task-copy-id')).toHaveText('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(id);

    await page.goto(`/worker/${encodeURIComponent(PY_WORKER)}`);
    await page.getByTestId('worker-copy-name').click();
    await expect(page.getByTestId('worker-copy-name')).toHaveText('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(PY_WORKER);
  });
});

test('the favicon: declared in <head> and served, at /favicon.ico too', async ({ page, request }) => {
  await page.goto('/');
  const icons = await page.locator('head link[rel~="icon"]').evaluateAll((links) => links.map((link) => link.getAttribute('href') ?? ''));
  expect(icons.length).toBeGreaterThan(0);
  for (const href of [...icons, '/favicon.ico']) {
    const response = await request.get(href);
    expect(response.status(), href).toBe(200);
    expect(response.headers()['content-type'], href).toMatch(/^image\//);
  }
});
