/**
 * HTTP authentication as Flower's `--basic-auth user:pass[,user:pass]`, plus bearer API tokens for
 * automation. Secrets are compared in constant time (a timing difference must not reveal a prefix).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface BasicCredential {
  readonly user: string;
  readonly password: string;
}

export type BasicAuthParse = { readonly ok: true; readonly credentials: BasicCredential[] } | { readonly ok: false; readonly error: string };

/** `user:pass` items (the password may hold colons; the user may not be empty). */
export function parseBasicAuth(items: readonly string[]): BasicAuthParse {
  const credentials: BasicCredential[] = [];
  for (const item of items) {
    const colon = item.indexOf(':');
    if (colon <= 0 || colon === item.length - 1) return { ok: false, error: `expected user:password, got '${item.slice(0, Math.max(colon, 0)) || item.replace(/./g, '*')}'` };
    credentials.push({ user: item.slice(0, colon), password: item.slice(colon + 1) });
  }
  return { ok: true, credentials };
}

/** Equal-length digests, so the compare takes the same time whatever the input's length. */
export function secretEquals(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export type Identity = { readonly ok: true; readonly user: string } | { readonly ok: false; readonly reason: string };

/**
 * Who an `Authorization` header belongs to: a basic-auth user, or `token:<n>` for the n-th API token
 * (numbered from 1, so logs say which token without showing it).
 */
export function identify(header: string | undefined, credentials: readonly BasicCredential[], tokens: readonly string[]): Identity {
  if (header === undefined || header === '') return { ok: false, reason: 'authentication required' };
  const space = header.indexOf(' ');
  const scheme = header.slice(0, space < 0 ? header.length : space).toLowerCase();
  const value = space < 0 ? '' : header.slice(space + 1).trim();
  if (scheme === 'bearer') {
    let found = -1;
    // Every token is compared, so the time does not say which one matched.
    tokens.forEach((token, i) => {
      if (secretEquals(value, token) && found < 0) found = i;
    });
    return found >= 0 ? { ok: true, user: `token:${found + 1}` } : { ok: false, reason: 'unknown API token' };
  }
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { ok: false, reason: 'malformed basic credentials' };
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    let match: string | null = null;
    for (const credential of credentials) {
      const userOk = secretEquals(user, credential.user);
      const passwordOk = secretEquals(password, credential.password);
      if (userOk && passwordOk && match === null) match = credential.user;
    }
    return match !== null ? { ok: true, user: match } : { ok: false, reason: 'wrong user name or password' };
  }
  return { ok: false, reason: `unsupported authorization scheme '${scheme}'` };
}
