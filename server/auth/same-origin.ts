/**
 * Whether a browser request comes from a page Pollen trusts: its own origin, or one that
 * `--allowed-origins` names. One rule for the controls' CSRF check (request-guard.ts) and for the
 * Socket.IO handshake (push/socket-server.ts), which a page on any other origin could otherwise open with
 * the user's cached Basic credentials, since WebSockets are not held to CORS.
 *
 * A request with neither Origin nor Sec-Fetch-Site is not from a browser page (curl, scripts, the
 * Socket.IO client in Node): it passes here and must still authenticate as usual.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ServerConfig } from '../config';

export function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Whether a request carries the headers only a browser sends on a page's behalf. */
export function fromBrowser(headers: IncomingHttpHeaders): boolean {
  return headers.origin !== undefined || headers['sec-fetch-site'] !== undefined;
}

/**
 * Why a browser request's origin is refused, or null when it may proceed. Same origin means the
 * Origin's host:port is the request's Host (or X-Forwarded-Host behind a reverse proxy) and its scheme
 * is the one the request came in on (or X-Forwarded-Proto); a page cannot set either forwarded header
 * on a WebSocket or a simple request, so they are as trustworthy as Host itself.
 */
export function originDenied(config: Pick<ServerConfig, 'allowedOrigins' | 'certfile'>, headers: IncomingHttpHeaders): string | null {
  const origin = firstHeader(headers.origin);
  if (origin !== undefined && config.allowedOrigins.includes(origin)) return null;
  const site = firstHeader(headers['sec-fetch-site']);
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `a ${site} request is not allowed`;
  if (origin === undefined) return null;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return 'malformed Origin header';
  }
  const hosts = [headers.host, firstHeader(headers['x-forwarded-host'])].filter((host) => host !== undefined);
  const ownScheme = config.certfile !== null ? 'https' : 'http';
  const schemes = [ownScheme, ...(firstHeader(headers['x-forwarded-proto'])?.split(',').map((proto) => proto.trim()) ?? [])];
  if (!hosts.includes(url.host) || !schemes.includes(url.protocol.slice(0, -1))) return `origin ${origin} is not allowed (start Pollen with --allowed-origins ${origin} to allow it)`;
  return null;
}
