/**
 * Bytes of heap per retained task in the cluster model, with typical args: each task goes through
 * task-sent, task-received, task-started and task-succeeded (as a Python worker sends them), with
 * uuid ids, an argsrepr like `(4211, 'user-4211@example.com')`, small kwargs and a short result.
 * 10 % fail with a one-line exception and a ~600-character traceback, as tracebacks are part of what
 * Pollen keeps.
 *
 *   npm run bench -- task-memory        (runs with --expose-gc for exact heap figures)
 *   LINKED=1 npm run bench -- task-memory   (canvases: chains of 4, each a child of the step before,
 *                                           and every 20th task a Pollen retry of the one before it)
 */
import { randomUUID } from 'node:crypto';
import { type CeleryEvent, decodeEventBody } from '@/lib/celery';
import { ClusterState } from '@/server/state/cluster-state';
import { TASK_KEY_FIELDS } from '@/server/state/task-index';

const TASKS = Number(process.env['TASKS'] ?? 100_000);
const LINKED = process.env['LINKED'] === '1';
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.log('run with node --expose-gc (npm run bench -- task-memory does)');
  process.exit(2);
}

const TRACEBACK = `Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/celery/app/trace.py", line 451, in trace_task
    R = retval = fun(*args, **kwargs)
  File "/usr/lib/python3/dist-packages/celery/app/trace.py", line 734, in __protected_call__
    return self.run(*args, **kwargs)
  File "/srv/app/tasks/email.py", line 88, in send_welcome_email
    smtp.send(message)
  File "/srv/app/mail/smtp.py", line 41, in send
    raise ConnectionError(f"SMTP server {self.host} refused the connection")
ConnectionError: SMTP server mail.internal refused the connection
`;

let previous = '';

function events(i: number): CeleryEvent[] {
  const uuid = randomUUID();
  const parent = LINKED && i % 4 !== 0 ? previous : null;
  const retryOf = LINKED && i % 20 === 1 ? { pollen_retry_of: previous } : {};
  previous = uuid;
  const t = 1795268172 + i * 0.01;
  const worker = `celery@worker-${i % 8}`;
  const common = { utcoffset: 0, pid: 1000 + (i % 8), clock: i };
  const failed = i % 10 === 0;
  const raw = [
    { ...common, hostname: 'gen123@web-1', type: 'task-sent', uuid, root_id: uuid, parent_id: parent, ...retryOf, name: 'app.tasks.send_welcome_email', args: `(${i}, 'user-${i}@example.com')`, kwargs: "{'locale': 'en', 'retry': True}", retries: 0, eta: null, expires: null, queue: 'celery', exchange: '', routing_key: 'celery', timestamp: t },
    { ...common, hostname: worker, type: 'task-received', uuid, name: 'app.tasks.send_welcome_email', args: `(${i}, 'user-${i}@example.com')`, kwargs: "{'locale': 'en', 'retry': True}", root_id: uuid, parent_id: parent, retries: 0, eta: null, expires: null, timestamp: t + 0.001 },
    { ...common, hostname: worker, type: 'task-started', uuid, timestamp: t + 0.002 },
    failed
      ? { ...common, hostname: worker, type: 'task-failed', uuid, exception: "ConnectionError('SMTP server mail.internal refused the connection')", traceback: TRACEBACK, timestamp: t + 0.05 }
      : { ...common, hostname: worker, type: 'task-succeeded', uuid, result: "{'sent': True, 'message_id': '<" + i + "@mail>'}", runtime: 0.048, timestamp: t + 0.05 },
  ];
  // Decoded from JSON text, as they arrive: strings are then the parser's own, not shared literals.
  return decodeEventBody(JSON.parse(JSON.stringify(raw))).events;
}

gc();
// Heap and ArrayBuffers: the model keeps per-slot times and search signatures in typed arrays.
const held = (): number => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
const before = held();
const state = new ClusterState({ maxTasks: TASKS, purgeOfflineAfter: 3600 });
for (let i = 0; i < TASKS; i++) for (const event of events(i)) state.apply(event, 1795268172 + i * 0.01);
gc();
const unread = (held() - before) / state.taskCount;
// What pages build when they first read them, and then keep while read (task-index.ts): every order,
// every field's key lists, every search signature.
const index = state.index;
void index.orders;
for (const field of TASK_KEY_FIELDS) index.list(field, 'celery');
index.signatures();
gc();
const perTask = (held() - before) / state.taskCount;
console.log(`tasks retained: ${state.taskCount.toLocaleString('en-US')} (10 % failed, with tracebacks${LINKED ? '; linked: chains of 4, every 20th a retry' : ''})`);
console.log(`memory per retained task (heap and typed arrays), every index built: ${Math.round(perTask)} bytes (target: at most 1024); as ingest keeps it with no page reading the orders and key lists: ${Math.round(unread)}`);
console.log(`process RSS: ${Math.round(process.memoryUsage().rss / 1048576)} MiB`);
