import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { THEME_SCRIPT } from '@/lib/theme/theme-script';
import { pagePolicy, resourcePolicy, THEME_SCRIPT_HASH } from './security-headers';

const directives = (policy: string): Map<string, string[]> =>
  new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...sources]) => [name as string, sources]));

describe('Content-Security-Policy', () => {
  it("allows a page's scripts from Pollen, by this request's nonce, and the theme script by its hash: nothing inline else", () => {
    const script = directives(pagePolicy({ frameAncestors: [], dev: false }, 'bm9uY2U=')).get('script-src');
    const hash = `'sha256-${createHash('sha256').update(THEME_SCRIPT).digest('base64')}'`;
    expect(THEME_SCRIPT_HASH).toBe(hash);
    expect(script).toEqual(["'self'", "'nonce-bm9uY2U='", hash]);
    expect(script).not.toContain("'unsafe-inline'");
    expect(script).not.toContain("'unsafe-eval'");
    // Next's development runtime evaluates code; only --dev allows it.
    expect(directives(pagePolicy({ frameAncestors: [], dev: true }, 'x')).get('script-src')).toContain("'unsafe-eval'");
  });

  it("lets no site frame a page or a resource unless --frame-ancestors lists it", () => {
    expect(directives(pagePolicy({ frameAncestors: [], dev: false }, 'x')).get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives(resourcePolicy({ frameAncestors: [] })).get('frame-ancestors')).toEqual(["'none'"]);
    const embedded = { frameAncestors: ["'self'", 'https://grafana.example.com'], dev: false };
    expect(directives(pagePolicy(embedded, 'x')).get('frame-ancestors')).toEqual(["'self'", 'https://grafana.example.com']);
  });

  it('loads and runs nothing from an API answer', () => {
    expect(directives(resourcePolicy({ frameAncestors: [] })).get('default-src')).toEqual(["'none'"]);
  });
});
