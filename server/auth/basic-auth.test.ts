import { describe, expect, it } from 'vitest';
import { identify, parseBasicAuth } from './basic-auth';

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('basic auth and API tokens', () => {
  it('parses user:pass lists; a password may hold colons', () => {
    expect(parseBasicAuth(['alice:s3cret', 'bob:a:b'])).toEqual({ ok: true, credentials: [{ user: 'alice', password: 's3cret' }, { user: 'bob', password: 'a:b' }] });
  });

  it.each([['alice'], [':pw'], ['alice:']])('refuses %j without echoing a password', (item) => {
    const result = parseBasicAuth([item]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain('expected user:password');
  });

  const credentials = [{ user: 'alice', password: 's3cret' }, { user: 'bob', password: 'x:y' }];
  const tokens = ['0123456789abcdef-one', '0123456789abcdef-two'];

  it('identifies a basic-auth user and refuses a wrong password', () => {
    expect(identify(basic('bob', 'x:y'), credentials, tokens)).toEqual({ ok: true, user: 'bob' });
    expect(identify(basic('alice', 'wrong'), credentials, tokens)).toEqual({ ok: false, reason: 'wrong user name or password' });
    expect(identify(basic('mallory', 's3cret'), credentials, tokens).ok).toBe(false);
  });

  it('identifies a bearer token by its position, never by its value', () => {
    expect(identify('Bearer 0123456789abcdef-two', credentials, tokens)).toEqual({ ok: true, user: 'token:2' });
    expect(identify('bearer nope', credentials, tokens)).toEqual({ ok: false, reason: 'unknown API token' });
  });

  it('refuses a missing header, other schemes and malformed basic credentials', () => {
    expect(identify(undefined, credentials, tokens)).toEqual({ ok: false, reason: 'authentication required' });
    expect(identify('Digest abc', credentials, tokens)).toEqual({ ok: false, reason: "unsupported authorization scheme 'digest'" });
    expect(identify(`Basic ${Buffer.from('nocolon').toString('base64')}`, credentials, tokens)).toEqual({ ok: false, reason: 'malformed basic credentials' });
  });
});
