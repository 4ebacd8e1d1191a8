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

describe('retention flags', () => {
  const base = { port: 5555, address: '', dev: false } as const;
  const DAY = 86_400;

  it('defaults to 7 days for successes, 30 for failures and tasks never finished, 10 000 000 tasks and 10GB', () => {
    expect(parseConfig(base)).toMatchObject({ ok: true, config: { retention: { success: 7 * DAY, failure: 30 * DAY, other: 30 * DAY, maxTasks: 10_000_000, maxBytes: 10 * 1024 ** 3 } } });
  });

  it('reads durations (0 keeps forever), a row count and sizes', () => {
    const result = parseConfig({ ...base, retentionSuccess: '90m', retentionFailure: '12h', retentionOther: '0', maxHistoryTasks: '5000', maxHistorySize: '500MB' });
    expect(result).toMatchObject({ ok: true, config: { retention: { success: 5400, failure: 12 * 3600, other: 0, maxTasks: 5000, maxBytes: 500 * 1024 ** 2 } } });
    expect(parseConfig({ ...base, retentionSuccess: '2w', maxHistorySize: '1.5GiB', maxHistoryTasks: '0' })).toMatchObject({ ok: true, config: { retention: { success: 14 * DAY, maxBytes: 1.5 * 1024 ** 3, maxTasks: 0 } } });
    expect(parseConfig({ ...base, maxHistorySize: '0' })).toMatchObject({ ok: true, config: { retention: { maxBytes: 0 } } });
  });

  it.each([
    [{ retentionSuccess: '7' }, '--retention-success: expected a duration such as 90m, 12h or 7d (0 keeps forever), not "7"'],
    [{ retentionFailure: 'a month' }, '--retention-failure: expected a duration'],
    [{ retentionOther: '-1d' }, '--retention-other: expected a duration'],
    [{ maxHistoryTasks: '-5' }, '--max-history-tasks: must be at least 0'],
    [{ maxHistoryTasks: 'lots' }, '--max-history-tasks: expected a number'],
    [{ maxHistorySize: '2 parsecs' }, '--max-history-size: expected a size such as 500MB or 2GB (0: no limit), not "2 parsecs"'],
    [{ maxHistorySize: '100KB' }, '--max-history-size: must be at least 1MB'],
  ])('refuses %j naming the flag', (input, message) => {
    const result = parseConfig({ ...base, ...input });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.join('\n')).toContain(message);
  });
});
