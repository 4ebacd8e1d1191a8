import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseConfig, type ConfigInput, type ServerConfig } from '../config';
import { guardRequest } from './request-guard';

function config(input: Partial<ConfigInput>): ServerConfig {
  const parsed = parseConfig({ port: 5555, address: '', dev: false, ...input });
  if (!parsed.ok) throw new Error(parsed.errors.join());
  return parsed.config;
}

const AUTH: IncomingHttpHeaders = { authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}`, host: 'pollen:5555' };
const withAuth = config({ basicAuth: 'alice:pw' });

describe('request guard', () => {
  it('leaves public routes open, always', () => {
    expect(guardRequest('public', withAuth, {}).ok).toBe(true);
  });

  it('without auth configured: reads are open, controls closed unless --unauthenticated-api', () => {
    const open = config({});
    expect(guardRequest('read', open, {})).toEqual({ ok: true, user: null, viaToken: false });
    const closed = guardRequest('control', open, {});
    expect(closed.ok).toBe(false);
    if (!closed.ok) {
      expect(closed.response.status).toBe(401);
      expect(JSON.stringify(closed.response.body)).toContain('FLOWER_UNAUTHENTICATED_API');
    }
    expect(guardRequest('control', config({ unauthenticatedApi: 'true' }), {}).ok).toBe(true);
  });

  it('with --basic-auth: asks for credentials with a Basic challenge, then lets the user through', () => {
    const denied = guardRequest('read', withAuth, {});
    expect(denied.ok).toBe(false);
    if (!denied.ok) {
      expect(denied.response.status).toBe(401);
      expect(denied.response.headers?.['www-authenticate']).toBe('Basic realm="pollen"');
    }
    expect(guardRequest('control', withAuth, AUTH)).toEqual({ ok: true, user: 'alice', viaToken: false });
  });

  it('--read-only refuses controls with Flower\'s 403 but not reads', () => {
    const readOnly = config({ basicAuth: 'alice:pw', readOnly: 'true' });
    expect(guardRequest('read', readOnly, AUTH).ok).toBe(true);
    const refused = guardRequest('control', readOnly, AUTH);
    expect(refused.ok === false && refused.response).toEqual({ status: 403, body: 'Read only mode is enabled' });
  });

  describe('CSRF on controls from a browser', () => {
    const browser = (extra: IncomingHttpHeaders): IncomingHttpHeaders => ({ ...AUTH, origin: 'http://pollen:5555', 'sec-fetch-site': 'same-origin', ...extra });

    it('accepts a same-origin request whose header matches the cookie', () => {
      expect(guardRequest('control', withAuth, browser({ cookie: 'a=1; pollen_csrf=tok123', 'x-pollen-csrf': 'tok123' })).ok).toBe(true);
    });

    it.each([
      ['no token', browser({})],
      ['a token that differs from the cookie', browser({ cookie: 'pollen_csrf=tok123', 'x-pollen-csrf': 'other' })],
      ['a cross-site request even with the token', browser({ 'sec-fetch-site': 'cross-site', cookie: 'pollen_csrf=t', 'x-pollen-csrf': 't' })],
      ['another origin', browser({ origin: 'http://evil.example', 'sec-fetch-site': undefined, cookie: 'pollen_csrf=t', 'x-pollen-csrf': 't' })],
      ['its own host:port over the other scheme', browser({ origin: 'https://pollen:5555', 'sec-fetch-site': undefined, cookie: 'pollen_csrf=t', 'x-pollen-csrf': 't' })],
    ])('refuses %s', (_, headers) => {
      const result = guardRequest('control', withAuth, headers);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.response.status).toBe(403);
        expect(JSON.stringify(result.response.body)).toContain('CSRF check failed');
      }
    });

    it('accepts an origin that --allowed-origins names, still with the token', () => {
      const allowing = config({ basicAuth: 'alice:pw', allowedOrigins: 'https://ops.example.com' });
      const fromOps = browser({ origin: 'https://ops.example.com', 'sec-fetch-site': 'cross-site', cookie: 'pollen_csrf=t', 'x-pollen-csrf': 't' });
      expect(guardRequest('control', allowing, fromOps).ok).toBe(true);
      expect(guardRequest('control', allowing, { ...fromOps, 'x-pollen-csrf': 'other' }).ok).toBe(false);
    });

    it('does not ask scripts (no Origin, no Sec-Fetch-Site) or bearer-token callers for it', () => {
      expect(guardRequest('control', withAuth, AUTH).ok).toBe(true);
      const tokens = config({ apiTokens: 'abcdefghijklmnopqrstuvwxyz' });
      expect(guardRequest('control', tokens, { authorization: 'Bearer abcdefghijklmnopqrstuvwxyz', origin: 'http://elsewhere' }).ok).toBe(true);
    });
  });
});
