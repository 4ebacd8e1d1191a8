/**
 * The dashboard's production build (.next). `npx pollen` in a checkout must just work, so when the build
 * is missing or older than the sources it is made here, once, before the server listens.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type Logger, logForPeople } from '@/lib/runtime/logger';

/** What a first start costs, measured with `rm -rf .next; npm run demo` (README, "Quick start"). */
const BUILD_TAKES = '10 to 20 s on 2 free cores, up to a minute when they are busy';

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

/**
 * The build folder for a URL prefix (Next bakes basePath into the build), or for the build POLLEN_NEXT_BUILD
 * names, as next.config.js names it.
 */
export function nextDistDir(urlPrefix: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const name = env['POLLEN_NEXT_BUILD'] || urlPrefix.replace(/[^A-Za-z0-9_-]/g, '_');
  return name === '' ? '.next' : `.next-prefix/${name}`;
}

/** Where a build records the URL prefix it was made for: two prefixes could share a folder name. */
const PREFIX_FILE = 'pollen-url-prefix';

export function buildIsCurrent(dir: string, urlPrefix = ''): boolean {
  const distDir = join(dir, nextDistDir(urlPrefix));
  const buildId = join(distDir, 'BUILD_ID');
  if (!existsSync(buildId)) return false;
  const prefixFile = join(distDir, PREFIX_FILE);
  const builtFor = existsSync(prefixFile) ? readFileSync(prefixFile, 'utf8') : '';
  if (builtFor !== urlPrefix) return false;
  const built = statSync(buildId).mtimeMs;
  return SOURCES.every((source) => newestChange(join(dir, source)) <= built);
}

/**
 * A tsconfig for any build but the default one, beside its build folder (next.config.js points Next at it; Next empties the
 * folder itself): the repository's, seen from there, so that Next's edits to it stay out of the repository.
 */
export function writePrefixedTsconfig(dir: string, urlPrefix: string): void {
  const distDir = nextDistDir(urlPrefix);
  if (distDir === '.next') return;
  const up = distDir.split('/').slice(1).map(() => '..').join('/');
  const tsconfig = {
    extends: `${up}/tsconfig.json`,
    include: [`${up}/next-env.d.ts`, `${up}/**/*.ts`, `${up}/**/*.tsx`, `${up}/**/*.mts`],
    exclude: [`${up}/node_modules`, `${up}/.next`, `${up}/.next-prefix`, `${up}/dist`],
  };
  mkdirSync(dirname(join(dir, distDir)), { recursive: true });
  writeFileSync(join(dir, `${distDir}.tsconfig.json`), `${JSON.stringify(tsconfig, null, 2)}\n`);
}

export async function ensureNextBuild(dir: string, urlPrefix: string, log: Logger): Promise<void> {
  writePrefixedTsconfig(dir, urlPrefix);
  if (buildIsCurrent(dir, urlPrefix)) return;
  logForPeople(log, { urlPrefix }, `Building the dashboard once (next build): ${BUILD_TAKES}. Later starts skip this until the sources change.`);
  const startedAt = Date.now();
  const nextBin = createRequire(join(dir, 'package.json')).resolve('next/dist/bin/next');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, 'build'], {
      cwd: dir,
      // Next's progress goes to stderr: stdout is the log's, JSON lines off a terminal.
      stdio: ['ignore', process.stderr, process.stderr],
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production', POLLEN_URL_PREFIX: urlPrefix },
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`next build failed (exit code ${code})`))));
  });
  writeFileSync(join(dir, nextDistDir(urlPrefix), PREFIX_FILE), urlPrefix);
  const seconds = Math.round((Date.now() - startedAt) / 1000);
  logForPeople(log, { urlPrefix, seconds }, `The dashboard is built (${seconds} s).`);
}
