/**
 * A client of RabbitMQ's management API for queue statistics, as Flower's `--broker_api` uses it
 * (mher/flower flower/utils/broker.py): `GET <api>/queues/<vhost>`, every queue of the broker's virtual
 * host, filtered here by name. Basic auth comes from the API URL's user:password, else the broker URL's,
 * else guest:guest, as in Flower. Every call gives up after a timeout, so a dead API costs at most that.
 */
import { z } from 'zod';
import type { BrokerUrl } from '@/lib/broker';
import type { JsonObject } from '@/lib/celery';

/** How long a management call may take: a sampler tick is 5 s, and an API page should not wait longer. */
export const MANAGEMENT_TIMEOUT_MS = 2_000;

/** One queue as the management API describes it (name, messages, messages_ready, consumers, ...), kept whole. */
export type ManagementQueue = JsonObject & { readonly name: string };

const queueList = z.array(z.looseObject({ name: z.string() }));

export class ManagementApi {
  /** The API's base URL without credentials, ending in '/'. */
  private readonly base: URL;
  private readonly authorization: string;

  /** `url`: an http(s) URL such as `http://guest:guest@localhost:15672/api/` (server/config.ts checks the scheme). */
  constructor(
    url: string,
    private readonly broker: BrokerUrl,
    private readonly timeoutMs = MANAGEMENT_TIMEOUT_MS,
  ) {
    const parsed = new URL(url);
    const username = decodeURIComponent(parsed.username) || broker.username || 'guest';
    const password = decodeURIComponent(parsed.password) || broker.password || 'guest';
    this.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    // fetch refuses URLs with credentials; and Flower's urljoin drops the last segment of a base without '/'.
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    if (!parsed.pathname.endsWith('/')) parsed.pathname += '/';
    this.base = parsed;
  }

  /** The API URL without its credentials, safe to log and show. */
  get display(): string {
    return this.base.href;
  }

  /**
   * The queues of the broker's virtual host with these names, in the API's order; a name the broker does
   * not know is absent, as in Flower. `columns` limits the fields the API sends (it always sends `name`).
   */
  async queues(names: readonly string[], columns?: readonly string[]): Promise<ManagementQueue[]> {
    const url = new URL(`queues/${encodeURIComponent(this.broker.vhost)}`, this.base);
    if (columns) url.searchParams.set('columns', ['name', ...columns.filter((c) => c !== 'name')].join(','));
    const body = await this.get(url);
    const parsed = queueList.safeParse(body);
    if (!parsed.success) throw new Error(`the management API at ${this.display} answered ${url.pathname} with something other than a list of queues`);
    const wanted = new Set(names);
    return (parsed.data as ManagementQueue[]).filter((queue) => wanted.has(queue.name));
  }

  private async get(url: URL): Promise<unknown> {
    let response: Response;
    let text: string;
    try {
      // The timeout covers the body too: a big vhost's list arrives in pieces.
      response = await fetch(url, { headers: { authorization: this.authorization, accept: 'application/json' }, signal: AbortSignal.timeout(this.timeoutMs) });
      text = await response.text();
    } catch (err) {
      throw new Error(`the management API at ${this.display} did not answer: ${reason(err, this.timeoutMs)}`);
    }
    if (!response.ok) throw new Error(`the management API at ${this.display} answered HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new Error(`the management API at ${this.display} answered ${url.pathname} with something other than JSON`);
    }
  }
}

/** fetch's failures say "fetch failed" and hide the reason in `cause` (ECONNREFUSED, ENOTFOUND, ...). */
function reason(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}
