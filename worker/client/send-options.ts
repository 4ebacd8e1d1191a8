/**
 * `apply_async` options in TypeScript spelling, and the option object Celery keeps in a signature's
 * `options` (snake_case, JSON): what travels to Python when a signature is a link, a chain step or a
 * chord body.
 */
import { type JsonObject, type JsonValue, type Signature, signatureToJson } from '@/lib/celery';

export interface SendOptions {
  /** Seconds from now before the task may run (becomes the message's `eta`). Wins over `eta`. */
  readonly countdown?: number;
  /** Not before this moment: a Date or an ISO-8601 string (give it an offset; a naive one means the worker's timezone). */
  readonly eta?: Date | string;
  /** Seconds from now, or a moment, after which the worker discards the task as REVOKED ("expired"). */
  readonly expires?: number | Date | string;
  /** Default: the client's default queue (`celery`). */
  readonly queue?: string;
  /** 0..9 on Redis (0 is the highest), 0..255 on AMQP queues declared with a maximum priority. */
  readonly priority?: number;
  /** Extra message headers, merged into the header table as Celery does. */
  readonly headers?: JsonObject;
  /** Default: a fresh UUID4. */
  readonly taskId?: string;
  /** Sent with the result as first argument once this task succeeds. */
  readonly link?: Signature | readonly Signature[];
  /** Sent with the task id as first argument if this task fails. */
  readonly linkError?: Signature | readonly Signature[];
  /** Seconds (hard, soft); the worker's defaults otherwise. */
  readonly timeLimit?: number;
  readonly softTimeLimit?: number;
  /** Another name for logs and monitors. */
  readonly shadow?: string;
  /** The worker stores no result. */
  readonly ignoreResult?: boolean;
}

/** The option object Celery's `Signature.options` holds for these options. */
export function celeryOptions(options: SendOptions): JsonObject {
  const out: JsonObject = {};
  const put = (key: string, value: JsonValue | undefined): void => {
    if (value !== undefined) out[key] = value;
  };
  put('task_id', options.taskId);
  put('countdown', finiteOrUndefined(options.countdown, 'countdown'));
  put('eta', options.eta === undefined ? undefined : moment(options.eta, 'eta'));
  put('expires', options.expires === undefined ? undefined : typeof options.expires === 'number' ? finiteOrUndefined(options.expires, 'expires') : moment(options.expires, 'expires'));
  put('queue', options.queue);
  put('priority', finiteOrUndefined(options.priority, 'priority'));
  put('headers', options.headers);
  put('link', signatureList(options.link));
  put('link_error', signatureList(options.linkError));
  put('time_limit', finiteOrUndefined(options.timeLimit, 'timeLimit'));
  put('soft_time_limit', finiteOrUndefined(options.softTimeLimit, 'softTimeLimit'));
  put('shadow', options.shadow);
  put('ignore_result', options.ignoreResult);
  return out;
}

/** A moment as Celery writes it (`datetime.isoformat()` of an aware UTC datetime): `2026-11-21T13:32:44.694000+00:00`. */
export function celeryIsoDate(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('invalid Date');
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

function moment(value: Date | string, what: string): string {
  if (typeof value === 'string') {
    if (Number.isNaN(Date.parse(value))) throw new RangeError(`${what} is not an ISO-8601 date: ${JSON.stringify(value)}`);
    return value;
  }
  if (Number.isNaN(value.getTime())) throw new RangeError(`${what} is an invalid Date`);
  return celeryIsoDate(value);
}

function finiteOrUndefined(value: number | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value)) throw new RangeError(`${what} must be a finite number, got ${value}`);
  return value;
}

function signatureList(value: Signature | readonly Signature[] | undefined): JsonValue | undefined {
  if (value === undefined) return undefined;
  const list = isSignatureList(value) ? value : [value];
  return list.map(signatureToJson);
}

function isSignatureList(value: Signature | readonly Signature[]): value is readonly Signature[] {
  return Array.isArray(value);
}
