/**
 * Broker URLs as Celery users write them (`--broker`, Celery's `broker_url`), parsed once into what a
 * transport needs. Pure: no connection is made here.
 *
 *   redis://[[user]:password@]host[:6379][/db]     rediss:// for TLS
 *   sentinel://[:password@]host:26379[;sentinel://host2:26379...][/db]   (kombu's list form)
 *   amqp://[user:password@]host[:5672][/vhost]      amqps:// for TLS; pyamqp:// and librabbitmq:// alike
 *   memory://                                       Pollen's in-process broker (tests, demo)
 */

export const BrokerKind = { Redis: 'redis', Amqp: 'amqp', Memory: 'memory' } as const;
export type BrokerKind = (typeof BrokerKind)[keyof typeof BrokerKind];

export interface BrokerHost {
  readonly host: string;
  readonly port: number;
}

export interface BrokerUrl {
  readonly kind: BrokerKind;
  /** The URL as given. */
  readonly href: string;
  /** The URL with its password replaced by `********`, safe to log and show. */
  readonly display: string;
  readonly tls: boolean;
  /** Redis through Sentinel: `hosts` are the sentinels. */
  readonly sentinel: boolean;
  readonly hosts: readonly BrokerHost[];
  readonly username: string | null;
  readonly password: string | null;
  /** Redis database number (default 0). */
  readonly db: number;
  /** AMQP virtual host (default '/'). */
  readonly vhost: string;
  /** Query parameters (e.g. `master_name` for Sentinel, `ssl_cert_reqs`), as given. */
  readonly options: Readonly<Record<string, string>>;
}

export type BrokerUrlResult = { readonly ok: true; readonly value: BrokerUrl } | { readonly ok: false; readonly error: string };

const SCHEMES: Record<string, { kind: BrokerKind; tls: boolean; sentinel: boolean; port: number }> = {
  'redis:': { kind: BrokerKind.Redis, tls: false, sentinel: false, port: 6379 },
  'rediss:': { kind: BrokerKind.Redis, tls: true, sentinel: false, port: 6379 },
  'sentinel:': { kind: BrokerKind.Redis, tls: false, sentinel: true, port: 26379 },
  'amqp:': { kind: BrokerKind.Amqp, tls: false, sentinel: false, port: 5672 },
  'pyamqp:': { kind: BrokerKind.Amqp, tls: false, sentinel: false, port: 5672 },
  'librabbitmq:': { kind: BrokerKind.Amqp, tls: false, sentinel: false, port: 5672 },
  'amqps:': { kind: BrokerKind.Amqp, tls: true, sentinel: false, port: 5671 },
  'memory:': { kind: BrokerKind.Memory, tls: false, sentinel: false, port: 0 },
};

export const SUPPORTED_SCHEMES = Object.keys(SCHEMES).map((s) => s.slice(0, -1));

export function parseBrokerUrl(text: string): BrokerUrlResult {
  const trimmed = text.trim();
  const fail = (error: string): BrokerUrlResult => ({ ok: false, error });
  // kombu accepts several sentinels separated by ';', each a full URL; the first one carries the rest.
  const parts = trimmed.split(';').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) return fail('broker URL is empty');
  const urls: URL[] = [];
  for (const part of parts) {
    let url: URL;
    try {
      url = new URL(part);
    } catch {
      return fail(`not a URL: ${mask(part)}; expected e.g. redis://localhost:6379/0 or amqp://guest@localhost//`);
    }
    urls.push(url);
  }
  const first = urls[0] as URL;
  const scheme = SCHEMES[first.protocol];
  if (!scheme) return fail(`unsupported broker scheme '${first.protocol.slice(0, -1)}'; Pollen supports ${SUPPORTED_SCHEMES.join(', ')}`);
  if (urls.length > 1 && !scheme.sentinel) return fail("only sentinel:// URLs can be listed with ';'");
  if (urls.some((u) => u.protocol !== first.protocol)) return fail("every URL in a ';' list must use the same scheme");

  const hosts: BrokerHost[] = [];
  if (scheme.kind !== BrokerKind.Memory) {
    for (const url of urls) {
      const port = url.port === '' ? scheme.port : Number(url.port);
      hosts.push({ host: url.hostname === '' ? 'localhost' : url.hostname.replace(/^\[|\]$/g, ''), port });
    }
  }
  // In a sentinel list the database and query may sit on any element (usually the last).
  const withPath = [...urls].reverse().find((u) => u.pathname.length > 1) ?? first;
  const path = decodeURIComponent(withPath.pathname);
  let db = 0;
  let vhost = '/';
  if (scheme.kind === BrokerKind.Redis) {
    const dbText = path.replace(/^\//, '') || withPath.searchParams.get('db') || '0';
    if (!/^\d+$/.test(dbText)) return fail(`Redis database must be a number, got '${dbText}'`);
    db = Number(dbText);
  } else if (scheme.kind === BrokerKind.Amqp) {
    // kombu: amqp://host// is vhost '/', amqp://host/app is vhost 'app', no path is '/'.
    vhost = path.length > 1 ? path.slice(1) : '/';
  }
  const options: Record<string, string> = {};
  for (const url of urls) {
    url.searchParams.forEach((value, key) => {
      options[key] = value;
    });
  }
  return {
    ok: true,
    value: {
      kind: scheme.kind,
      href: trimmed,
      display: mask(trimmed),
      tls: scheme.tls,
      sentinel: scheme.sentinel,
      hosts,
      username: first.username === '' ? null : decodeURIComponent(first.username),
      password: first.password === '' ? null : decodeURIComponent(first.password),
      db,
      vhost,
      options,
    },
  };
}

/** Replaces the password of every URL in `text` with `********`, as Celery and Flower print broker URLs. */
export function mask(text: string): string {
  return text.replace(/(\/\/[^:/@;]*:)([^@/;]*)(@)/g, '$1********$3');
}
