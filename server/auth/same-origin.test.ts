import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { originDenied } from './same-origin';

const plain = { allowedOrigins: [], certfile: null };
const tls = { allowedOrigins: [], certfile: '/c.pem' };
const allowing = { allowedOrigins: ['https://ops.example.com'], certfile: null };
const at = (headers: IncomingHttpHeaders): IncomingHttpHeaders => ({ host: '127.0.0.1:5555', ...headers });

describe('the same-origin rule (Socket.IO handshakes and controls)', () => {
  it('lets in requests without Origin or Sec-Fetch-Site: scripts and Node clients, who must still authenticate', () => {
    expect(originDenied(plain, at({}))).toBeNull();
  });

  it("lets in Pollen's own pages: Origin host:port and scheme are the request's", () => {
    expect(originDenied(plain, at({ origin: 'http://127.0.0.1:5555', 'sec-fetch-site': 'same-origin' }))).toBeNull();
    expect(originDenied(tls, at({ origin: 'https://127.0.0.1:5555' }))).toBeNull();
    // Same-origin GETs carry Sec-Fetch-Site but no Origin.
    expect(originDenied(plain, at({ 'sec-fetch-site': 'same-origin' }))).toBeNull();
  });

  it('behind a reverse proxy, the forwarded host and scheme count as the request’s', () => {
    const proxied = at({ host: '127.0.0.1:5555', 'x-forwarded-host': 'pollen.example.com', 'x-forwarded-proto': 'https', origin: 'https://pollen.example.com' });
    expect(originDenied(plain, proxied)).toBeNull();
  });

  it.each([
    ['another port of the same host', at({ origin: 'http://127.0.0.1:8080' })],
    ['another host', at({ origin: 'http://evil.example' })],
    ['the right host over the other scheme', at({ origin: 'https://127.0.0.1:5555' })],
    ['a cross-site fetch', at({ 'sec-fetch-site': 'cross-site' })],
    ['a same-site page on another subdomain', at({ origin: 'http://a.127.0.0.1:5555', 'sec-fetch-site': 'same-site' })],
    ['a sandboxed page (Origin: null)', at({ origin: 'null' })],
  ])('refuses %s', (_, headers) => {
    expect(originDenied(plain, headers)).toMatch(/not allowed|malformed/);
  });

  it('lets in what --allowed-origins names, and nothing else', () => {
    expect(originDenied(allowing, at({ origin: 'https://ops.example.com', 'sec-fetch-site': 'cross-site' }))).toBeNull();
    expect(originDenied(allowing, at({ origin: 'https://ops.example.com:8443' }))).toMatch(/--allowed-origins https:\/\/ops.example.com:8443/);
  });
});
