/**
 * The dashboard's flags, with Flower's names where Flower has them, each also read from the environment:
 * `POLLEN_<FLAG>` first, then Flower's `FLOWER_<FLAG>` (so a Flower deployment's env keeps working), then
 * the extra names listed (Celery's CELERY_BROKER_URL). The command line wins over the environment.
 * Flower's underscore spellings (`--basic_auth`, `--max_tasks`) are accepted as well.
 */
import { type Command, Option } from 'commander';
import { DEFAULT_INSPECT_TIMEOUT_MS, DEFAULT_MAX_TASKS, DEFAULT_MAX_WORKERS, DEFAULT_PORT, DEFAULT_PURGE_OFFLINE_WORKERS } from '../config';

interface FlagSpec {
  readonly flags: string;
  readonly description: string;
  readonly default?: string | boolean;
  /** Environment names read after POLLEN_<FLAG> and FLOWER_<FLAG>. */
  readonly env?: readonly string[];
  /**
   * How `pollen demo` takes it: from its `command-line` only, never from the environment, so that a
   * CELERY_BROKER_URL or FLOWER_UNAUTHENTICATED_API set for real work never reaches the demo.
   */
  readonly demo?: 'command-line';
  /** `pollen demo`'s own default, when it differs. */
  readonly demoDefault?: string;
}

const FLAGS: readonly FlagSpec[] = [
  { flags: '--broker <url>', description: 'Celery broker URL: redis://, rediss://, sentinel://, amqp://, amqps://', env: ['CELERY_BROKER_URL'], demo: 'command-line' },
  { flags: '--result-backend <url>', description: 'Celery result backend (redis://...): task results, abort, and retry from stored arguments', env: ['CELERY_RESULT_BACKEND'], demo: 'command-line' },
  { flags: '--port <port>', description: 'port of the dashboard and API', default: String(DEFAULT_PORT), env: ['PORT'] },
  // The demo is tried on laptops, often beside a real broker: it stays on this machine unless told.
  { flags: '--address <host>', description: "interface to listen on ('' or 0.0.0.0 for all, as Flower; the demo: 127.0.0.1)", default: '', demoDefault: '127.0.0.1' },
  { flags: '--url-prefix <path>', description: 'serve everything under this path, e.g. flower (behind a reverse proxy)', default: '' },
  { flags: '--basic-auth <user:pass,...>', description: 'require HTTP basic authentication with one of these credentials' },
  { flags: '--api-tokens <token,...>', description: 'bearer tokens accepted for the API (Authorization: Bearer <token>), at least 16 characters each' },
  { flags: '--unauthenticated-api [bool]', description: 'open the control endpoints without authentication (Flower: FLOWER_UNAUTHENTICATED_API=true)', default: false, demo: 'command-line' },
  { flags: '--read-only [bool]', description: 'refuse every control (revoke, rate limit, shutdown, ...) with 403', default: false },
  { flags: '--db <where>', description: 'where history is kept: an SQLite file, postgresql://user:pass@host/db, or memory (none); default: an SQLite file per cluster under --data-dir (pollen demo: memory)', demo: 'command-line' },
  { flags: '--data-dir <path>', description: 'directory of the default SQLite history (default: $XDG_STATE_HOME/pollen or ~/.local/state/pollen, else ./pollen-data)' },
  { flags: '--cluster-name <name>', description: "the cluster's name in history (default: the broker URL without its password); names the SQLite file and PostgreSQL's rows" },
  { flags: '--retention-success <duration>', description: 'how long history keeps a SUCCESS task after it succeeded: 90m, 12h, 7d (0: forever)', default: '7d' },
  { flags: '--retention-failure <duration>', description: 'how long history keeps a FAILURE, REVOKED or REJECTED task after it ended (0: forever)', default: '30d' },
  { flags: '--retention-other <duration>', description: 'how long history keeps a task that never finished after its last change; one in flight in memory is always kept (0: forever)', default: '30d' },
  { flags: '--max-history-tasks <n>', description: 'tasks history keeps at most, the oldest finished pruned first (0: no limit)', default: '10000000' },
  { flags: '--max-history-size <size>', description: 'space history\'s pages may use at most: 500MB, 2GB (0: no limit)', default: '10GB' },
  {
    flags: '--redact <keys-and-patterns>',
    description:
      'also mask these in task args, kwargs, results, exceptions and tracebacks at ingest: key names (pin, x-internal-auth) and /patterns/; ' +
      'the values of password, token, secret, api_key, authorization, cookie and other keys are masked by default (none drops those), card numbers, URL passwords and bearer credentials always',
  },
  { flags: '--max-tasks <n>', description: 'tasks kept in memory (the live window), newest first; finished tasks leave first, and stay in history', default: String(DEFAULT_MAX_TASKS) },
  { flags: '--max-workers <n>', description: 'workers kept in memory; the longest offline are forgotten first', default: String(DEFAULT_MAX_WORKERS) },
  { flags: '--purge-offline-workers <seconds>', description: 'forget a worker this long after it went offline', default: String(DEFAULT_PURGE_OFFLINE_WORKERS) },
  { flags: '--inspect-timeout <ms>', description: 'how long inspect and control commands wait for worker replies', default: String(DEFAULT_INSPECT_TIMEOUT_MS) },
  { flags: '--enable-events <bool>', description: 'broadcast enable_events every 5 s so workers started without -E report', default: 'true' },
  { flags: '--broker-api <url>', description: 'RabbitMQ management API (http://user:pass@host:15672/api/) for queue lengths' },
  { flags: '--allowed-origins <url,...>', description: "origins besides Pollen's own whose pages may open Socket.IO and send controls (https://ops.example.com)" },
  { flags: '--frame-ancestors <source,...>', description: "sites that may embed the pages in a frame (self, https://grafana.example.com); none by default" },
  { flags: '--certfile <path>', description: 'TLS certificate (PEM); serve HTTPS with --keyfile' },
  { flags: '--keyfile <path>', description: 'TLS private key (PEM)' },
  { flags: '--dev', description: 'serve the dashboard in Next.js development mode (hot reload)', default: false },
];

function envNames(spec: FlagSpec): string[] {
  const flag = /^--([a-z-]+)/.exec(spec.flags)?.[1] ?? '';
  const upper = flag.replace(/-/g, '_').toUpperCase();
  return [`POLLEN_${upper}`, `FLOWER_${upper}`, ...(spec.env ?? [])];
}

/** Adds the dashboard's flags to a command (`pollen` itself, or `pollen demo`). */
export function addServeOptions(command: Command, { demo }: { demo: boolean }): Command {
  for (const spec of FLAGS) {
    const option = new Option(spec.flags, spec.description);
    const fallback = demo && spec.demoDefault !== undefined ? spec.demoDefault : spec.default;
    if (fallback !== undefined) option.default(fallback);
    command.addOption(option);
  }
  return command;
}

/** Fills every flag not given on the command line from the environment; returns the options to validate. */
export function withEnvironment(command: Command, env: Readonly<Record<string, string | undefined>>, { demo = false }: { demo?: boolean } = {}): Record<string, unknown> {
  const options: Record<string, unknown> = { ...command.opts() };
  for (const spec of FLAGS) {
    if (demo && spec.demo === 'command-line') continue;
    const option = command.options.find((o) => o.flags === spec.flags);
    if (option === undefined) continue;
    const key = option.attributeName();
    const source = command.getOptionValueSource(key);
    if (source === 'cli') continue;
    const value = envNames(spec)
      .map((name) => env[name])
      .find((v) => v !== undefined && v !== '');
    if (value !== undefined) options[key] = value;
  }
  return options;
}

/** `--basic_auth=x` → `--basic-auth=x`: Flower's spellings of the same flags. */
export function normalizeFlowerFlags(argv: readonly string[]): string[] {
  return argv.map((arg) => {
    const match = /^(--[a-z]+(?:_[a-z]+)+)(=.*)?$/s.exec(arg);
    return match ? `${(match[1] as string).replace(/_/g, '-')}${match[2] ?? ''}` : arg;
  });
}
