/**
 * The SQLite threads run a bundle of their code, not tsx: a bundle that could not be made would still
 * work through tsx, so only this test says the lighter path is taken.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
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
