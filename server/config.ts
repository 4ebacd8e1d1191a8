/**
 * The server's configuration, validated once from CLI flags and environment (Flower's flag names where
 * Flower has them) and trusted afterwards.
 */
import { z } from 'zod';
import { parseRedactOption } from '@/lib/redact/redact-option';
import type { RedactionSpec } from '@/lib/redact/redactor';
import { parseBackendUrl } from '@/lib/backend';
import { type BrokerUrl, parseBrokerUrl } from '@/lib/broker';
import { type BasicCredential, parseBasicAuth } from './auth/basic-auth';
import { flowerBoolean } from './flower-boolean';
import { type HistoryLocation, historyLocation } from './history/history-location';
import { DEFAULT_RETENTION, type Parsed, parseDuration, parseSize, type RetentionPolicy } from './history/retention-policy';

export interface ServerConfig {
  readonly port: number;
  /** Interface to listen on; '' or 0.0.0.0 for all, as Flower. */
  readonly address: string;
  readonly broker: BrokerUrl | null;
  /** `--result-backend` (as `celery --result-backend`): task results for /api/task/result, abort and retry. */
  readonly resultBackend: BrokerUrl | null;
  /** Next.js dev mode (hot reload) instead of the production build. */
  readonly dev: boolean;
  /** Tasks kept in memory, newest first (Flower's --max_tasks). */
  readonly maxTasks: number;
  /** Workers kept in memory (Flower's --max_workers); the longest offline go first. */
  readonly maxWorkers: number;
  /** Broadcast enable_events periodically so workers started without -E report (Flower's --enable_events). */
  readonly enableEvents: boolean;
  /** Seconds after which an offline worker is forgotten (Flower's --purge_offline_workers). */
  readonly purgeOfflineWorkers: number;
  /** How long an inspect or a control command waits for replies, ms (Flower's --inspect_timeout). */
  readonly inspectTimeoutMs: number;
  /** Everything is served under this path ('' or '/flower'): Flower's --url_prefix. */
  readonly urlPrefix: string;
  /** `--basic-auth user:pass,...`; empty when off. */
  readonly basicAuth: readonly BasicCredential[];
  /** Bearer tokens for automation (`Authorization: Bearer <token>`); empty when off. */
  readonly apiTokens: readonly string[];
  /** Control endpoints open without authentication (FLOWER_UNAUTHENTICATED_API). */
  readonly unauthenticatedApi: boolean;
  /** Every control is refused with 403 (Flower's --read_only). */
  readonly readOnly: boolean;
  /** RabbitMQ management API URL for queue lengths (Flower's --broker_api). */
  readonly brokerApi: string | null;
  /**
   * Origins (`https://ops.example.com`) besides Pollen's own whose pages may open Socket.IO and send
   * controls; empty: same origin only.
   */
  readonly allowedOrigins: readonly string[];
  /**
   * CSP frame-ancestors sources that may embed the pages (`https://grafana.example.com`, `'self'`);
   * empty: no page may be framed (`frame-ancestors 'none'`, `X-Frame-Options: DENY`).
   */
  readonly frameAncestors: readonly string[];
  /** TLS: both paths or neither. */
  readonly certfile: string | null;
  readonly keyfile: string | null;
  /** Where history lives (--db, --data-dir, --cluster-name). */
  readonly history: HistoryLocation;
  /** What history keeps and for how long (--retention-*, --max-history-tasks, --max-history-size). */
  readonly retention: RetentionPolicy;
  /** What is masked in task data at ingest (--redact): the default keys and rules, and the operator's own. */
  readonly redaction: RedactionSpec;
}

export const DEFAULT_MAX_TASKS = 100_000;
export const DEFAULT_MAX_WORKERS = 5000;
/** A day: long enough to see last night's dead worker in the morning. */
export const DEFAULT_PURGE_OFFLINE_WORKERS = 86_400;
export const DEFAULT_INSPECT_TIMEOUT_MS = 1000;
export const DEFAULT_PORT = 5555;

const count = (min: number) => z.coerce.number({ message: 'expected a number' }).int('expected a whole number').min(min, `must be at least ${min}`);
const list = z.union([z.string(), z.array(z.string())]).transform((value) =>
  (Array.isArray(value) ? value : value.split(',')).map((item) => item.trim()).filter((item) => item !== ''),
);
/** An origin exactly as a browser sends it in `Origin`: scheme, host and port only. */
function asOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (url.username !== '' || url.password !== '' || (url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') return null;
    return url.origin;
  } catch {
    return null;
  }
}
/** A CSP host source: `'self'`, or `https://host[:port]` where the host may start with `*.`. */
const FRAME_SOURCE = /^(?:'self'|https?:\/\/(?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::(?:\d{1,5}|\*))?)$/;
/** A flag read by `parse` (a duration or a size); the message names the value refused. */
const parsedWith = (parse: (text: string) => Parsed, fallback: number) =>
  z
    .union([z.string(), z.number()])
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || String(value).trim() === '') return fallback;
      const parsed = parse(String(value));
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.error });
      return parsed.ok ? parsed.value : fallback;
    });
const optionalText = z.string().optional().transform((value) => (value === undefined || value.trim() === '' ? null : value.trim()));

const schema = z.object({
  port: z.coerce
    .number({ message: 'port must be a number' })
    .int('port must be a whole number')
    .min(1, 'port must be between 1 and 65535')
    .max(65535, 'port must be between 1 and 65535'),
  address: z.string().regex(/^[\w.:-]*$/, 'address must be a host name or IP address'),
  broker: z.string().optional(),
  resultBackend: z.string().optional(),
  dev: z.boolean(),
  maxTasks: count(1).default(DEFAULT_MAX_TASKS),
  maxWorkers: count(1).default(DEFAULT_MAX_WORKERS),
  enableEvents: flowerBoolean.default(true),
  purgeOfflineWorkers: z.coerce.number({ message: 'expected a number of seconds' }).min(0, 'must not be negative').default(DEFAULT_PURGE_OFFLINE_WORKERS),
  inspectTimeout: z.coerce.number({ message: 'expected a number of milliseconds' }).min(1, 'must be at least 1 ms').default(DEFAULT_INSPECT_TIMEOUT_MS),
  urlPrefix: z
    .string()
    .default('')
    .transform((value) => value.trim().replace(/^\/+|\/+$/g, ''))
    .refine((value) => /^[\w.~-]*(\/[\w.~-]+)*$/.test(value), 'expected a path such as flower or tools/flower')
    .transform((value) => (value === '' ? '' : `/${value}`)),
  basicAuth: list.default([]),
  apiTokens: list
    .default([])
    .refine((tokens) => tokens.every((token) => token.length >= 16), 'each token must be at least 16 characters'),
  unauthenticatedApi: flowerBoolean.default(false),
  readOnly: flowerBoolean.default(false),
  brokerApi: optionalText.refine((value) => value === null || /^https?:\/\/[^/]/.test(value), 'expected an http:// or https:// URL'),
  allowedOrigins: list.default([]).transform((values, ctx) =>
    values.map((value) => {
      const origin = asOrigin(value);
      if (origin === null) ctx.addIssue({ code: 'custom', message: `expected origins such as https://ops.example.com, not ${JSON.stringify(value)}` });
      return origin ?? value;
    }),
  ),
  frameAncestors: list.default([]).transform((values, ctx) =>
    values.flatMap((value) => value.split(/\s+/)).map((value) => {
      const source = value === 'self' ? "'self'" : value.replace(/\/$/, '');
      if (!FRAME_SOURCE.test(source)) ctx.addIssue({ code: 'custom', message: `expected 'self' or origins such as https://grafana.example.com, not ${JSON.stringify(value)}` });
      return source;
    }),
  ),
  certfile: optionalText,
  keyfile: optionalText,
  db: optionalText,
  dataDir: optionalText,
  clusterName: optionalText,
  retentionSuccess: parsedWith(parseDuration, DEFAULT_RETENTION.success),
  retentionFailure: parsedWith(parseDuration, DEFAULT_RETENTION.failure),
  retentionOther: parsedWith(parseDuration, DEFAULT_RETENTION.other),
  maxHistoryTasks: count(0).default(DEFAULT_RETENTION.maxTasks),
  maxHistorySize: parsedWith(parseSize, DEFAULT_RETENTION.maxBytes),
  redact: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const parsed = parseRedactOption(value ?? '');
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.error });
      return parsed.ok ? parsed.spec : { keys: [], patterns: [] };
    }),
});

export type ConfigInput = z.input<typeof schema>;
export type ConfigResult = { readonly ok: true; readonly config: ServerConfig } | { readonly ok: false; readonly errors: string[] };

const flagName = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

export function parseConfig(input: ConfigInput, env: Readonly<Record<string, string | undefined>> = process.env, cwd = process.cwd()): ConfigResult {
  const parsed = schema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.map((issue) => `${flagName(issue.path.join('.'))}: ${issue.message}`) };
  const data = parsed.data;
  const errors: string[] = [];
  let broker: BrokerUrl | null = null;
  if (data.broker !== undefined && data.broker.trim() !== '') {
    const url = parseBrokerUrl(data.broker);
    if (url.ok) broker = url.value;
    else errors.push(`--broker: ${url.error}`);
  }
  let resultBackend: BrokerUrl | null = null;
  if (data.resultBackend !== undefined && data.resultBackend.trim() !== '') {
    const url = parseBackendUrl(data.resultBackend);
    if (url.ok) resultBackend = url.value;
    else errors.push(`--result-backend: ${url.error}`);
  }
  const basicAuth = parseBasicAuth(data.basicAuth);
  if (!basicAuth.ok) errors.push(`--basic-auth: ${basicAuth.error}`);
  if ((data.certfile === null) !== (data.keyfile === null)) errors.push(`${data.certfile === null ? '--certfile' : '--keyfile'}: --certfile and --keyfile go together`);
  const history = historyLocation({ db: data.db, dataDir: data.dataDir, clusterName: data.clusterName, broker }, env, cwd);
  if (!history.ok) errors.push(history.error);
  if (errors.length > 0 || !basicAuth.ok || !history.ok) return { ok: false, errors };
  return {
    ok: true,
    config: {
      port: data.port,
      address: data.address,
      broker,
      resultBackend,
      dev: data.dev,
      maxTasks: data.maxTasks,
      maxWorkers: data.maxWorkers,
      enableEvents: data.enableEvents,
      purgeOfflineWorkers: data.purgeOfflineWorkers,
      inspectTimeoutMs: data.inspectTimeout,
      urlPrefix: data.urlPrefix,
      basicAuth: basicAuth.credentials,
      apiTokens: data.apiTokens,
      unauthenticatedApi: data.unauthenticatedApi,
      readOnly: data.readOnly,
      brokerApi: data.brokerApi,
      allowedOrigins: data.allowedOrigins,
      frameAncestors: data.frameAncestors,
      certfile: data.certfile,
      keyfile: data.keyfile,
      history: history.location,
      retention: { success: data.retentionSuccess, failure: data.retentionFailure, other: data.retentionOther, maxTasks: data.maxHistoryTasks, maxBytes: data.maxHistorySize },
      redaction: data.redact,
    },
  };
}
