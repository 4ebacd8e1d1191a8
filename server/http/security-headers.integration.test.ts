/**
 * Every answer of the API carries the headers that keep other sites from framing or sniffing it
 * (security-headers.ts); pages are checked with the real build in server/cli/main.integration.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPollen, type TestPollen } from '@/test/harness/pollen-server';

describe('security headers on API answers', () => {
  let closed: TestPollen;
  let embeddable: TestPollen;

  beforeAll(async () => {
    closed = await startPollen({ basicAuth: 'alice:pw' });
    embeddable = await startPollen({ frameAncestors: 'https://grafana.example.com' });
  });

  afterAll(async () => {
    await closed?.close();
    await embeddable?.close();
  });

  it.each([
    ['a read', '/api/workers', 200],
    ['the health probe', '/healthcheck', 200],
    ['an unknown route', '/api/nope', 404],
    ['a page refused for want of credentials', '/tasks', 401],
  ])('%s: frame-ancestors none, DENY, nosniff', async (_, path, status) => {
    const auth = path === '/api/workers' || path === '/api/nope' ? { authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}` } : undefined;
    const response = await closed.request(path, { headers: auth });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('--frame-ancestors lets the sites it names embed Pollen, and drops X-Frame-Options that would forbid it', async () => {
    const response = await embeddable.request('/api/workers');
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors https://grafana.example.com");
    expect(response.headers.get('x-frame-options')).toBeNull();
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
