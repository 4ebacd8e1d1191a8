/**
 * The one decision, before any handler runs, on whether a request may proceed (route-types.ts `access`):
 *
 * - With `--basic-auth` or `--api-tokens`, every request but the public probes must authenticate: a
 *   browser gets Basic's challenge, a script sends `Authorization: Basic|Bearer ...`.
 * - Without either, the dashboard and read API are open (as Flower's pages are) but the control endpoints
 *   are closed unless `--unauthenticated-api` opens them (Flower closed its API in 2022: FLOWER-API.md §2.0).
 * - `--read-only` refuses every control with 403, as Flower's "Read only mode is enabled".
 * - CSRF: a control request that comes from a browser (it carries Origin or Sec-Fetch-Site, which scripts
 *   do not send and pages cannot forge) must be same-origin or from `--allowed-origins` (same-origin.ts) and carry the `x-pollen-csrf` header equal to
 *   the `pollen_csrf` cookie (double submit: another site can neither read the cookie nor set the header).
 *   Bearer requests skip it: a browser never attaches a bearer token by itself.
 */
import { CSRF_HEADER } from '@/lib/api/session';
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ServerConfig } from '../config';
import type { ApiResponse } from '../api/api-error';
import type { RouteAccess } from '../http/route-types';
import { identify, secretEquals } from './basic-auth';
import { firstHeader, fromBrowser, originDenied } from './same-origin';

export const CSRF_COOKIE = 'pollen_csrf';
export { CSRF_HEADER };

export type GuardResult = { readonly ok: true; readonly user: string | null; readonly viaToken: boolean } | { readonly ok: false; readonly response: ApiResponse };

export function authConfigured(config: ServerConfig): boolean {
  return config.basicAuth.length > 0 || config.apiTokens.length > 0;
}

function challenge(config: ServerConfig, reason: string): ApiResponse {
  const scheme = config.basicAuth.length > 0 ? 'Basic realm="pollen"' : 'Bearer realm="pollen"';
  return { status: 401, body: { error: reason }, headers: { 'www-authenticate': scheme } };
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    try {
      if (!cookies.has(name)) cookies.set(name, decodeURIComponent(part.slice(eq + 1).trim()));
    } catch {
      // A cookie that is not valid percent-encoding is not ours.
    }
  }
  return cookies;
}

export function newCsrfToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Authentication alone: for pages and Socket.IO as well as routes. */
export function authenticate(config: ServerConfig, headers: IncomingHttpHeaders): GuardResult {
  if (!authConfigured(config)) return { ok: true, user: null, viaToken: false };
  const identity = identify(headers.authorization, config.basicAuth, config.apiTokens);
  if (!identity.ok) return { ok: false, response: challenge(config, identity.reason) };
  return { ok: true, user: identity.user, viaToken: identity.user.startsWith('token:') };
}

export function guardRequest(access: RouteAccess, config: ServerConfig, headers: IncomingHttpHeaders): GuardResult {
  if (access === 'public') return { ok: true, user: null, viaToken: false };
  const who = authenticate(config, headers);
  if (!who.ok || access === 'read') return who;
  if (!authConfigured(config) && !config.unauthenticatedApi) {
    return {
      ok: false,
      response: {
        status: 401,
        body: {
          error:
            'control endpoints need authentication: start Pollen with --basic-auth or --api-tokens, ' +
            'or open them with --unauthenticated-api (FLOWER_UNAUTHENTICATED_API=true)',
        },
      },
    };
  }
  if (config.readOnly) return { ok: false, response: { status: 403, body: 'Read only mode is enabled' } };
  if (fromBrowser(headers) && !who.viaToken) {
    const denied = originDenied(config, headers);
    if (denied !== null) return { ok: false, response: { status: 403, body: { error: `CSRF check failed: ${denied} to use controls` } } };
    const cookie = parseCookies(headers.cookie).get(CSRF_COOKIE);
    const sent = firstHeader(headers[CSRF_HEADER]);
    if (cookie === undefined || sent === undefined || cookie === '' || !secretEquals(sent, cookie)) {
      return { ok: false, response: { status: 403, body: { error: `CSRF check failed: send the ${CSRF_HEADER} header with the ${CSRF_COOKIE} cookie's value (GET /api/v1/session sets it)` } } };
    }
  }
  return who;
}
