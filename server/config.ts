/**
 * The server's configuration, validated once from CLI flags and environment (Flower's flag names where
 * Flower has them: --broker, --port, --address) and trusted afterwards.
 */
import { z } from 'zod';
import { type BrokerUrl, parseBrokerUrl } from '@/lib/broker';
import { flowerBoolean } from './flower-boolean';

export interface ServerConfig {
  readonly port: number;
  /** Interface to listen on; '' or 0.0.0.0 for all, as Flower. */
  readonly address: string;
  readonly broker: BrokerUrl | null;
  /** Next.js dev mode (hot reload) instead of the production build. */
  readonly dev: boolean;
  /** Tasks kept in memory, newest first (Flower's --max_tasks). */
  readonly maxTasks: number;
  /** Broadcast enable_events periodically so workers started without -E report (Flower's --enable_events). */
  readonly enableEvents: boolean;
  /** Seconds after which an offline worker is forgotten (Flower's --purge_offline_workers). */
  readonly purgeOfflineWorkers: number;
}

export const DEFAULT_MAX_TASKS = 100_000;
/** A day: long enough to see last night's dead worker in the morning. */
export const DEFAULT_PURGE_OFFLINE_WORKERS = 86_400;

export const DEFAULT_PORT = 5555;

const schema = z.object({
  port: z.coerce
    .number({ message: 'port must be a number' })
    .int('port must be a whole number')
    .min(1, 'port must be between 1 and 65535')
    .max(65535, 'port must be between 1 and 65535'),
  address: z.string().regex(/^[\w.:-]*$/, 'address must be a host name or IP address'),
  broker: z.string().optional(),
  dev: z.boolean(),
  maxTasks: z.coerce.number({ message: 'expected a number' }).int('expected a whole number').min(1, 'must be at least 1').default(DEFAULT_MAX_TASKS),
  enableEvents: flowerBoolean.default(true),
  purgeOfflineWorkers: z.coerce.number({ message: 'expected a number of seconds' }).min(0, 'must not be negative').default(DEFAULT_PURGE_OFFLINE_WORKERS),
});

export type ConfigInput = z.input<typeof schema>;
export type ConfigResult = { readonly ok: true; readonly config: ServerConfig } | { readonly ok: false; readonly errors: string[] };

export function parseConfig(input: ConfigInput): ConfigResult {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const flagName = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    return { ok: false, errors: parsed.error.issues.map((issue) => `--${flagName(issue.path.join('.'))}: ${issue.message}`) };
  }
  let broker: BrokerUrl | null = null;
  if (parsed.data.broker !== undefined && parsed.data.broker !== '') {
    const url = parseBrokerUrl(parsed.data.broker);
    if (!url.ok) return { ok: false, errors: [`--broker: ${url.error}`] };
    broker = url.value;
  }
  const { port, address, dev, maxTasks, enableEvents, purgeOfflineWorkers } = parsed.data;
  return { ok: true, config: { port, address, broker, dev, maxTasks, enableEvents, purgeOfflineWorkers } };
}
