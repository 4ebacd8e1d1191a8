import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nextDistDir, writePrefixedTsconfig } from './next-build';
import { REPO_ROOT } from '@/test/harness/ts-worker';

/** next.config.js as Next loads it, in a fresh process (it reads the prefix from the environment once). */
function nextConfig(prefix: string, build = ''): { distDir: string; basePath?: string; typescript: { tsconfigPath?: string } } {
  const script = "import('./next.config.js').then((m) => process.stdout.write(JSON.stringify(m.default)))";
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: REPO_ROOT, env: { ...process.env, POLLEN_URL_PREFIX: prefix, POLLEN_NEXT_BUILD: build } }).toString());
}

describe('one build folder per URL prefix', () => {
  it('next.config.js and the server name the same folder, and a prefixed build reads its own tsconfig', () => {
    for (const prefix of ['', '/flower', '/a.b/c']) {
      const config = nextConfig(prefix);
      expect(config.distDir).toBe(nextDistDir(prefix, {}));
      expect(config.basePath).toBe(prefix === '' ? undefined : prefix);
      expect(config.typescript.tsconfigPath).toBe(prefix === '' ? undefined : `${nextDistDir(prefix, {})}.tsconfig.json`);
    }
    expect(nextDistDir('/flower', {})).not.toBe(nextDistDir('', {}));
    expect(nextConfig('', 'mine').distDir).toBe(nextDistDir('', { POLLEN_NEXT_BUILD: 'mine' }));
    expect(nextDistDir('', { POLLEN_NEXT_BUILD: 'mine' })).toBe('.next-prefix/mine');
  });

  it('writes the prefixed tsconfig as the repository one seen from beside the build folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pollen-next-'));
    writePrefixedTsconfig(dir, '/flower');
    const written = JSON.parse(readFileSync(join(dir, '.next-prefix', '_flower.tsconfig.json'), 'utf8'));
    expect(written.extends).toBe('../tsconfig.json');
    expect(written.include).toContain('../**/*.tsx');
    expect(written.exclude).toContain('../node_modules');
  });
});
