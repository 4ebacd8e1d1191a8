/** Tasks and batches for the history tests (SQLite and PostgreSQL). */
import { TaskRecord } from '../state/task-record';
import { type EventRow, eventColumnsOf } from './event-row';
import { taskRow } from './task-row';
import { emptyBatch, type WriteBatch } from './write-batch';

export interface TaskFields {
  state?: string;
  name?: string | null;
  worker?: string | null;
  queue?: string | null;
  received?: number | null;
  started?: number | null;
  args?: string | null;
  kwargs?: string | null;
  result?: string | null;
  exception?: string | null;
  lost?: boolean;
}

export function task(seq: number, uuid: string, fields: TaskFields = {}): TaskRecord {
  const record = new TaskRecord(uuid);
  record.seq = seq;
  record.state = fields.state ?? 'SUCCESS';
  record.name = fields.name === undefined ? 'app.tasks.add' : fields.name;
  record.worker = fields.worker === undefined ? 'celery@alpha' : fields.worker;
  record.queue = fields.queue === undefined ? 'celery' : fields.queue;
  record.received = fields.received === undefined ? 1_700_000_000 + seq : fields.received;
  record.started = fields.started === undefined ? 1_700_000_000.5 + seq : fields.started;
  record.timestamp = 1_700_000_001 + seq;
  record.args = fields.args === undefined ? `(${seq}, 2)` : fields.args;
  record.kwargs = fields.kwargs === undefined ? '{}' : fields.kwargs;
  record.result = fields.result === undefined ? (record.state === 'SUCCESS' ? String(seq + 2) : null) : fields.result;
  record.exception = fields.exception ?? null;
  record.lost = fields.lost ?? false;
  return record;
}

/**
 * Tasks r1…r50 received a second apart from 1 700 000 000, and one whose clock says the year 3000: it
 * sorts by when it was heard (capped, 1 700 000 010.5) but was received "then". Time ranges must match it
 * on its own time.
 */
export function rangeTasks(): TaskRecord[] {
  const plain = Array.from({ length: 50 }, (_, i) => task(i + 1, `r${i + 1}`, { received: 1_700_000_000 + i }));
  const suspect = task(51, 'suspect', { received: 32_503_680_000 });
  suspect.clockSkew = 30_000_000_000;
  suspect.lastReceivedAt = 1_700_000_010.5;
  return [...plain, suspect];
}

export function batchOf(tasks: readonly TaskRecord[], events: EventRow[] = []): WriteBatch {
  return { ...emptyBatch(), tasks: tasks.map(taskRow), events: eventColumnsOf(events) };
}

/** Tasks that the search cases tell apart: non-ASCII text, odd characters, cut reprs, missing fields. */
export const SEARCH_TASKS: TaskRecord[] = [
  task(1, '0b6e3a8e-1111-4c1e-9d7a-000000000001', { name: 'app.tasks.add', args: '(1, 2)', kwargs: "{'priority': 'high', 'n': 5}", result: '3' }),
  task(2, '0b6e3a8e-2222-4c1e-9d7a-000000000002', {
    state: 'FAILURE', name: 'app.Reports.Générer', worker: 'celery@Beta', args: "('Été', 'ÉCOLE')", kwargs: "{'lang': 'FR', 'user': None}", result: null, exception: "ValueError('Ünïcode ΣΑΣ')",
  }),
  task(3, '0b6e3a8e-3333-4c1e-9d7a-000000000003', {
    state: 'RETRY', name: 'billing.charge', worker: 'worker-2@host', args: "('100%', 'a_b')", kwargs: "{'amount': 10.0, 'tags': [1, 2]}", result: "{'ok': True}", exception: "Retry('in 5s')",
  }),
  task(4, '0b6e3a8e-4444-4c1e-9d7a-000000000004', { state: 'PENDING', name: null, worker: null, queue: null, args: null, kwargs: null, result: null }),
  // Cut by saferepr: memory cannot parse it and searches its text, as PostgreSQL does.
  task(5, '0b6e3a8e-5555-4c1e-9d7a-000000000005', { name: 'etl.load_file', args: "('C:\\\\data\\\\in.csv',)", kwargs: "{'priority': 'high', 'note': 'aaaaaaaaaaaa...", result: 'None' }),
  task(6, 'ABCDEF00-6666-4C1E-9D7A-000000000006', { state: 'PROGRESS', name: 'app.tasks.mul', worker: 'celery@gamma', args: '(6, 7)', kwargs: "{'priority': 'HIGH', 'n': 42}", result: null }),
  task(7, '0b6e3a8e-7777-4c1e-9d7a-000000000007', { name: 'app.tasks.add', worker: 'celery@alpha', args: '()', kwargs: "{'n': 5, 'flag': False, 'ratio': 0.5}", result: '12' }),
];

/** Searches over SEARCH_TASKS: free text, qualified terms down to one character, kwargs pairs, combinations. */
export const SEARCH_QUERIES = [
  // Free text, ignoring case, over every field (uuid, state and worker included), non-ASCII folded as JavaScript does.
  'add', 'ADD', 'app.tasks', 'celery@', 'beta', 'success', 'FAILURE', 'progress', 'été', 'ÉTÉ', 'générer', 'GÉNÉRER', 'ünï', 'σας', 'ΣΑΣ',
  'abcdef00', '6666-4c1e', '100%', 'a_b', '"c:\\\\data"', 'load_file', 'retry', '"in 5s"', 'none', 'worker-2', 'zzz',
  // Qualified, down to one character.
  'name:a', 'name:É', 'name:reports', 'name:%', 'args:1', 'args:%', 'args:_', 'args:é', 'args:"()"', 'worker:a', 'worker:BETA', 'worker:2',
  'result:3', 'result:in', 'result:value', 'result:true', 'kwargs:n', 'kwargs:PRIORITY', 'kwargs:{', 'kwargs:%',
  'state:success', 'state:SUCCESS', 'state:progress', 'state:succ', 'state:failure',
  // kwargs:key=value.
  'kwargs:priority=high', 'kwargs:priority=HIGH', "kwargs:priority='high'", 'kwargs:n=5', 'kwargs:n=42', 'kwargs:N=5', 'kwargs:user=none', 'kwargs:user=None',
  'kwargs:lang=fr', 'kwargs:amount=10.0', 'kwargs:"tags=[1, 2]"', 'kwargs:tags=[1,2]', 'kwargs:flag=false', 'kwargs:ratio=0.5', 'kwargs:note=x', 'kwargs:n=4',
  // Combinations.
  'name:add OR state:failure', 'worker:alpha args:1', '(name:billing OR name:reports) result:retry', 'kwargs:priority=high state:success',
  'kwargs:n=5 OR kwargs:lang=fr', 'app AND (kwargs:n=42 OR worker:beta)', 'celery state:pending', '"0b6e3a8e" name:app',
];
