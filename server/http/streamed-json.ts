/**
 * A JSON object sent entry by entry instead of built as one string: Flower's GET /api/tasks without a limit
 * is 56 MB at 100 000 tasks, and JSON.stringify of it held the event loop for a second and the memory of
 * the whole text per request. Written in chunks of about 64 KB that honour the socket's backpressure, with
 * a turn of the event loop between chunks, so that /healthcheck, Socket.IO and the pages keep answering.
 * The bytes are those JSON.stringify would give for the same entries.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Writable } from 'node:stream';

/** A route's body that is a JSON object of many entries; each value is serialized only when written. */
export class StreamedJsonObject {
  constructor(private readonly produce: () => Iterable<readonly [string, unknown]>) {}

  /** The entries, in order (a new pass each time). */
  entries(): Iterable<readonly [string, unknown]> {
    return this.produce();
  }
}

/** Characters per write: large enough that the writes cost little, small enough to interleave other requests. */
const CHUNK_CHARS = 64 * 1024;
/** A client that reads nothing for this long loses its response (and frees its slot for others). */
export const DRAIN_TIMEOUT_MS = 30_000;

type Flushed = 'written' | 'gone';

/** Waits for 'drain'; 'gone' when the client went away or stopped reading for too long (then the response is destroyed). */
function drained(out: Writable, timeoutMs: number): Promise<Flushed> {
  return new Promise((resolve) => {
    const done = (outcome: Flushed): void => {
      clearTimeout(timer);
      out.off('drain', onDrain);
      out.off('close', onClose);
      resolve(outcome);
    };
    const onDrain = (): void => done('written');
    const onClose = (): void => done('gone');
    const timer = setTimeout(() => {
      out.destroy();
      done('gone');
    }, timeoutMs);
    out.on('drain', onDrain);
    out.on('close', onClose);
  });
}

async function flush(out: Writable, text: string, timeoutMs: number): Promise<Flushed> {
  if (out.destroyed) return 'gone';
  if (!out.write(text) && (await drained(out, timeoutMs)) === 'gone') return 'gone';
  // Always a turn of the event loop, even after 'drain': a socket that takes each write at once drains
  // on the next tick, and chunk after chunk would then run without other requests getting a look in.
  await nextTurn();
  return out.destroyed ? 'gone' : 'written';
}

/**
 * Writes `{"key":value,...}` to `out` and ends it. Entries whose value JSON cannot represent (undefined)
 * are left out, as JSON.stringify leaves them out of an object. Resolves once written, or as soon as the
 * client is gone.
 */
export async function writeJsonObject(out: Writable, body: StreamedJsonObject, options: { drainTimeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = options.drainTimeoutMs ?? DRAIN_TIMEOUT_MS;
  let chunk = '{';
  let first = true;
  for (const [key, value] of body.entries()) {
    const text = JSON.stringify(value) as string | undefined;
    if (text === undefined) continue;
    chunk += `${first ? '' : ','}${JSON.stringify(key)}:${text}`;
    first = false;
    if (chunk.length < CHUNK_CHARS) continue;
    if ((await flush(out, chunk, timeoutMs)) === 'gone') return;
    chunk = '';
  }
  if (!out.destroyed) out.end(`${chunk}}`);
}
