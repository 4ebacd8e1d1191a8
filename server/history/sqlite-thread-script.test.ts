/**
 * The SQLite threads run a bundle of their code, not tsx: a bundle that could not be made would still
 * work through tsx, so only this test says the lighter path is taken.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SqliteHistory } from './sqlite-history';
import { threadScript } from './sqlite-thread-script';

describe('the SQLite thread script', () => {
  it('is one bundled ES module under node_modules/.cache/pollen, with better-sqlite3 left out, made once', async () => {
    const script = await threadScript();
    expect(script.eval).toBe(false);
    const file = fileURLToPath(script.code as URL);
    expect(file).toMatch(/node_modules\/\.cache\/pollen\/sqlite-thread-[0-9a-f]{16}\.mjs$/);
    expect(existsSync(file)).toBe(true);
    const code = readFileSync(file, 'utf8');
    expect(code).toMatch(/from ["']better-sqlite3["']/);
    // The search engine the reader registers is inside it, not imported through tsconfig's paths.
    expect(code).not.toContain('@/lib/');
    expect(await threadScript()).toBe(script);
  });
});

/** The nice value of each of this process's threads (Linux: /proc/self/task/<tid>/stat, field 19). */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // The thread's name sits in parentheses and may hold spaces: fields are counted after it.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

describe.runIf(process.platform === 'linux')('the SQLite writer thread', () => {
  it('runs at the lowest priority (below ingest), and the process keeps its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pollen-thread-nice-'));
    const own = threadNices()[0] as number;
    const writer = 19;
    const before = threadNices().filter((nice) => nice === writer).length;
    const history = await SqliteHistory.open(join(dir, 'nice.db'));
    try {
      const nices = threadNices();
      expect(nices.filter((nice) => nice === writer).length).toBe(before + 1);
      expect(nices[0]).toBe(own);
    } finally {
      await history.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
