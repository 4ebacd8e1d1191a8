/**
 * Where history lives, from `--db` (POLLEN_DB), `--data-dir` and `--cluster-name`:
 * - `memory`: no history (`pollen demo`'s default, and without a broker);
 * - `postgresql://…` (or `postgres://…`): one database that may hold several clusters, every row
 *   carrying the cluster's name;
 * - anything else is an SQLite file (`sqlite:` in front is allowed);
 * - nothing: an SQLite file for this cluster under the data directory, named after the cluster, so
 *   two brokers never share a file.
 * A cluster's name is `--cluster-name`, else its broker URL without the password or options: the same
 * broker gives the same name on every start, whatever password rotation happened.
 */
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { BrokerUrl } from '@/lib/broker';

export type HistoryLocation =
  | { readonly kind: 'memory' }
  | {
      readonly kind: 'sqlite';
      readonly file: string;
      readonly cluster: string;
      /** Where the file goes when the default data directory cannot be made (./pollen-data); null when --db or --data-dir named it. */
      readonly fallback: string | null;
    }
  | { readonly kind: 'postgres'; readonly url: string; readonly display: string; readonly cluster: string };

/** The broker URL without its password and options: the cluster's name when none is given. */
export function clusterIdentity(broker: BrokerUrl | null): string {
  if (broker === null) return 'no-broker';
  const scheme = broker.href.slice(0, broker.href.indexOf(':'));
  const user = broker.username === null ? '' : `${broker.username}@`;
  const hosts = broker.hosts.map((h) => `${h.host}:${h.port}`).join(',');
  const place = broker.kind === 'amqp' ? `/${broker.vhost}` : `/${broker.db}`;
  return `${scheme}://${user}${hosts}${place}`;
}

/** A file name for the cluster: readable, and distinct for distinct names. */
export function clusterFileName(cluster: string): string {
  const readable = cluster.replace(/^[a-z]+:\/\//, '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 60);
  const hash = createHash('sha256').update(cluster).digest('hex').slice(0, 8);
  return `${readable || 'cluster'}-${hash}.db`;
}

/** The default data directory: the per-user state directory (XDG), or ./pollen-data without a home. */
export function defaultDataDir(env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  const state = env['XDG_STATE_HOME'];
  if (state !== undefined && isAbsolute(state)) return join(state, 'pollen');
  const home = env['HOME'] ?? safeHomedir();
  return home ? join(home, '.local', 'state', 'pollen') : join(cwd, 'pollen-data');
}

function safeHomedir(): string {
  try {
    return homedir();
  } catch {
    return '';
  }
}

/** The URL with its password replaced, safe to log and show. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '********';
    return parsed.toString();
  } catch {
    return url.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1********@');
  }
}

export interface LocationInput {
  readonly db: string | null;
  readonly dataDir: string | null;
  readonly clusterName: string | null;
  readonly broker: BrokerUrl | null;
}

export type LocationResult = { readonly ok: true; readonly location: HistoryLocation } | { readonly ok: false; readonly error: string };

export function historyLocation(input: LocationInput, env: Readonly<Record<string, string | undefined>>, cwd: string): LocationResult {
  const db = input.db?.trim() ?? '';
  const cluster = input.clusterName?.trim() || clusterIdentity(input.broker);
  // Without a broker there is nothing to remember.
  if (db === 'memory' || (db === '' && input.broker === null)) return { ok: true, location: { kind: 'memory' } };
  if (/^postgres(ql)?:\/\//i.test(db)) {
    try {
      new URL(db);
    } catch {
      return { ok: false, error: `--db: not a PostgreSQL URL: ${withoutPassword(db)}` };
    }
    return { ok: true, location: { kind: 'postgres', url: db, display: withoutPassword(db), cluster } };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(db) && !db.startsWith('sqlite:')) {
    return { ok: false, error: `--db: expected memory, postgresql://… or an SQLite file path, not ${withoutPassword(db)}` };
  }
  if (db !== '') {
    const path = db.replace(/^sqlite:(\/\/)?/, '');
    return { ok: true, location: { kind: 'sqlite', file: resolve(cwd, path), cluster, fallback: null } };
  }
  const named = input.dataDir?.trim() ?? '';
  const file = clusterFileName(cluster);
  const fallback = named === '' ? resolve(cwd, 'pollen-data', file) : null;
  return { ok: true, location: { kind: 'sqlite', file: resolve(cwd, named || defaultDataDir(env, cwd), file), cluster, fallback } };
}
