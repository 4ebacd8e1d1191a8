/**
 * The load for the ingest and query benchmarks, in its own process: publishes Celery 5.2's exact event
 * wire format (event-stream.ts) at a fixed rate of task events, every task new, with a worker-online per
 * worker at the start and a heartbeat from each every 2 s (Celery's default), staggered. Prints
 * {"published": events, "tasks": tasks} when done (worker events included in `published`).
 *
 *   node --import tsx bench/ingest-publisher.ts <redis url> <task events/s> <seconds> <single|batched> [shape JSON]
 *
 * The optional shape overrides INGEST_SHAPE's fields (workers, taskNames, queues, sent, argsMax, ...).
 */
import { Redis } from 'ioredis';
import { EventStream, INGEST_SHAPE, type StreamShape } from './event-stream';

const [url = 'redis://127.0.0.1:6379/0', rateText = '10000', secondsText = '10', mode = 'single', shapeText = '{}'] = process.argv.slice(2);
const rate = Number(rateText);
const seconds = Number(secondsText);
const shape: StreamShape = { ...INGEST_SHAPE, ...(JSON.parse(shapeText) as Partial<StreamShape>), batch: mode === 'batched' ? 24 : 1 };
const stream = new EventStream(shape);
const eventsPerTask = shape.sent ? 4 : 3;

const redis = new Redis(url);
const TICK_MS = 10;
const HEARTBEAT_S = 2;
let published = 0;
let taskEvents = 0;
let stopping = false;
const online = redis.pipeline();
for (let w = 0; w < shape.workers; w++) {
  const m = stream.workerMessage(w, 'worker-online', Date.now() / 1000, 0);
  online.publish(m.channel, m.envelope);
  published++;
}
await online.exec();

const started = Date.now();
const heartbeatDue = Array.from({ length: shape.workers }, (_, w) => started + ((w / shape.workers) * HEARTBEAT_S + HEARTBEAT_S) * 1000);
const timer = setInterval(() => {
  const now = Date.now();
  const pipeline = redis.pipeline();
  // Pace task events against the schedule; a message carries up to `batch` of them.
  const due = Math.floor(((now - started) / 1000) * rate);
  const nowS = now / 1000;
  while (taskEvents < due) {
    const m = stream.nextMessage(nowS);
    pipeline.publish(m.channel, m.envelope);
    taskEvents += m.events;
  }
  for (let w = 0; w < shape.workers; w++) {
    if (now < (heartbeatDue[w] as number)) continue;
    heartbeatDue[w] = (heartbeatDue[w] as number) + HEARTBEAT_S * 1000;
    const m = stream.workerMessage(w, 'worker-heartbeat', nowS, Math.floor(taskEvents / eventsPerTask / shape.workers));
    pipeline.publish(m.channel, m.envelope);
    published++;
  }
  void pipeline.exec();
  if ((seconds > 0 && now - started >= seconds * 1000) || stopping) {
    clearInterval(timer);
    void redis.quit().then(() => console.log(JSON.stringify({ published: published + taskEvents, tasks: Math.floor(taskEvents / eventsPerTask) })));
  }
}, TICK_MS);
// `seconds` 0 runs until SIGTERM (the query benchmark's background load).
process.on('SIGTERM', () => (stopping = true));
