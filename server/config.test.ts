import { describe, expect, it } from 'vitest';
import { parseConfig } from './config';

describe('server configuration', () => {
  it('accepts Flower-style flags', () => {
    const result = parseConfig({ port: '5600', address: '127.0.0.1', broker: 'redis://:pw@localhost:6379/0', dev: false });
    expect(result).toMatchObject({ ok: true, config: { port: 5600, address: '127.0.0.1', broker: { kind: 'redis', db: 0, display: 'redis://:********@localhost:6379/0' } } });
  });

  it('runs without a broker', () => {
    expect(parseConfig({ port: 5555, address: '', dev: false })).toMatchObject({ ok: true, config: { broker: null } });
  });

  it.each([
    [{ port: 'http', address: '', dev: false }, '--port: port must be a number'],
    [{ port: 70000, address: '', dev: false }, '--port: port must be between 1 and 65535'],
    [{ port: 5555, address: 'a b', dev: false }, '--address: address must be a host name or IP address'],
    [{ port: 5555, address: '', broker: 'kafka://x', dev: false }, "--broker: unsupported broker scheme 'kafka'"],
  ])('rejects %j naming the flag', (input, message) => {
    const result = parseConfig(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.join('\n')).toContain(message);
  });
});

describe("Flower's other flags", () => {
  const base = { port: 5555, address: '', dev: false } as const;

  it('reads auth, prefix, limits and TLS with defaults like Flower', () => {
    const result = parseConfig({ ...base, basicAuth: 'alice:pw, bob:x:y', apiTokens: ['0123456789abcdef'], urlPrefix: '/flower/', readOnly: 'yes', maxWorkers: '10', inspectTimeout: '2500', certfile: '/c.pem', keyfile: '/k.pem', resultBackend: 'redis://localhost/1' });
    expect(result).toMatchObject({
      ok: true,
      config: {
        basicAuth: [{ user: 'alice', password: 'pw' }, { user: 'bob', password: 'x:y' }],
        apiTokens: ['0123456789abcdef'],
        urlPrefix: '/flower',
        readOnly: true,
        unauthenticatedApi: false,
        maxWorkers: 10,
        inspectTimeoutMs: 2500,
        certfile: '/c.pem',
        keyfile: '/k.pem',
        resultBackend: { kind: 'redis', db: 1 },
      },
    });
    expect(parseConfig(base)).toMatchObject({ ok: true, config: { urlPrefix: '', basicAuth: [], maxWorkers: 5000, inspectTimeoutMs: 1000, readOnly: false, resultBackend: null, brokerApi: null } });
  });

  it.each([
    [{ basicAuth: 'alice' }, '--basic-auth: expected user:password'],
    [{ apiTokens: 'short' }, '--api-tokens: each token must be at least 16 characters'],
    [{ urlPrefix: 'a b' }, '--url-prefix: expected a path'],
    [{ certfile: '/c.pem' }, '--keyfile: --certfile and --keyfile go together'],
    [{ resultBackend: 'rpc://' }, '--result-backend: the rpc:// result backend'],
    [{ brokerApi: 'localhost:15672' }, '--broker-api: expected an http:// or https:// URL'],
    [{ readOnly: 'perhaps' }, '--read-only: expected true or false'],
    [{ inspectTimeout: 'soon' }, '--inspect-timeout: expected a number of milliseconds'],
  ])('rejects %j naming the flag', (input, message) => {
    const result = parseConfig({ ...base, ...input });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.join('\n')).toContain(message);
  });
});

describe('browser flags', () => {
  const base = { port: 5555, address: '', dev: false } as const;

  it('--allowed-origins takes origins, as a browser sends them in Origin', () => {
    expect(parseConfig({ ...base, allowedOrigins: 'https://ops.example.com/, http://10.0.0.5:8080' })).toMatchObject({ ok: true, config: { allowedOrigins: ['https://ops.example.com', 'http://10.0.0.5:8080'] } });
    expect(parseConfig(base)).toMatchObject({ ok: true, config: { allowedOrigins: [], frameAncestors: [] } });
  });

  it('--frame-ancestors takes self and origins, with a wildcard subdomain', () => {
    expect(parseConfig({ ...base, frameAncestors: 'self, https://grafana.example.com https://*.corp.example:8443' })).toMatchObject({
      ok: true,
      config: { frameAncestors: ["'self'", 'https://grafana.example.com', 'https://*.corp.example:8443'] },
    });
  });

  it.each([
    [{ allowedOrigins: 'ops.example.com' }, '--allowed-origins: expected origins such as https://ops.example.com'],
    [{ allowedOrigins: 'https://ops.example.com/path' }, '--allowed-origins: expected origins'],
    [{ frameAncestors: "https://a.example; script-src 'unsafe-inline'" }, '--frame-ancestors: expected'],
    [{ frameAncestors: '*' }, '--frame-ancestors: expected'],
  ])('rejects %j naming the flag', (input, message) => {
    const result = parseConfig({ ...base, ...input });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.join('\n')).toContain(message);
  });
});
