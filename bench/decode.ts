/**
 * Decode throughput of the wire codecs on real captured traffic (test/fixtures/celery-5.2), one core:
 * the Redis envelope plus event decoding is the collector's hot path (shared/PERF.md puts Node's
 * ceiling at ~100 000 events/s per message, ~300 000 batched, with the full model on top).
 *
 *   npm run bench -- decode
 */
import { decodeEventMessage, decodeRedisEnvelope, decodeTaskMessage, parsePythonRepr } from '@/lib/celery';
import { captured } from '@/test/fixtures/celery-5.2/captures';

function measure(label: string, items: number, run: () => void, unit: string): void {
  for (let i = 0; i < 3; i++) run(); // warm up the JIT
  const rounds = 200;
  const started = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rate = (items * rounds) / seconds;
  console.log(`${label.padEnd(44)} ${Math.round(rate).toLocaleString('en-US').padStart(12)} ${unit}/s  ${((1e6 / rate)).toFixed(2)} µs each`);
}

const events = captured('redis', 'events').map((c) => (c.broker === 'redis' ? c.envelope : ''));
let eventCount = 0;
for (const envelope of events) {
  const message = decodeRedisEnvelope(envelope);
  if (message.ok) eventCount += decodeEventMessage(message.value).events.length;
}
measure(`Redis event messages (${events.length} msgs, ${eventCount} events)`, eventCount, () => {
  for (const envelope of events) {
    const message = decodeRedisEnvelope(envelope);
    if (message.ok) decodeEventMessage(message.value);
  }
}, 'events');

const tasks = captured('redis', 'task-messages').map((c) => (c.broker === 'redis' ? c.envelope : ''));
measure(`Redis task messages (${tasks.length})`, tasks.length, () => {
  for (const envelope of tasks) {
    const message = decodeRedisEnvelope(envelope);
    if (message.ok) decodeTaskMessage(message.value);
  }
}, 'messages');

const reprs = captured('redis', 'task-messages').flatMap((c) => {
  const message = decodeRedisEnvelope(c.broker === 'redis' ? c.envelope : '');
  const task = message.ok ? decodeTaskMessage(message.value) : null;
  return task?.ok ? [task.value.argsrepr ?? '', task.value.kwargsrepr ?? ''] : [];
});
measure(`argsrepr/kwargsrepr parses (${reprs.length})`, reprs.length, () => {
  for (const repr of reprs) parsePythonRepr(repr);
}, 'parses');
