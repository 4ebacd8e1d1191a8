import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StreamedJsonObject, writeJsonObject } from './streamed-json';

/** A client that takes each write on a later turn, with a small buffer, so that the writer meets backpressure. */
class SlowClient extends Writable {
  readonly chunks: Buffer[] = [];

  constructor(highWaterMark = 1024) {
    super({
      highWaterMark,
      write: (chunk: Buffer, _encoding, callback) => {
        this.chunks.push(Buffer.from(chunk));
        setTimeout(callback, 0);
      },
    });
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

const slowClient = () => new SlowClient();

const finished = (out: Writable) => new Promise<void>((resolve) => out.on('finish', resolve));

describe('writeJsonObject', () => {
  const awkward: [string, unknown][] = [
    ['plain', { a: 1, b: [true, null, 'x'] }],
    ['quote"and\\slash', 'line\nbreak \u2028 \u0000 é 漢 😀'],
    ['skipped', undefined],
    ['', -0],
    ['__proto__', { nested: { deep: [1.5e300, -2] } }],
    ['dated', new Date(0)],
  ];

  it('writes the bytes JSON.stringify gives for the same entries, undefined values left out', async () => {
    const out = slowClient();
    const done = finished(out);
    await writeJsonObject(out, new StreamedJsonObject(() => awkward));
    await done;
    expect(out.text()).toBe(JSON.stringify(Object.fromEntries(awkward)));
  });

  it('writes {} for no entries', async () => {
    const out = slowClient();
    const done = finished(out);
    await writeJsonObject(out, new StreamedJsonObject(() => []));
    await done;
    expect(out.text()).toBe('{}');
  });

  it('writes a large object in many chunks that wait for the reader, and the same bytes', async () => {
    const entries = Array.from({ length: 20_000 }, (_, i) => [crypto.randomUUID(), { i, args: `(${i},)`, kwargs: { row: i }, state: 'SUCCESS' }] as [string, unknown]);
    const out = slowClient();
    const done = finished(out);
    let drains = 0;
    out.on('drain', () => drains++);
    await writeJsonObject(out, new StreamedJsonObject(() => entries));
    await done;
    expect(out.text()).toBe(JSON.stringify(Object.fromEntries(entries)));
    expect(out.chunks.length).toBeGreaterThan(10);
    expect(drains).toBeGreaterThan(10);
  });

  it('stops serializing as soon as the client is gone', async () => {
    let produced = 0;
    function* many(): Generator<[string, unknown]> {
      for (let i = 0; i < 100_000; i++) {
        produced++;
        yield [String(i), 'x'.repeat(100)];
      }
    }
    const out = slowClient();
    out.once('drain', () => out.destroy());
    await writeJsonObject(out, new StreamedJsonObject(many));
    expect(produced).toBeLessThan(5_000);
  });

  it('gives up on a client that stops reading, and destroys its response', async () => {
    const stuck = new Writable({ highWaterMark: 1024, write: () => undefined });
    await writeJsonObject(stuck, new StreamedJsonObject(() => Array.from({ length: 5_000 }, (_, i) => [String(i), 'y'.repeat(100)] as [string, unknown])), { drainTimeoutMs: 50 });
    expect(stuck.destroyed).toBe(true);
  });
});
