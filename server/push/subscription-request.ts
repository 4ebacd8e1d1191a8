/**
 * The edge of the push channel: a client's `subscription:create` / `subscription:cancel` payload,
 * validated once with zod into a normalized request, or a PushError naming the field at fault. The
 * contract's types check nothing at run time; these schemas are what the server trusts.
 */
import { z } from 'zod';
import { PUSH_LIMITS, type PushError, type PushErrorCode, type SubscribeRequest } from '@/lib/push/contract';
import { parseTaskSearch } from '@/lib/search/search-parser';
import { SEARCH_LIMITS, type SearchQuery } from '@/lib/search/search-query';

/** Node names, task names and states are short; the cap keeps a feed's key (and its map entry) small. */
const MAX_NAME = 256;

/** Flower's list filters take `All` for "no filter"; so do these. */
const filterText = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_NAME, `must be at most ${MAX_NAME} characters`)
  .optional()
  .transform((value) => (value === 'All' ? undefined : value));

const subscribeSchema = z.discriminatedUnion('topic', [
  z.object({ topic: z.literal('overview') }),
  z.object({
    topic: z.literal('tasks'),
    state: filterText,
    name: filterText,
    worker: filterText,
    search: z.string().max(SEARCH_LIMITS.maxLength, `must be at most ${SEARCH_LIMITS.maxLength} characters`).optional(),
    limit: z
      .number({ message: 'expected a number' })
      .int('expected a whole number')
      .min(1, 'must be at least 1')
      .max(PUSH_LIMITS.maxTaskWindow, `must be at most ${PUSH_LIMITS.maxTaskWindow}`)
      .default(PUSH_LIMITS.defaultTaskWindow),
  }),
  z.object({ topic: z.literal('task'), uuid: z.string({ message: 'expected a task id' }).min(1, 'must not be empty').max(MAX_NAME) }),
  z.object({ topic: z.literal('worker'), hostname: z.string({ message: 'expected a node name' }).min(1, 'must not be empty').max(MAX_NAME) }),
  z.object({ topic: z.literal('workers') }),
]);

const cancelSchema = z.object({ subscriptionId: z.string({ message: 'expected a subscription id' }).min(1).max(64) });

/** The filter of a `tasks` subscription, its search parsed once. */
export interface TaskListFilter {
  readonly state: string | null;
  readonly name: string | null;
  readonly worker: string | null;
  /** As given, trimmed; '' for none. Part of the feed's identity. */
  readonly searchText: string;
  readonly search: SearchQuery;
}

export type ValidSubscription =
  | { readonly topic: 'overview' }
  | { readonly topic: 'tasks'; readonly filter: TaskListFilter; readonly limit: number }
  | { readonly topic: 'task'; readonly uuid: string }
  | { readonly topic: 'worker'; readonly hostname: string }
  | { readonly topic: 'workers' };

export type Validated<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: PushError };

export function pushError(code: PushErrorCode, message: string, field: string | null = null): PushError {
  return { code, message, field };
}

function invalid(error: z.ZodError): { ok: false; error: PushError } {
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : null;
  const message = error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ');
  return { ok: false, error: pushError('invalid', message, field) };
}

export function parseSubscribeRequest(input: unknown): Validated<ValidSubscription> {
  const parsed = subscribeSchema.safeParse(input);
  if (!parsed.success) return invalid(parsed.error);
  const request = parsed.data;
  if (request.topic !== 'tasks') return { ok: true, value: request };
  const searchText = (request.search ?? '').trim();
  const search = parseTaskSearch(searchText);
  if (!search.ok) return { ok: false, error: pushError('invalid', `search: ${search.error.message} at position ${search.error.position}`, 'search') };
  // Celery's states are upper-case: `failure` and `FAILURE` are one feed.
  const filter: TaskListFilter = { state: request.state?.toUpperCase() ?? null, name: request.name ?? null, worker: request.worker ?? null, searchText, search: search.query };
  return { ok: true, value: { topic: 'tasks', filter, limit: request.limit } };
}

export function parseCancelRequest(input: unknown): Validated<string> {
  const parsed = cancelSchema.safeParse(input);
  return parsed.success ? { ok: true, value: parsed.data.subscriptionId } : invalid(parsed.error);
}

/** What identifies a feed: equal requests share one feed, and so one subscription id. */
export function feedKey(subscription: ValidSubscription): string {
  switch (subscription.topic) {
    case 'overview':
    case 'workers':
      return subscription.topic;
    case 'task':
      return `task\u0000${subscription.uuid}`;
    case 'worker':
      return `worker\u0000${subscription.hostname}`;
    case 'tasks': {
      const f = subscription.filter;
      return ['tasks', f.state ?? '', f.name ?? '', f.worker ?? '', f.searchText, subscription.limit].join('\u0000');
    }
    default: {
      const unreachable: never = subscription;
      throw new Error(`unknown topic ${String(unreachable)}`);
    }
  }
}

// The schema accepts exactly what the contract promises clients they may send.
type Accepts<T extends z.input<typeof subscribeSchema>> = T;
export type _ContractRequestsAreAccepted = Accepts<SubscribeRequest>;
