/**
 * The load for bench/ingest.ts, in its own process: publishes Celery 5.2's exact event wire format
 * (kombu envelope, base64 JSON body, `/0.celeryev/<routing key>`) at a fixed rate. Each simulated task
 * goes received → started → succeeded (5 % failed) on one of 8 workers, as a prefork worker sends them:
 * batched on task.multi (mode `batched`, up to 24 per message) or one event per message (`single`).
 * Prints {"published": events} when done.
 *
 *   node --import tsx bench/ingest-publisher.ts <redis url> <events per second> <seconds> <single|batched>
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { type CeleryEvent, decodeEventBody, encodeEventMessage, encodeRedisEnvelope, names } from '@/lib/celery';

const [url = 'redis://127.0.0.1:6379/0', rateText = '10000', secondsText = '10', mode = 'single'] = process.argv.slice(2);
const rate = Number(rateText);
const seconds = Number(secondsText);
const BATCH = mode === 'batched' ? 24 : 1;
const POOL_MESSAGES = 20_000;

function taskEvents(i: number): CeleryEvent[] {
  const uuid = randomUUID();
  const hostname = `celery@worker-${i % 8}`;
  const t = Date.now() / 1000;
  const common = { hostname, utcoffset: 0, pid: 100 + (i % 8), clock: i * 3 };
  return decodeEventBody([
    { ...common, type: 'task-received', uuid, name: 'tasks.add', args: `(${i}, ${i + 1})`, kwargs: '{}', root_id: uuid, parent_id: null, retries: 0, eta: null, expires: null, timestamp: t },
    { ...common, clock: i * 3 + 1, type: 'task-started', uuid, timestamp: t + 0.001 },
    i % 20 === 0
      ? { ...common, clock: i * 3 + 2, type: 'task-failed', uuid, exception: "ValueError('boom')", traceback: 'Traceback (most recent call last):\n  ...\nValueError: boom\n', timestamp: t + 0.01 }
      : { ...common, clock: i * 3 + 2, type: 'task-succeeded', uuid, result: String(2 * i + 1), runtime: 0.009, timestamp: t + 0.01 },
  ]).events;
}

// Pre-built messages, so that the generator spends its time publishing.
const pool: { channel: string; envelope: string }[] = [];
const pending: CeleryEvent[] = [];
for (let i = 0; pool.length < POOL_MESSAGES; i++) {
  pending.push(...taskEvents(i));
  while (pending.length >= BATCH && pool.length < POOL_MESSAGES) {
    const batch = pending.splice(0, BATCH);
    const { message, routingKey } = encodeEventMessage(BATCH === 1 ? (batch[0] as CeleryEvent) : batch, (batch[0] as CeleryEvent).hostname);
    pool.push({
      channel: names.redisFanoutChannel(names.EVENT_EXCHANGE, routingKey, { db: 0 }),
      envelope: encodeRedisEnvelope(message, { exchange: names.EVENT_EXCHANGE, routingKey }),
    });
  }
}

const redis = new Redis(url);
const TICK_MS = 10;
const messagesPerTick = rate / BATCH / (1000 / TICK_MS);
const started = Date.now();
let sent = 0;
let next = 0;
const timer = setInterval(() => {
  const due = Math.floor(((Date.now() - started) / TICK_MS) * messagesPerTick) - sent;
  if (due <= 0) return;
  const pipeline = redis.pipeline();
  for (let i = 0; i < due; i++) {
    const m = pool[next++ % pool.length] as { channel: string; envelope: string };
    pipeline.publish(m.channel, m.envelope);
  }
  sent += due;
  void pipeline.exec();
  if (Date.now() - started >= seconds * 1000) {
    clearInterval(timer);
    void redis.quit().then(() => console.log(JSON.stringify({ published: sent * BATCH })));
  }
}, TICK_MS);
