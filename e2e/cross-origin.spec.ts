/**
 * Another origin on the same host (another port of 127.0.0.1, as a dev tool or a second app would be)
 * may neither read Pollen's live push nor frame its pages, while Pollen's own pages keep working under
 * their Content-Security-Policy. A hostile page tries both: it loads socket.io-client, opens a WebSocket
 * to Pollen (WebSockets are not held to CORS) and subscribes to the task list, and it frames a task page.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { freePort } from '../test/harness/free-port';
import { REPO_ROOT } from '../test/harness/ts-worker';
import { type PollenProcess, startPollen } from './fixtures/pollen-process';

const SOCKET_IO_CLIENT = readFileSync(join(REPO_ROOT, 'node_modules/socket.io-client/dist/socket.io.min.js'));

interface HostileResult {
  readonly connected: boolean;
  readonly subscribed: unknown;
  readonly error: string | null;
}

function hostilePage(pollen: string): string {
  return `<!doctype html><html><head><title>hostile</title><script src="/socket.io.min.js"></script></head><body>
<iframe id="victim" src="${pollen}/task/00000000-0000-4000-8000-000000000000" width="800" height="600"></iframe>
<script>
  window.result = null;
  const socket = io(${JSON.stringify(pollen)}, { path: '/socket.io', transports: ['websocket'], reconnection: false, timeout: 5000 });
  socket.on('server:connected', () => {
    socket.timeout(5000).emit('subscription:create', { topic: 'tasks', limit: 50 }, (err, ack) => {
      window.result = { connected: true, subscribed: err ? String(err) : ack, error: null };
    });
  });
  socket.on('connect_error', (err) => { window.result = { connected: false, subscribed: null, error: String(err && err.message) }; });
</script></body></html>`;
}

let pollen: PollenProcess;
let hostile: Server;
let hostileOrigin: string;

test.beforeAll(async () => {
  test.setTimeout(240_000);
  pollen = await startPollen({});
  const port = await freePort();
  hostileOrigin = `http://127.0.0.1:${port}`;
  hostile = createServer((req, res) => {
    if (req.url === '/socket.io.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(SOCKET_IO_CLIENT);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(hostilePage(pollen.origin));
  });
  await new Promise<void>((resolve) => hostile.listen(port, '127.0.0.1', resolve));
});

test.afterAll(async () => {
  await new Promise((resolve) => hostile?.close(resolve));
  await pollen?.stop();
});

test('a page on another origin cannot open Socket.IO to Pollen and read its live rows', async ({ page }) => {
  await page.goto(`${hostileOrigin}/`);
  await page.waitForFunction(() => (window as unknown as { result: unknown }).result !== null, undefined, { timeout: 15_000 });
  const result = (await page.evaluate(() => (window as unknown as { result: HostileResult }).result)) as HostileResult;
  expect(result.connected, `the hostile page read Pollen's push: ${JSON.stringify(result)}`).toBe(false);
  expect(result.subscribed).toBeNull();
});

test('a page on another origin cannot frame a Pollen page', async ({ page }) => {
  await page.goto(`${hostileOrigin}/`);
  // Chromium refuses to render the framed page: the frame holds its error page, not Pollen's.
  const frame = await (await page.locator('#victim').elementHandle())?.contentFrame();
  expect(frame).toBeTruthy();
  await expect.poll(() => frame!.url(), { timeout: 10_000 }).toMatch(/^chrome-error:/);
  expect(await frame!.locator('[data-testid="link-state"]').count()).toBe(0);
  expect(await frame!.title()).not.toContain('Pollen');
});

test("Pollen's own pages run under their policy: no violation, and the push channel is live", async ({ page }) => {
  const violations: string[] = [];
  const errors: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/.test(message.text())) violations.push(message.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  for (const path of ['/', '/tasks', '/workers', '/task/00000000-0000-4000-8000-000000000000']) {
    const response = await page.goto(`${pollen.origin}${path}`);
    expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response?.headers()['cache-control']).toContain('private');
    await expect(page.getByTestId('link-state')).toHaveText('live', { timeout: 20_000 });
  }
  // The theme script ran (by its hash): the page has a theme before React touched it.
  expect(await page.locator('html').getAttribute('data-theme')).toMatch(/^(light|dark)$/);
  // The theme toggle is React's: hydration ran.
  await page.getByTestId('theme-toggle').click();
  expect(violations).toEqual([]);
  expect(errors).toEqual([]);
});
