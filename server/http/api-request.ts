/**
 * One API request, from the raw request to the response: guard (auth, read-only, CSRF), body, a turn for
 * heavy routes, handler. A handler's failure is logged and answered 500; it never takes the server down.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@/lib/runtime/logger';
import { CSRF_COOKIE, guardRequest, newCsrfToken, parseCookies } from '../auth/request-guard';
import { mergeFields, readBody } from './request-body';
import { RETRY_AFTER_SECONDS } from './heavy-requests';
import type { RouteResponse } from './route-types';
import type { RouteMatch } from './routes';
import type { ServerContext } from './server-context';
import { StreamedJsonObject, writeJsonObject } from './streamed-json';

export function send(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } as const;

/** A route's answer: sent at once, or streamed when its body is a StreamedJsonObject (no body for HEAD). */
async function respond(res: ServerResponse, response: RouteResponse, headers: Readonly<Record<string, string>>): Promise<void> {
  if (!(response.body instanceof StreamedJsonObject)) {
    send(res, response.status, response.body, headers);
    return;
  }
  res.writeHead(response.status, { ...JSON_HEADERS, ...headers });
  if (res.req.method === 'HEAD') res.end();
  else await writeJsonObject(res, response.body);
}

export async function handleApiRequest(req: IncomingMessage, res: ServerResponse, match: NonNullable<RouteMatch>, url: URL, context: ServerContext, log: Logger): Promise<void> {
  let release: (() => void) | null = null;
  try {
    if ('status' in match) {
      const message =
        match.status === 404 ? `no such endpoint: ${url.pathname}` : match.status === 405 ? `method ${req.method} not allowed on ${url.pathname}` : `malformed path: ${url.pathname}`;
      send(res, match.status, { error: message }, match.status === 405 ? { allow: match.allow.join(', ') } : {});
      return;
    }
    const { route, params } = match;
    const guard = guardRequest(route.access, context.config, req.headers);
    if (!guard.ok) {
      send(res, guard.response.status, guard.response.body, guard.response.headers);
      return;
    }
    const body = await readBody(req);
    if (!body.ok) {
      send(res, body.response.status, body.response.body, body.response.headers);
      return;
    }
    if (route.heavy) {
      release = await context.heavyRequests.acquire();
      if (release === null) {
        send(res, 503, { error: `too many large requests at once (${url.pathname}); retry in ${RETRY_AFTER_SECONDS} s` }, { 'retry-after': String(RETRY_AFTER_SECONDS) });
        return;
      }
      // It left while waiting for its turn.
      if (res.destroyed) return;
    }
    const existing = parseCookies(req.headers.cookie).get(CSRF_COOKIE);
    const csrfToken = existing !== undefined && existing !== '' ? existing : newCsrfToken();
    const response = await route.handle(
      { params, query: url.searchParams, fields: mergeFields(url.searchParams, body.body), json: body.body.json, user: guard.user, csrfToken },
      context,
    );
    const headers: Record<string, string> = { ...response.headers };
    if (csrfToken !== existing && route.access !== 'public') {
      headers['set-cookie'] = `${CSRF_COOKIE}=${csrfToken}; Path=${context.config.urlPrefix || '/'}; SameSite=Strict`;
    }
    // Reads are open to other origins when no auth is configured, as Flower's API is (CORS `*`).
    if (route.method === 'GET' && context.config.basicAuth.length === 0 && context.config.apiTokens.length === 0) headers['access-control-allow-origin'] = '*';
    await respond(res, response, headers);
  } catch (err) {
    log.error({ err, path: url.pathname }, 'handler failed');
    if (!res.headersSent) send(res, 500, { error: 'internal error' });
    else res.destroy();
  } finally {
    release?.();
  }
}
