/**
 * The headers that keep other sites out of the browser's view of Pollen, on every response:
 *
 * - `Content-Security-Policy`. Pages: scripts only from Pollen itself, Next's inline scripts by a nonce
 *   drawn per request, and the theme script (lib/theme) by its SHA-256 hash, computed here from the very
 *   string the layout renders, so the two cannot drift. Everything else (API, Socket.IO's polling, 401s):
 *   nothing at all (`default-src 'none'`). Both say who may frame them (`frame-ancestors`, `'none'`
 *   unless `--frame-ancestors` lists embedders), so no other site can frame a task page and click Revoke.
 * - `X-Frame-Options` for browsers without frame-ancestors, and `X-Content-Type-Options: nosniff`.
 *
 * Next picks a page's nonce from the request's own `Content-Security-Policy` header (as its docs have a
 * proxy set it), and stamps it on the scripts it writes; the pages render per request (app/layout.tsx)
 * for that, which also makes Next answer them `Cache-Control: private, no-cache, no-store`.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { THEME_SCRIPT } from '@/lib/theme/theme-script';
import type { ServerConfig } from '../config';

/** `'sha256-…'`: how a CSP names an inline script by its content. */
export function scriptHashSource(script: string): string {
  return `'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`;
}

export const THEME_SCRIPT_HASH = scriptHashSource(THEME_SCRIPT);

export interface SecurityHeaders {
  /** Sets what every response carries; a page's CSP then replaces the strict default (`preparePage`). */
  apply(res: ServerResponse): void;
  /** A page request about to go to Next: a fresh nonce in its CSP, on the request (for Next) and the response. */
  preparePage(req: IncomingMessage, res: ServerResponse): void;
}

function frameAncestors(sources: readonly string[]): string {
  return `frame-ancestors ${sources.length === 0 ? "'none'" : sources.join(' ')}`;
}

/** The CSP of a page whose Next scripts carry `nonce`. */
export function pagePolicy(config: Pick<ServerConfig, 'frameAncestors' | 'dev'>, nonce: string): string {
  // Next's development runtime (React Refresh) evaluates code; the production build never does.
  const evaluation = config.dev ? " 'unsafe-eval'" : '';
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' ${THEME_SCRIPT_HASH}${evaluation}`,
    // React writes style attributes (bars, charts): styles cannot run code, scripts are what is held.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    // Same-origin fetches and Socket.IO's WebSocket (CSP 3's 'self' covers ws: and wss:).
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    frameAncestors(config.frameAncestors),
  ].join('; ');
}

/** The CSP of everything that is not a page: it loads nothing and runs nothing. */
export function resourcePolicy(config: Pick<ServerConfig, 'frameAncestors'>): string {
  return ["default-src 'none'", frameAncestors(config.frameAncestors)].join('; ');
}

/** DENY, or SAMEORIGIN for `--frame-ancestors self`; none when other sites may embed (frame-ancestors says who). */
function frameOptions(sources: readonly string[]): string | null {
  if (sources.length === 0) return 'DENY';
  if (sources.length === 1 && sources[0] === "'self'") return 'SAMEORIGIN';
  return null;
}

export function securityHeaders(config: Pick<ServerConfig, 'frameAncestors' | 'dev'>): SecurityHeaders {
  const resource = resourcePolicy(config);
  const frames = frameOptions(config.frameAncestors);
  return {
    apply(res) {
      res.setHeader('Content-Security-Policy', resource);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      if (frames !== null) res.setHeader('X-Frame-Options', frames);
    },
    preparePage(req, res) {
      const policy = pagePolicy(config, randomBytes(16).toString('base64'));
      // Whatever policy the client sent is not ours to honour: Next reads its nonce from this header.
      req.headers['content-security-policy'] = policy;
      delete req.headers['content-security-policy-report-only'];
      res.setHeader('Content-Security-Policy', policy);
    },
  };
}
