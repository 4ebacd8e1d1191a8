/**
 * A Celery 5.2 event stream in which every task is new, cheap enough to publish at 100 000+ events/s.
 *
 * A pool of message templates is built once (exact wire format: kombu envelope, base64 JSON body,
 * `/0.celeryev/<routing key>`). Each template's body is padded with JSON whitespace so that every task id
 * and every timestamp starts on a multiple of 3 bytes and is 36 (id) or 18 (timestamp) bytes long: the
 * body's base64 is then the concatenation of the base64 of its pieces, and a fresh id or the current time
 * is stamped into a pre-encoded envelope by encoding only those few bytes. Each pass over the pool gives
 * its tasks new ids (PERF.md trap 1: a pool cycled as it is updates tasks already held).
 *
 * Tasks: received → started → succeeded (or failed with a traceback, `failRatio`), interleaved on each
 * worker as a prefork worker with a few tasks in flight sends them; optionally preceded by the producer's
 * task-sent (which carries the queue). `batch` 24 sends each worker's task events as task.multi lists of
 * up to 24, as a prefork worker's buffer does; task-sent and worker events always go one per message.
 */
import { randomBytes } from 'node:crypto';
import { type JsonObject, encodeEventJson, encodeRedisEnvelope, names as celeryNames } from '@/lib/celery';
import { seeded } from '@/server/metrics/test-random';
import { argsRepr, RARE_WORD } from '@/test/fixtures/args-repr';

export { RARE_WORD };

export interface StreamShape {
  /** Events per task.multi message (1: one event per message). */
  readonly batch: number;
  readonly workers: number;
  readonly taskNames: number;
  readonly queues: number;
  readonly failRatio: number;
  /** Send the producer's task-sent (with the queue) before each task-received. */
  readonly sent: boolean;
  /** Longest args repr, in characters. */
  readonly argsMax: number;
  /** Tasks per pass over the pool (a multiple of 1000 keeps the rare word at exactly 0.1 %). */
  readonly poolTasks: number;
}

/** A word found in the args of 0.1 % of tasks, for search benchmarks. */

export const INGEST_SHAPE: StreamShape = { batch: 1, workers: 8, taskNames: 20, queues: 4, failRatio: 0.05, sent: false, argsMax: 120, poolTasks: 8000 };

export const taskName = (i: number): string => `app${i % 10}.tasks.job_${String(i).padStart(3, '0')}`;
export const workerName = (i: number): string => `celery@worker-${String(i).padStart(2, '0')}`;
export const queueName = (i: number): string => `queue-${i}`;

/** A template piece: base64 text, an id slot (task index in the pool, ≥ 0) or the timestamp slot (-1). */
type Piece = string | number;
interface Template {
  readonly channel: string;
  readonly pieces: readonly Piece[];
  readonly events: number;
}

const ID_MARK = (k: number): string => `@@U${k}@@`;
const TS_MARK = '@@T@@';

/** One task in five is a child of a task sent a little earlier (a chain or a callback), with its root. */
function taskEvents(k: number, shape: StreamShape, rnd: () => number, roots: number[]): { worker: number; sent: JsonObject | null; events: JsonObject[] } {
  const parent = k % 5 === 1 && k >= 8 ? k - 7 : null;
  roots[k] = parent === null ? k : (roots[parent] as number);
  const parent_id = parent === null ? null : ID_MARK(parent);
  const root_id = ID_MARK(roots[k] as number);
  const nameIndex = Math.floor(rnd() * shape.taskNames);
  const worker = k % shape.workers;
  const uuid = ID_MARK(k);
  const common = { hostname: workerName(worker), utcoffset: 0, pid: 1000 + worker, clock: k * 4 };
  const name = taskName(nameIndex);
  const args = argsRepr(k, shape.argsMax, rnd);
  const kwargs = `{'priority': ${k % 10}, 'locale': 'en_US'}`;
  const queue = queueName(nameIndex % shape.queues);
  const sent = shape.sent
    ? { hostname: 'gen1234@producer-1', utcoffset: 0, pid: 42, clock: k * 4, uuid, name, args, kwargs, retries: 0, eta: null, expires: null, queue, exchange: '', routing_key: queue, root_id, parent_id, timestamp: TS_MARK, type: 'task-sent' }
    : null;
  const fails = rnd() < shape.failRatio;
  const exception = `ValueError('invalid literal for int() with base 10: ${k % 9973}')`;
  return {
    worker,
    sent,
    events: [
      { ...common, uuid, name, args, kwargs, root_id, parent_id, retries: 0, eta: null, expires: null, timestamp: TS_MARK, type: 'task-received' },
      { ...common, clock: k * 4 + 1, uuid, timestamp: TS_MARK, type: 'task-started' },
      fails
        ? { ...common, clock: k * 4 + 2, uuid, exception, traceback: `Traceback (most recent call last):\n  File "/srv/app/${name.replace(/\./g, '/')}.py", line ${k % 400}, in run\n    raise ${exception}\nValueError: invalid literal\n`, timestamp: TS_MARK, type: 'task-failed' }
        : { ...common, clock: k * 4 + 2, uuid, result: `{'status': 'done', 'id': ${k}}`, runtime: Math.round(Math.exp(-3 + 1.2 * (rnd() * 2 - 1) * 1.5) * 1e6) / 1e6, timestamp: TS_MARK, type: 'task-succeeded' },
    ],
  };
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** Splits a body with marks into base64 pieces and slots, padding so each slot is 3-byte aligned. */
function template(body: JsonObject | JsonObject[], hostname: string): Template {
  const { message, routingKey } = encodeEventJson(body, hostname);
  const envelope = encodeRedisEnvelope(message, { exchange: celeryNames.EVENT_EXCHANGE, routingKey });
  const plainB64 = Buffer.from(message.body).toString('base64');
  const at = envelope.indexOf(plainB64);
  const json = Buffer.from(message.body).toString('utf8');
  const parts = json.split(/(@@U\d+@@|"@@T@@")/);
  const pieces: Piece[] = [envelope.slice(0, at)];
  let literal = '';
  let length = 0; // bytes of the body so far
  for (const part of parts) {
    const id = /^@@U(\d+)@@$/.exec(part);
    if (id === null && part !== `"${TS_MARK}"`) {
      literal += part;
      continue;
    }
    // Pad with JSON whitespace: before the opening quote of an id, after the colon of a timestamp.
    const bytes = Buffer.byteLength(literal);
    const pad = ' '.repeat((3 - ((length + bytes) % 3)) % 3);
    literal = id !== null ? `${literal.slice(0, -1)}${pad}"` : literal + pad;
    pieces.push(b64(literal));
    length += Buffer.byteLength(literal) + (id !== null ? 36 : 18);
    pieces.push(id !== null ? Number(id[1]) : -1);
    literal = '';
  }
  pieces.push(b64(literal) + envelope.slice(at + plainB64.length));
  return { channel: celeryNames.redisFanoutChannel(celeryNames.EVENT_EXCHANGE, routingKey, { db: 0 }), pieces, events: Array.isArray(body) ? body.length : 1 };
}

export interface RenderedMessage {
  readonly channel: string;
  readonly envelope: string;
  readonly events: number;
}

export class EventStream {
  private readonly templates: Template[] = [];
  // 24 hex characters + dashes = a uuid4's first 24 characters, a multiple of 3: its base64 is fixed.
  private readonly prefix = b64(`${randomBytes(4).toString('hex')}-${randomBytes(2).toString('hex')}-4${randomBytes(2).toString('hex').slice(1)}-a${randomBytes(2).toString('hex').slice(1)}-`);
  private next = 0;
  private pass = 0;

  constructor(readonly shape: StreamShape) {
    // Seeded, so that two runs hold the same data.
    const rnd = seeded(17);
    const perWorker: { sent: JsonObject | null; events: JsonObject[] }[][] = Array.from({ length: shape.workers }, () => []);
    const roots: number[] = [];
    for (let k = 0; k < shape.poolTasks; k++) {
      const task = taskEvents(k, shape, rnd, roots);
      perWorker[task.worker]?.push(task);
    }
    // Each worker: received(k), started(k-1), finished(k-2), ...; the producer's task-sent just before received.
    const streams = perWorker.map((tasks) => {
      const out: { event: JsonObject; sent: boolean }[] = [];
      for (let s = 0; s < tasks.length + 2; s++) {
        for (let phase = 0; phase < 3; phase++) {
          const task = tasks[s - phase];
          if (task === undefined) continue;
          if (phase === 0 && task.sent) out.push({ event: task.sent, sent: true });
          out.push({ event: task.events[phase] as JsonObject, sent: false });
        }
      }
      return out;
    });
    const cursors = streams.map(() => 0);
    for (let live = true; live; ) {
      live = false;
      streams.forEach((stream, w) => {
        const batch: JsonObject[] = [];
        let i = cursors[w] as number;
        while (i < stream.length && batch.length < shape.batch) {
          const item = stream[i++] as { event: JsonObject; sent: boolean };
          if (item.sent) this.templates.push(template(item.event, item.event['hostname'] as string));
          else batch.push(item.event);
        }
        cursors[w] = i;
        if (batch.length === 0) return;
        live = true;
        this.templates.push(template(shape.batch === 1 ? (batch[0] as JsonObject) : batch, workerName(w)));
      });
    }
  }

  /** Messages in one pass over the pool, and the events they carry. */
  get poolMessages(): number {
    return this.templates.length;
  }

  /** The next message, with fresh ids for this pass and `now` (Unix seconds) as its events' timestamp. */
  nextMessage(now: number): RenderedMessage {
    const t = this.templates[this.next] as Template;
    const base = this.pass * this.shape.poolTasks;
    if (++this.next === this.templates.length) {
      this.next = 0;
      this.pass++;
    }
    const ts = b64(now.toFixed(7).padStart(18, '0'));
    let envelope = '';
    for (const piece of t.pieces) {
      if (typeof piece === 'string') envelope += piece;
      else if (piece < 0) envelope += ts;
      else envelope += this.prefix + b64((base + piece).toString(16).padStart(12, '0'));
    }
    return { channel: t.channel, envelope, events: t.events };
  }

  /** A worker's heartbeat (or online/offline), one per message as Celery sends them. */
  workerMessage(worker: number, type: 'worker-online' | 'worker-heartbeat' | 'worker-offline', now: number, processed: number): RenderedMessage {
    const event = { hostname: workerName(worker), utcoffset: 0, pid: 1000 + worker, clock: Math.floor(now * 1000), freq: 2.0, active: type === 'worker-offline' ? 0 : 2, processed, loadavg: [0.5, 0.4, 0.3], sw_ident: 'py-celery', sw_ver: '5.2.6', sw_sys: 'Linux', timestamp: now, type };
    const { message, routingKey } = encodeEventJson(event, workerName(worker));
    return {
      channel: celeryNames.redisFanoutChannel(celeryNames.EVENT_EXCHANGE, routingKey, { db: 0 }),
      envelope: encodeRedisEnvelope(message, { exchange: celeryNames.EVENT_EXCHANGE, routingKey }),
      events: 1,
    };
  }
}
