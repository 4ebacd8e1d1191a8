/**
 * The HTTP front of the API on a real server (memory broker, no Next): URL prefix, auth challenge,
 * session and CSRF cookie, unknown paths and methods, CORS, and the generated OpenAPI document.
 */
import { io as connectSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPollen, type TestPollen } from '@/test/harness/pollen-server';
import { ROUTES } from './routes';

const AUTH = { authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}` };

describe('API front door', () => {
  let open: TestPollen;
  let guarded: TestPollen;

  beforeAll(async () => {
    open = await startPollen({ broker: 'memory://', unauthenticatedApi: false });
    guarded = await startPollen({ broker: 'memory://', basicAuth: 'alice:pw', urlPrefix: '/flower/' });
  });
  afterAll(async () => {
    await open?.close();
    await guarded?.close();
  });

  it('serves everything under --url-prefix and nothing outside it', async () => {
    expect(guarded.url).toMatch(/\/flower$/);
    expect((await guarded.request('/healthcheck')).text).toBe('OK');
    const outside = await fetch(guarded.url.replace(/\/flower$/, '/healthcheck'));
    expect(outside.status).toBe(404);
  });

  it('challenges for credentials when --basic-auth is set; /healthcheck and /metrics stay open', async () => {
    const denied = await guarded.request('/api/workers');
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toBe('Basic realm="pollen"');
    expect((await guarded.request('/api/workers', { headers: AUTH })).status).toBe(200);
    expect((await guarded.request('/metrics')).status).not.toBe(401);
  });

  it('keeps controls closed without auth and says how to open them', async () => {
    const session = await open.request('/api/v1/session');
    expect(session.body).toMatchObject({ user: null, authRequired: false, readOnly: false, controlsEnabled: false });
    const refused = await open.request('/api/task/revoke/abc', { form: { terminate: 'true' } });
    expect(refused.status).toBe(401);
    expect(refused.text).toContain('--unauthenticated-api');
  });

  it('gives a browser its CSRF token as a cookie scoped to the prefix', async () => {
    const session = await guarded.request('/api/v1/session', { headers: AUTH });
    const token = (session.body as { csrfToken: string }).csrfToken;
    expect(token).toMatch(/^[\w-]{32}$/);
    expect(session.headers.get('set-cookie')).toBe(`pollen_csrf=${token}; Path=/flower; SameSite=Strict`);
    const again = await guarded.request('/api/v1/session', { headers: { ...AUTH, cookie: `pollen_csrf=${token}` } });
    expect((again.body as { csrfToken: string }).csrfToken).toBe(token);
    expect(again.headers.get('set-cookie')).toBeNull();
  });

  it('answers unknown API paths 404 and wrong methods 405, as JSON errors', async () => {
    expect(await open.request('/api/nope')).toMatchObject({ status: 404, body: { error: 'no such endpoint: /api/nope' } });
    expect(await open.request('/api/workers', { method: 'POST' })).toMatchObject({ status: 405 });
    expect((await open.request('/api/task/info/%E0%A4%A')).status).toBe(400);
  });

  it('opens reads to other origins only when no auth is configured (Flower\'s CORS)', async () => {
    expect((await open.request('/api/workers')).headers.get('access-control-allow-origin')).toBe('*');
    expect((await guarded.request('/api/workers', { headers: AUTH })).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('describes every route in /api/v1/openapi.json', async () => {
    const { status, body } = await open.request('/api/v1/openapi.json');
    expect(status).toBe(200);
    const doc = body as { openapi: string; paths: Record<string, Record<string, { parameters: { name: string; in: string }[] }>> };
    expect(doc.openapi).toBe('3.1.0');
    for (const route of ROUTES) {
      const path = route.path.replace(/:(\w+)/g, '{$1}');
      expect(doc.paths[path]?.[route.method.toLowerCase()], `${route.method} ${route.path}`).toBeDefined();
    }
    const tasks = doc.paths['/api/tasks']?.['get'];
    expect(tasks?.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['limit', 'offset', 'sort_by', 'search']));
    expect(doc.paths['/api/task/info/{id}']?.['get']?.parameters).toContainEqual(expect.objectContaining({ name: 'id', in: 'path' }));
  });

  it('lets Socket.IO in under the prefix only with the same credentials as the pages', async () => {
    const origin = guarded.url.replace(/\/flower$/, '');
    const attempt = (headers: Record<string, string>) =>
      new Promise<string>((resolve) => {
        const socket = connectSocket(origin, { path: '/flower/socket.io', transports: ['polling'], extraHeaders: headers, reconnection: false });
        socket.on('server:connected', () => {
          socket.close();
          resolve('connected');
        });
        socket.on('connect_error', (err) => {
          socket.close();
          resolve(`refused: ${err.message}`);
        });
      });
    expect(await attempt({})).toMatch(/^refused/);
    expect(await attempt(AUTH)).toBe('connected');
  });
});
