/**
 * The load for the ingest and query benchmarks, in its own process: publishes Celery 5.2's exact event
 * wire format (event-stream.ts) at a fixed rate of task events, every task new, with a worker-online per
 * worker at the start and a heartbeat from each every 2 s (Celery's default), staggered. Prints
 * {"published": events, "tasks": tasks, "unheard": messages, "seconds": s} when done (worker events included in
 * `published`; `unheard` counts PUBLISHes that reached no subscriber, e.g. after Redis dropped one).
 * Commands go pre-formatted as RESP over a plain socket, as flood.py sends them: a Redis client library
 * would spend a good part of a core of the two the subscriber under test shares with it.
 *
 *   node --import tsx bench/ingest-publisher.ts <redis url> <task events/s> <seconds> <single|batched> [shape JSON]
 *
 * The optional shape overrides INGEST_SHAPE's fields (workers, taskNames, queues, sent, argsMax, ...).
 */
import { connect } from 'node:net';
import { EventStream, INGEST_SHAPE, type StreamShape } from './event-stream';

const [url = 'redis://127.0.0.1:6379/0', rateText = '10000', secondsText = '10', mode = 'single', shapeText = '{}'] = process.argv.slice(2);
const rate = Number(rateText);
const seconds = Number(secondsText);
const shape: StreamShape = { ...INGEST_SHAPE, ...(JSON.parse(shapeText) as Partial<StreamShape>), batch: mode === 'batched' ? 24 : 1 };
const stream = new EventStream(shape);
const eventsPerTask = shape.sent ? 4 : 3;

const target = new URL(url);
const socket = connect(Number(target.port || 6379), target.hostname);
socket.setNoDelay(true);
await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
// Every reply is an integer (the receivers); ":0\r\n" cannot occur inside another one.
let unheard = 0;
let tail = '';
socket.on('data', (chunk: Buffer) => {
  const text = tail + chunk.toString('latin1');
  for (let i = text.indexOf(':0\r\n'); i !== -1; i = text.indexOf(':0\r\n', i + 4)) unheard++;
  tail = text.slice(-3);
});
const resp = (channel: string, payload: string): string => `*3\r\n$7\r\nPUBLISH\r\n$${channel.length}\r\n${channel}\r\n$${payload.length}\r\n${payload}\r\n`;
const TICK_MS = 10;
const HEARTBEAT_S = 2;
let published = 0;
let taskEvents = 0;
let stopping = false;
let online = '';
for (let w = 0; w < shape.workers; w++) {
  const m = stream.workerMessage(w, 'worker-online', Date.now() / 1000, 0);
  online += resp(m.channel, m.envelope);
  published++;
}
socket.write(online);

const started = Date.now();
const heartbeatDue = Array.from({ length: shape.workers }, (_, w) => started + ((w / shape.workers) * HEARTBEAT_S + HEARTBEAT_S) * 1000);
const timer = setInterval(() => {
  const now = Date.now();
  let chunk = '';
  // Pace task events against the schedule; a message carries up to `batch` of them.
  const due = Math.floor(((now - started) / 1000) * rate);
  const nowS = now / 1000;
  while (taskEvents < due) {
    const m = stream.nextMessage(nowS);
    chunk += resp(m.channel, m.envelope);
    taskEvents += m.events;
  }
  for (let w = 0; w < shape.workers; w++) {
    if (now < (heartbeatDue[w] as number)) continue;
    heartbeatDue[w] = (heartbeatDue[w] as number) + HEARTBEAT_S * 1000;
    const m = stream.workerMessage(w, 'worker-heartbeat', nowS, Math.floor(taskEvents / eventsPerTask / shape.workers));
    chunk += resp(m.channel, m.envelope);
    published++;
  }
  if (chunk !== '') socket.write(chunk, 'latin1');
  if ((seconds > 0 && now - started >= seconds * 1000) || stopping) {
    clearInterval(timer);
    // Wait for the replies to the last commands, then say what was sent.
    socket.write('*1\r\n$4\r\nQUIT\r\n');
    socket.once('close', () => console.log(JSON.stringify({ published: published + taskEvents, tasks: Math.floor(taskEvents / eventsPerTask), unheard, seconds: (now - started) / 1000 })));
  }
}, TICK_MS);
// `seconds` 0 runs until SIGTERM (the query benchmark's background load).
process.on('SIGTERM', () => (stopping = true));
