/**
 * The server's configuration, validated once from CLI flags and environment (Flower's flag names where
 * Flower has them: --broker, --port, --address) and trusted afterwards.
 */
import { z } from 'zod';
import { type BrokerUrl, parseBrokerUrl } from '@/lib/broker';

export interface ServerConfig {
  readonly port: number;
  /** Interface to listen on; '' or 0.0.0.0 for all, as Flower. */
  readonly address: string;
  readonly broker: BrokerUrl | null;
  /** Next.js dev mode (hot reload) instead of the production build. */
  readonly dev: boolean;
}

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
});

export type ConfigInput = z.input<typeof schema>;
export type ConfigResult = { readonly ok: true; readonly config: ServerConfig } | { readonly ok: false; readonly errors: string[] };

export function parseConfig(input: ConfigInput): ConfigResult {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`) };
  }
  let broker: BrokerUrl | null = null;
  if (parsed.data.broker !== undefined && parsed.data.broker !== '') {
    const url = parseBrokerUrl(parsed.data.broker);
    if (!url.ok) return { ok: false, errors: [`--broker: ${url.error}`] };
    broker = url.value;
  }
  return { ok: true, config: { port: parsed.data.port, address: parsed.data.address, broker, dev: parsed.data.dev } };
}
