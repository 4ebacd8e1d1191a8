/**
 * The Socket.IO handshake holds browsers to the same-origin rule (server/auth/same-origin.ts): a page on
 * another origin cannot open the push channel, even over a WebSocket (not held to CORS) and even where
 * the dashboard is open without auth; Pollen's own origin, `--allowed-origins` and clients that send no
 * Origin (scripts, this Node client) get in, behind a URL prefix too.
 */
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPollen, type TestPollen } from '@/test/harness/pollen-server';

type Outcome = { readonly connected: true } | { readonly connected: false; readonly error: string };

function handshake(pollen: TestPollen, path: string, headers: Record<string, string>, transport: 'websocket' | 'polling'): Promise<Outcome> {
  const origin = new URL(pollen.url).origin;
  const client = connect(origin, { path, transports: [transport], forceNew: true, reconnection: false, timeout: 5000, extraHeaders: headers });
  return new Promise<Outcome>((resolve) => {
    client.on('server:connected', () => resolve({ connected: true }));
    client.on('connect_error', (err) => resolve({ connected: false, error: err.message }));
  }).finally(() => client.close());
}

describe('Socket.IO handshake origin', () => {
  let plain: TestPollen;
  let prefixed: TestPollen;
  let host: string;

  beforeAll(async () => {
    plain = await startPollen({ allowedOrigins: 'https://ops.example.com' });
    prefixed = await startPollen({ urlPrefix: 'flower' });
    host = new URL(plain.url).host;
  });

  afterAll(async () => {
    await plain?.close();
    await prefixed?.close();
  });

  it.each(['websocket', 'polling'] as const)('refuses a page on another port of the same host (%s)', async (transport) => {
    const otherPort = `http://${new URL(plain.url).hostname}:1`;
    expect(await handshake(plain, '/socket.io', { origin: otherPort }, transport)).toMatchObject({ connected: false });
  });

  it('refuses a cross-site page even without Origin', async () => {
    expect(await handshake(plain, '/socket.io', { 'sec-fetch-site': 'cross-site' }, 'polling')).toMatchObject({ connected: false });
  });

  it.each(['websocket', 'polling'] as const)("lets in Pollen's own origin, --allowed-origins and clients without Origin (%s)", async (transport) => {
    expect(await handshake(plain, '/socket.io', { origin: `http://${host}` }, transport)).toEqual({ connected: true });
    expect(await handshake(plain, '/socket.io', { origin: 'https://ops.example.com' }, transport)).toEqual({ connected: true });
    expect(await handshake(plain, '/socket.io', {}, transport)).toEqual({ connected: true });
  });

  it('answers an allowed origin\'s polling with CORS, so its page can read it, and refuses any other with 403', async () => {
    const poll = (origin: string) => fetch(`${plain.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
    const allowed = await poll('https://ops.example.com');
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://ops.example.com');
    const other = await poll('http://127.0.0.1:1');
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('holds to the same rule under --url-prefix', async () => {
    const own = `http://${new URL(prefixed.url).host}`;
    expect(await handshake(prefixed, '/flower/socket.io', { origin: own }, 'websocket')).toEqual({ connected: true });
    expect(await handshake(prefixed, '/flower/socket.io', { origin: 'http://127.0.0.1:1' }, 'websocket')).toMatchObject({ connected: false });
  });
});
