/**
 * Result backend URLs as Celery users write them (`result_backend`, `--result-backend`):
 *
 *   redis://[[user]:password@]host[:6379][/db]    rediss:// for TLS, with Celery's query options
 *       ssl_cert_reqs=required|optional|none (CERT_* too), ssl_ca_certs, ssl_certfile, ssl_keyfile
 *   memory://                                     Pollen's in-process backend (tests, demo)
 *
 * Celery's other backends (rpc://, db+..., mongodb://, sentinel://, ...) are refused with a clear message.
 */
import { BrokerKind, type BrokerUrl, parseBrokerUrl } from '@/lib/broker/broker-url';

export const SUPPORTED_BACKEND_SCHEMES = ['redis', 'rediss', 'memory'] as const;

export type BackendUrlResult = { readonly ok: true; readonly value: BrokerUrl } | { readonly ok: false; readonly error: string };

const SUPPORTED = `Pollen supports ${SUPPORTED_BACKEND_SCHEMES.map((s) => `${s}://`).join(', ')}`;

/** Why a known Celery backend scheme is not supported. */
function unsupported(scheme: string): string {
  if (scheme === 'rpc') return `the rpc:// result backend (results sent back as AMQP messages) is not supported; ${SUPPORTED}`;
  if (scheme.startsWith('db+')) return `the database result backend (${scheme}://, SQLAlchemy) is not supported; ${SUPPORTED}`;
  if (scheme === 'sentinel' || scheme === 'redis+socket' || scheme === 'socket') return `the ${scheme}:// result backend is not supported yet; ${SUPPORTED}`;
  return `unsupported result backend scheme '${scheme}'; ${SUPPORTED}`;
}

const CERT_REQS = new Set(['required', 'optional', 'none', 'cert_required', 'cert_optional', 'cert_none']);

export function parseBackendUrl(text: string): BackendUrlResult {
  const trimmed = text.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]?.toLowerCase();
  if (!scheme) return { ok: false, error: `not a result backend URL: '${trimmed.slice(0, 100)}'; expected e.g. redis://localhost:6379/1` };
  if (!(SUPPORTED_BACKEND_SCHEMES as readonly string[]).includes(scheme)) return { ok: false, error: unsupported(scheme) };
  const parsed = parseBrokerUrl(trimmed);
  if (!parsed.ok) return { ok: false, error: parsed.error.replace('broker URL', 'result backend URL') };
  if (parsed.value.kind !== BrokerKind.Redis && parsed.value.kind !== BrokerKind.Memory) return { ok: false, error: unsupported(scheme) };
  const reqs = parsed.value.options['ssl_cert_reqs'];
  if (reqs !== undefined && !CERT_REQS.has(reqs.toLowerCase())) {
    return { ok: false, error: `ssl_cert_reqs must be one of required, optional, none (or CERT_REQUIRED, CERT_OPTIONAL, CERT_NONE), got '${reqs}'` };
  }
  return parsed;
}

/** Whether `rediss://` options ask to verify the server's certificate (the default; Celery requires the option). */
export function verifiesCertificate(url: BrokerUrl): boolean {
  const reqs = (url.options['ssl_cert_reqs'] ?? 'required').toLowerCase();
  return reqs !== 'none' && reqs !== 'cert_none';
}
