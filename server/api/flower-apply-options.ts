/**
 * The JSON body of Flower's apply, async-apply and send-task (FLOWER-API.md §2.2): `args`, `kwargs`, and
 * every other top-level key an `apply_async` option. Flower parses `eta` with '%Y-%m-%d %H:%M:%S.%f',
 * `countdown` as a float, `expires` as a float (seconds) or such a date; Pollen also takes ISO 8601 with
 * an offset. A date without an offset stays naive, so that the worker reads it in its own timezone as it
 * reads Flower's. Options Pollen cannot honour are refused with 400 naming them, never dropped silently.
 * Every moment must be one a Python worker can hold (a datetime, years 1 to 9999), and `headers` must not
 * override the protocol's own: both are the caller's mistakes, answered 400, never a failed send.
 */
import { z } from 'zod';
import { type JsonObject, type JsonValue, V2_HEADERS } from '@/lib/celery';
import type { SendOptions } from '@/worker/client';
import { flowerBoolean } from '../flower-boolean';
import { RETRY_OF } from '../state/task-links';
import { apiError, type ApiResponse } from './api-error';
import { numberParam, secondsParam, textParam, wholeNumberParam } from './flower-control-params';
import { taskIdParam } from './task-id';

/** Flower's '%Y-%m-%d %H:%M:%S.%f', with `T` allowed for the space, the fraction optional, an offset optional. */
const MOMENT = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})?$/;

const MOMENT_HINT = "'YYYY-MM-DD HH:MM:SS.ffffff' (the workers' timezone, as in Flower) or ISO 8601 with an offset";

/**
 * What Python's datetime holds (years 1 to 9999), less a day at each end so that no time zone takes a
 * moment out of it: the worker parses eta and expires into a datetime, and Celery's own client adds a
 * countdown to now in one (OverflowError beyond).
 */
const EARLIEST_MS = Date.parse('0001-01-02T00:00:00Z');
const LATEST_MS = Date.parse('9999-12-30T23:59:59Z');
const RANGE_HINT = 'a moment in the years 1 to 9999, which is what a Python worker can hold';

function representable(ms: number): boolean {
  return ms >= EARLIEST_MS && ms <= LATEST_MS;
}

/** Seconds from now as a moment in that range (a negative expires is a task that expired already). */
function fromNow(seconds: number): boolean {
  return representable(Date.now() + seconds * 1000);
}

/** The moment as Celery writes it (`isoformat()`), naive when it came naive; 'range' when a worker could not hold it. */
function moment(text: string): string | null | 'range' {
  const match = MOMENT.exec(text.trim());
  if (!match) return null;
  const [, date, time, fraction = '', zone = ''] = match;
  // Celery's parse_iso8601 wants the offset's colon.
  const offset = /^[+-]\d{4}$/.test(zone) ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const iso = `${date}T${time}${fraction}${offset}`;
  // JS rolls 02-30 over to March: the day must survive a round trip. A naive time is checked as if UTC.
  const day = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(day) || new Date(day).toISOString().slice(0, 10) !== date) return null;
  const at = Date.parse(offset ? iso : `${iso}Z`);
  if (Number.isNaN(at)) return null;
  return representable(at) ? iso : 'range';
}

const momentParam = z.string({ error: `expected a date: ${MOMENT_HINT}` }).transform((text, ctx) => {
  const iso = moment(text);
  if (iso !== null && iso !== 'range') return iso;
  ctx.addIssue({ code: 'custom', message: iso === 'range' ? `expected ${RANGE_HINT}, got ${JSON.stringify(text)}` : `expected a date: ${MOMENT_HINT}, got ${JSON.stringify(text)}` });
  return z.NEVER;
});

/** Seconds from now that land on a moment a worker can hold. */
const countdownParam = numberParam.superRefine((seconds, ctx) => {
  if (!fromNow(seconds)) ctx.addIssue({ code: 'custom', message: `${seconds} seconds from now is not ${RANGE_HINT}` });
});

/** Seconds from now (a number, or its text as Python's float() takes it), else a date. */
const expiresParam = z.union([z.number(), z.string()], { error: `expected seconds or a date: ${MOMENT_HINT}` }).transform((value, ctx): number | string => {
  const seconds = typeof value === 'number' ? value : value.trim() !== '' ? Number(value) : Number.NaN;
  if (Number.isFinite(seconds)) {
    if (fromNow(seconds)) return seconds;
    ctx.addIssue({ code: 'custom', message: `${seconds} seconds from now is not ${RANGE_HINT}` });
    return z.NEVER;
  }
  const iso = typeof value === 'string' ? moment(value) : null;
  if (iso !== null && iso !== 'range') return iso;
  ctx.addIssue({ code: 'custom', message: iso === 'range' ? `expected ${RANGE_HINT}, got ${JSON.stringify(value)}` : `expected seconds or a date: ${MOMENT_HINT}, got ${JSON.stringify(value)}` });
  return z.NEVER;
});

const jsonObject = (what: string) => z.record(z.string(), z.unknown(), { error: `${what} must be a JSON object` });

/**
 * Headers the sender does not choose: protocol v2's (the task's name, id, workflow ids, reprs, retries,
 * eta, limits...), Celery 5.3's stamping, kombu's `compression` (the body would be read as compressed) and
 * Pollen's retry link. Overriding them would send another task than the one answered.
 */
const PROTOCOL_HEADERS: ReadonlySet<string> = new Set([...V2_HEADERS, 'stamped_headers', 'stamps', 'replaced_task_nesting', 'compression', RETRY_OF]);

const headersParam = jsonObject('headers').superRefine((headers, ctx) => {
  for (const name of Object.keys(headers)) {
    if (PROTOCOL_HEADERS.has(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'a protocol header, set by the sender from the task and its options; it cannot be overridden' });
  }
});

/** `apply_async` options Pollen sends (and a few it accepts and has no use for). */
const OPTIONS = {
  countdown: countdownParam.optional().describe('seconds from now before the task may run'),
  eta: momentParam.optional().describe(`not before this moment: ${MOMENT_HINT}`),
  expires: expiresParam.optional().describe('seconds from now, or a moment, after which the worker revokes the task unrun'),
  queue: textParam.optional().describe("the queue to send to (default: the default queue, 'celery')"),
  routing_key: textParam.optional().describe('the queue name, when no queue is given (Pollen publishes through the default exchange)'),
  exchange: z.string().optional().describe("'' or the queue's own exchange (Celery names it after the queue)"),
  priority: wholeNumberParam(0).pipe(z.number().max(255, 'must be at most 255')).optional().describe('0..9 on Redis, 0..255 on RabbitMQ queues with x-max-priority'),
  headers: headersParam.optional().describe(`extra message headers; not the protocol's own (${[...PROTOCOL_HEADERS].join(', ')})`),
  task_id: taskIdParam.optional().describe('the id to give the task (default: a new UUID)'),
  time_limit: secondsParam.optional().describe('hard time limit in seconds'),
  soft_time_limit: secondsParam.optional().describe('soft time limit in seconds'),
  shadow: textParam.optional().describe('another name for the task in logs and monitors'),
  ignore_result: flowerBoolean.optional().describe('the worker stores no result'),
  // Accepted so that Flower scripts keep working; Pollen's transport retries by itself and sends JSON.
  retry: flowerBoolean.optional().describe('accepted and ignored: Pollen reconnects and retries on its own'),
  retry_policy: jsonObject('retry_policy').optional().describe('accepted and ignored'),
  serializer: z.literal('json', { error: "Pollen sends JSON only: serializer must be 'json'" }).optional(),
  add_to_parent: flowerBoolean.optional().describe('accepted and ignored: a request to Pollen has no parent task'),
};

// z.never() here would become one nameless "unrecognized keys" issue: this names each key.
const unknownOption = z.unknown().refine(() => false, { message: `not an option Pollen can send (accepted: args, kwargs, ${Object.keys(OPTIONS).join(', ')})` });

/** The body of async-apply and send-task. */
export const taskBody = z
  .object({
    args: z.array(z.unknown(), { error: 'args must be an array' }).default([]).describe('positional arguments'),
    kwargs: jsonObject('kwargs').default({}).describe('keyword arguments'),
    ...OPTIONS,
  })
  .catchall(unknownOption);

export type TaskBody = z.output<typeof taskBody>;

/** A task's arguments and send options, ready for the client. */
export interface TaskCall {
  readonly args: JsonValue[];
  readonly kwargs: JsonObject;
  readonly options: SendOptions;
}

/**
 * The client's options from a validated body. Pollen publishes through the default exchange to a queue
 * (Celery's default routing: each queue has a direct exchange and routing key of its own name), so a
 * routing key or exchange that names anything else cannot be honoured: 400, rather than a message that
 * goes somewhere else.
 */
export function taskCall(body: TaskBody, defaultQueue: string): { ok: true; call: TaskCall } | { ok: false; response: ApiResponse } {
  const queue = body.queue ?? body.routing_key;
  if (body.queue !== undefined && body.routing_key !== undefined && body.routing_key !== body.queue) {
    return { ok: false, response: apiError(400, `routing_key: Pollen sends to queue '${body.queue}' by its name; a different routing key cannot be honoured`) };
  }
  const destination = queue ?? defaultQueue;
  if (body.exchange !== undefined && body.exchange !== '' && body.exchange !== destination) {
    return { ok: false, response: apiError(400, `exchange: Pollen publishes to queue '${destination}' through the default exchange or the queue's own; exchange '${body.exchange}' cannot be honoured`) };
  }
  const options: SendOptions = {
    ...(body.countdown !== undefined && { countdown: body.countdown }),
    ...(body.eta !== undefined && { eta: body.eta }),
    ...(body.expires !== undefined && { expires: body.expires }),
    ...(queue !== undefined && { queue }),
    ...(body.priority !== undefined && { priority: body.priority }),
    ...(body.headers !== undefined && { headers: body.headers as JsonObject }),
    ...(body.task_id !== undefined && { taskId: body.task_id }),
    ...(body.time_limit !== undefined && { timeLimit: body.time_limit }),
    ...(body.soft_time_limit !== undefined && { softTimeLimit: body.soft_time_limit }),
    ...(body.shadow !== undefined && { shadow: body.shadow }),
    ...(body.ignore_result !== undefined && { ignoreResult: body.ignore_result }),
  };
  // The body came from JSON.parse: its values are JSON.
  return { ok: true, call: { args: body.args as JsonValue[], kwargs: body.kwargs as JsonObject, options } };
}
