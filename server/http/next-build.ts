/**
 * The dashboard's production build (.next). `npx pollen` in a checkout must just work, so when the build
 * is missing or older than the sources it is made here, once, before the server listens.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Logger } from '@/lib/runtime/logger';

/** What the dashboard build is made from; a change to any of these makes the build stale. */
const SOURCES = ['app', 'components', 'lib', 'next.config.js', 'package.json', 'tsconfig.json'];

function newestChange(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    newest = Math.max(newest, newestChange(join(path, entry)));
  }
  return newest;
}

/** Where the build records the URL prefix it was made for (Next bakes basePath into the build). */
const PREFIX_FILE = join('.next', 'pollen-url-prefix');

export function buildIsCurrent(dir: string, urlPrefix = ''): boolean {
  const buildId = join(dir, '.next', 'BUILD_ID');
  if (!existsSync(buildId)) return false;
  const builtFor = existsSync(join(dir, PREFIX_FILE)) ? readFileSync(join(dir, PREFIX_FILE), 'utf8') : '';
  if (builtFor !== urlPrefix) return false;
  const built = statSync(buildId).mtimeMs;
  return SOURCES.every((source) => newestChange(join(dir, source)) <= built);
}

export async function ensureNextBuild(dir: string, urlPrefix: string, log: Logger): Promise<void> {
  if (buildIsCurrent(dir, urlPrefix)) return;
  log.info({ urlPrefix }, 'building the dashboard (next build); this happens once after install or a change, about 30 s');
  const nextBin = createRequire(join(dir, 'package.json')).resolve('next/dist/bin/next');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, 'build'], {
      cwd: dir,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production', POLLEN_URL_PREFIX: urlPrefix },
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`next build failed (exit code ${code})`))));
  });
  writeFileSync(join(dir, PREFIX_FILE), urlPrefix);
}
