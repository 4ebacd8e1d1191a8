import { defineConfig } from '@playwright/test';

// Debian's Chromium: Playwright cannot download browsers here. The background-networking flags keep it
// from reaching out to Google at start (the machine has no network but the package registries).
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  workers: 1,
  retries: 0,
  timeout: 60_000,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    baseURL: 'http://127.0.0.1:5555',
    screenshot: 'on',
    trace: 'retain-on-failure',
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  // README's main-job line, exactly: the smoke test proves that it serves the dashboard on :5555. The other
  // specs start their own cluster (e2e/fixtures/cluster.ts); POLLEN_E2E_NO_DEMO=1 runs them without it.
  webServer: process.env['POLLEN_E2E_NO_DEMO'] ? undefined : {
    command: 'npm run demo',
    url: 'http://127.0.0.1:5555/healthcheck',
    reuseExistingServer: !process.env['CI'],
    timeout: 240_000,
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    env: { NEXT_TELEMETRY_DISABLED: '1' },
  },
});
