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
