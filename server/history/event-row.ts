/**
 * One task event as history keeps it, for the task's whole timeline (every attempt of a retried task).
 * The task's row holds what the events describe (name, args, result, ...), so an event row keeps only
 * its type, times and sender, plus the fields that say something the row does not: an attempt's
 * exception, a revoke's flags, a custom event's fields. A flood of task events stays a few dozen bytes each.
 */
import type { CeleryEvent, JsonObject, TaskEvent } from '@/lib/celery';

export const EVENT_COLUMNS = ['task_seq', 'id', 'type', 'timestamp', 'hostname', 'received_at', 'fields'] as const;

export type EventRow = (string | number | null)[];

/** What the timeline shows of one event. */
export interface TaskTimelineEvent {
  readonly type: string;
  /** Sender timestamp (Unix seconds). */
  readonly timestamp: number;
  readonly hostname: string | null;
  /** Our receive time (Unix seconds); null for a state learnt without its event. */
  readonly receivedAt: number | null;
  readonly fields: JsonObject | null;
}

function ownFields(event: TaskEvent): JsonObject | null {
  switch (event.type) {
    case 'task-sent':
    case 'task-received':
      return event.retries !== null && event.retries > 0 ? { retries: event.retries } : null;
    case 'task-succeeded':
      return event.runtime === null ? null : { runtime: event.runtime };
    case 'task-failed':
    case 'task-retried':
      return event.exception === null ? null : { exception: event.exception };
    case 'task-revoked':
      return { terminated: event.terminated, signum: event.signum, expired: event.expired };
    case 'task-rejected':
      return { requeue: event.requeue };
    default:
      return null;
  }
}

/** What an event row keeps besides its columns: its own fields and any the sender added, or null. */
function fieldsOf(event: CeleryEvent): JsonObject | null {
  const own = event.known && event.type.startsWith('task-') ? ownFields(event as TaskEvent) : null;
  return event.extra === null ? own : { ...own, ...event.extra };
}

/** The row of a task event (custom ones included), for the task stored under `taskSeq`. */
export function eventRow(event: CeleryEvent, taskSeq: number, id: number, receivedAt: number | null): EventRow {
  const fields = fieldsOf(event);
  return [taskSeq, id, event.type, event.timestamp, event.hostname || null, receivedAt, fields === null ? null : JSON.stringify(fields)];
}

/**
 * Event rows as they travel from the event loop to the writer: a column each, numbers in typed arrays,
 * the few distinct types and hostnames as indexes into `words`. Noting an event then allocates nothing
 * that outlives it, and handing 20 000 rows to the writer thread copies a few buffers, not 20 000 arrays
 * (the event loop's cost of history at 70 000 events/s, measured: GC and postMessage were two thirds of it).
 */
export interface EventColumns {
  readonly n: number;
  readonly taskSeq: Float64Array;
  readonly id: Float64Array;
  readonly timestamp: Float64Array;
  /** NaN: a state learnt without its event's receive time. */
  readonly receivedAt: Float64Array;
  readonly type: Uint32Array;
  /** words[0] is '': no hostname. */
  readonly hostname: Uint32Array;
  readonly words: readonly string[];
  /** What `fields` holds: FIELDS_NONE, a lone runtime or retries (in fieldNumber), or FIELDS_TEXT. */
  readonly fieldKind: Uint8Array;
  readonly fieldNumber: Float64Array;
  /** The JSON of each FIELDS_TEXT row, in row order. */
  readonly fieldText: readonly string[];
}

const FIELDS_NONE = 0;
const FIELDS_RUNTIME = 1;
const FIELDS_RETRIES = 2;
const FIELDS_TEXT = 3;

/** Fills EventColumns on the event loop, growing by doubling up to `capacity` rows. */
export class EventColumnsBuilder {
  n = 0;
  private size = 64;
  private taskSeq = new Float64Array(this.size);
  private id = new Float64Array(this.size);
  private timestamp = new Float64Array(this.size);
  private receivedAt = new Float64Array(this.size);
  private type = new Uint32Array(this.size);
  private hostname = new Uint32Array(this.size);
  private fieldKind = new Uint8Array(this.size);
  private fieldNumber = new Float64Array(this.size);
  private readonly fieldText: string[] = [];
  private readonly words: string[] = [''];
  private readonly wordIndex = new Map<string, number>([['', 0]]);

  constructor(readonly capacity: number) {}

  get full(): boolean {
    return this.n >= this.capacity;
  }

  private word(text: string): number {
    let index = this.wordIndex.get(text);
    if (index === undefined) {
      index = this.words.push(text) - 1;
      this.wordIndex.set(text, index);
    }
    return index;
  }

  private grow(): void {
    this.size = Math.min(this.capacity, this.size * 2);
    const grown = <T extends Float64Array | Uint32Array | Uint8Array>(from: T): T => {
      const to = new (from.constructor as new (n: number) => T)(this.size);
      to.set(from);
      return to;
    };
    this.taskSeq = grown(this.taskSeq);
    this.id = grown(this.id);
    this.timestamp = grown(this.timestamp);
    this.receivedAt = grown(this.receivedAt);
    this.type = grown(this.type);
    this.hostname = grown(this.hostname);
    this.fieldKind = grown(this.fieldKind);
    this.fieldNumber = grown(this.fieldNumber);
  }

  /** A new row with its columns but the fields set; its index. */
  private next(taskSeq: number, id: number, type: string, timestamp: number, hostname: string, receivedAt: number | null): number {
    if (this.n === this.size) this.grow();
    const i = this.n++;
    this.taskSeq[i] = taskSeq;
    this.id[i] = id;
    this.timestamp[i] = timestamp;
    this.receivedAt[i] = receivedAt ?? Number.NaN;
    this.type[i] = this.word(type);
    this.hostname[i] = this.word(hostname);
    return i;
  }

  /** A row made already (tests, the benchmark's fill). */
  addRow(row: EventRow): void {
    const [taskSeq, id, type, timestamp, hostname, receivedAt, fields] = row;
    const i = this.next(Number(taskSeq), Number(id), String(type), Number(timestamp), hostname === null ? '' : String(hostname), receivedAt === null ? null : Number(receivedAt));
    this.fieldKind[i] = fields === null ? FIELDS_NONE : FIELDS_TEXT;
    if (fields !== null) this.fieldText.push(String(fields));
  }

  /** The row of a task event, for the task stored under `taskSeq` (as eventRow makes it). */
  add(event: CeleryEvent, taskSeq: number, id: number, receivedAt: number | null): void {
    const i = this.next(taskSeq, id, event.type, event.timestamp, event.hostname, receivedAt);
    // Most task events carry no fields, or only a success's runtime: those take no JSON on the event loop.
    if (event.known && event.extra === null) {
      if (event.type === 'task-succeeded' && event.runtime !== null) {
        this.fieldKind[i] = FIELDS_RUNTIME;
        this.fieldNumber[i] = event.runtime;
        return;
      }
      if (event.type === 'task-received' || event.type === 'task-sent') {
        const retried = event.retries !== null && event.retries > 0;
        this.fieldKind[i] = retried ? FIELDS_RETRIES : FIELDS_NONE;
        this.fieldNumber[i] = retried ? (event.retries as number) : 0;
        return;
      }
    }
    const fields = fieldsOf(event);
    this.fieldKind[i] = fields === null ? FIELDS_NONE : FIELDS_TEXT;
    if (fields !== null) this.fieldText.push(JSON.stringify(fields));
  }

  columns(): EventColumns {
    const n = this.n;
    return {
      n,
      taskSeq: this.taskSeq.subarray(0, n),
      id: this.id.subarray(0, n),
      timestamp: this.timestamp.subarray(0, n),
      receivedAt: this.receivedAt.subarray(0, n),
      type: this.type.subarray(0, n),
      hostname: this.hostname.subarray(0, n),
      words: this.words,
      fieldKind: this.fieldKind.subarray(0, n),
      fieldNumber: this.fieldNumber.subarray(0, n),
      fieldText: this.fieldText,
    };
  }
}

/** Event rows as columns (tests, the benchmark's fill). */
export function eventColumnsOf(rows: readonly EventRow[]): EventColumns {
  const builder = new EventColumnsBuilder(Math.max(1, rows.length));
  for (const row of rows) builder.addRow(row);
  return builder.columns();
}

export function emptyEventColumns(): EventColumns {
  return eventColumnsOf([]);
}

/** The rows, in EVENT_COLUMNS order, for the writers. */
export function eventRowsOf(columns: EventColumns): EventRow[] {
  const rows: EventRow[] = new Array(columns.n);
  let text = 0;
  for (let i = 0; i < columns.n; i++) {
    const kind = columns.fieldKind[i];
    const number = columns.fieldNumber[i] as number;
    const fields = kind === FIELDS_RUNTIME ? JSON.stringify({ runtime: number }) : kind === FIELDS_RETRIES ? JSON.stringify({ retries: number }) : kind === FIELDS_TEXT ? (columns.fieldText[text++] as string) : null;
    const receivedAt = columns.receivedAt[i] as number;
    rows[i] = [
      columns.taskSeq[i] as number,
      columns.id[i] as number,
      columns.words[columns.type[i] as number] as string,
      columns.timestamp[i] as number,
      columns.words[columns.hostname[i] as number] || null,
      Number.isNaN(receivedAt) ? null : receivedAt,
      fields,
    ];
  }
  return rows;
}

export function timelineEvent(row: Readonly<Record<string, unknown>>): TaskTimelineEvent {
  return {
    type: String(row.type),
    timestamp: Number(row.timestamp),
    hostname: typeof row.hostname === 'string' ? row.hostname : null,
    receivedAt: row.received_at === null || row.received_at === undefined ? null : Number(row.received_at),
    fields: typeof row.fields === 'string' ? (JSON.parse(row.fields) as JsonObject) : null,
  };
}
