/**
 * The request target (RFC 9112 §3.2) read into a URL before anything else looks at the request, so that a
 * target nobody can route is answered 400 at once, before authentication, and its socket closed.
 *
 * Pollen routes the origin form (`/path?query`) and, as HTTP/1.1 servers must, the absolute form
 * (`http://host/path`, sent to proxies). The asterisk form (`*`, for `OPTIONS *`) and the authority form
 * (`host:port`, for CONNECT) name no resource here. A target starting with `//` is read as WHATWG's URL
 * parser reads it (an authority, then the path), as it always was here, so `//%/x` and `//[` do not parse.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { send } from './api-request';

/** Only the path and the query are used; the host comes from nowhere. */
const BASE = 'http://pollen.invalid';
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

export function parseRequestTarget(target: string | undefined): URL | null {
  if (target === undefined) return null;
  const absolute = SCHEME.test(target);
  if (!absolute && !target.startsWith('/')) return null;
  let url: URL;
  try {
    url = new URL(target, BASE);
  } catch {
    return null;
  }
  if (absolute && url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return url;
}

/** How much of the target the error repeats: enough to recognise it, not an echo of a 16 KB line. */
const SHOWN = 100;

function malformed(target: string | undefined): { error: string } {
  const text = target ?? '';
  const shown = text.length > SHOWN ? `${text.slice(0, SHOWN)}…` : text;
  return { error: `malformed request target: ${JSON.stringify(shown)} (expected a path such as /api/tasks, or an absolute http:// URL)` };
}

/** 400 in the API's error shape, and the connection closed: a client that sends such a target is not one to keep. */
export function refuseRequestTarget(res: ServerResponse, target: string | undefined): void {
  send(res, 400, malformed(target), { connection: 'close' });
}

/**
 * Upgrades (WebSocket) are Socket.IO's, and with `--dev` also Next's hot reload under /_next/; both match
 * the raw target's start, as engine.io does. Node hands every other upgrade's socket to the `upgrade`
 * listeners and nobody would answer it: the socket would stay open for good. Those are answered (400 for
 * an unparseable target, else 404) and closed here; the ones that are served are left alone.
 */
export function refuseStrayUpgrade(req: IncomingMessage, socket: Duplex, options: { readonly prefix: string; readonly hotReload: boolean }): void {
  const target = req.url ?? '';
  const { prefix, hotReload } = options;
  if (target.startsWith(`${prefix}/socket.io/`) || (hotReload && target.startsWith(`${prefix}/_next/`))) return;
  const url = parseRequestTarget(target);
  const [status, reason, body] = url === null ? [400, 'Bad Request', malformed(target)] : [404, 'Not Found', { error: `no such endpoint: ${url.pathname}` }];
  const text = JSON.stringify(body);
  socket.on('error', () => undefined);
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
  );
}
