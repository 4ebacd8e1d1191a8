/**
 * The header-table repair against amqplib's own frame reader: content header frames built byte by byte
 * as py-amqp writes them (`L` for big integers), fed to a real amqplib Connection.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { ChannelModel } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { installHeaderRepair, repairFirstFrame, repairHeaderTable, UNDECODABLE_HEADERS } from './amqp-header-repair';

// amqplib's package exports hide lib/; an absolute path reaches the same modules the package uses.
const require = createRequire(import.meta.url);
const amqplibDir = dirname(require.resolve('amqplib'));
const { Connection } = require(join(amqplibDir, 'lib/connection.js')) as {
  Connection: new (stream: PassThrough) => { recvFrame(): { fields?: { headers?: Record<string, unknown>; contentType?: string } } | false };
};

/** One field-table entry: key, type tag, value bytes. */
function entry(key: string, tag: string, value: Buffer): Buffer {
  return Buffer.concat([Buffer.of(key.length), Buffer.from(key), Buffer.from(tag), value]);
}
function int64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
}
function sized(bytes: Buffer): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(bytes.length);
  return Buffer.concat([b, bytes]);
}
function shortstr(s: string): Buffer {
  return Buffer.concat([Buffer.of(s.length), Buffer.from(s)]);
}

/** A basic content header frame on channel 1 with content-type, content-encoding and these header table bytes. */
function headerFrame(table: Buffer): Buffer {
  const flags = 0x8000 | 0x4000 | 0x2000 | 0x1000; // content type, encoding, headers, delivery mode
  const payload = Buffer.concat([
    Buffer.from([0, 60, 0, 0]), // class basic, weight 0
    int64(5n), // body size
    Buffer.from([flags >> 8, flags & 0xff]),
    shortstr('application/json'),
    shortstr('utf-8'),
    sized(table),
    Buffer.of(2), // delivery mode
  ]);
  const prefix = Buffer.from([2, 0, 1, 0, 0, 0, 0]);
  prefix.writeUInt32BE(payload.length, 3);
  return Buffer.concat([prefix, payload, Buffer.of(0xce)]);
}

const pyAmqpTable = Buffer.concat([
  entry('task', 'S', sized(Buffer.from('tasks.add'))),
  entry('big', 'L', int64(2n ** 40n)),
  entry('neg', 'L', int64(-(2n ** 40n))),
  entry('small', 'I', Buffer.from([0, 0, 0, 7])),
  entry('nested', 'F', sized(entry('deep', 'L', int64(-5n)))),
  entry('list', 'A', sized(Buffer.concat([Buffer.from('L'), int64(2n ** 33n), Buffer.from('U'), Buffer.from([0xff, 0xfe])]))),
  entry('none', 'V', Buffer.alloc(0)),
]);

function connectionFed(...chunks: Buffer[]) {
  const stream = new PassThrough();
  const connection = new Connection(stream);
  for (const chunk of chunks) stream.write(chunk);
  return connection;
}

describe('the py-amqp header repair', () => {
  it('amqplib alone cannot read a py-amqp big integer header (the bug this works around)', () => {
    const connection = connectionFed(headerFrame(pyAmqpTable));
    expect(() => connection.recvFrame()).toThrow(/Unexpected type tag "L"/);
  });

  it('reads L as signed 64-bit and U as signed 16-bit, nested in tables and arrays', () => {
    const connection = connectionFed(headerFrame(pyAmqpTable));
    expect(installHeaderRepair({ connection } as unknown as ChannelModel)).toBe(true);
    const frame = connection.recvFrame();
    expect(frame && frame.fields).toMatchObject({
      contentType: 'application/json',
      headers: { task: 'tasks.add', big: 2 ** 40, neg: -(2 ** 40), small: 7, nested: { deep: -5 }, list: [2 ** 33, -2], none: null },
    });
  });

  it('keeps the bytes after the repaired frame, and a frame split across reads', () => {
    const frame = headerFrame(pyAmqpTable);
    const heartbeat = Buffer.from([8, 0, 0, 0, 0, 0, 0, 0xce]);
    const connection = connectionFed(frame.subarray(0, 20));
    installHeaderRepair({ connection } as unknown as ChannelModel);
    expect(connection.recvFrame()).toBe(false); // incomplete: waits for more
    const stream = (connection as unknown as { stream: PassThrough }).stream;
    stream.write(Buffer.concat([frame.subarray(20), heartbeat]));
    expect(connection.recvFrame()).toMatchObject({ fields: { headers: { big: 2 ** 40 } } });
    expect(connection.recvFrame()).toMatchObject({ channel: 0 });
  });

  it('replaces a table it cannot read by one that says why, so the message still arrives', () => {
    const table = Buffer.concat([entry('ok', 'S', sized(Buffer.from('x'))), entry('odd', 'Q', Buffer.alloc(3))]);
    const connection = connectionFed(headerFrame(table));
    installHeaderRepair({ connection } as unknown as ChannelModel);
    const frame = connection.recvFrame();
    const headers = frame ? frame.fields?.headers : undefined;
    expect(Object.keys(headers ?? {})).toEqual([UNDECODABLE_HEADERS]);
    expect(headers?.[UNDECODABLE_HEADERS]).toMatch(/unknown field type "Q"/);
  });

  it('reports a table cut short', () => {
    const cut = entry('big', 'L', int64(1n)).subarray(0, 8);
    expect(repairHeaderTable(cut)?.toString()).toMatch(/cut short/);
  });

  it('leaves alone what needs no repair', () => {
    const table = Buffer.concat([entry('a', 'l', int64(3n)), entry('b', 'I', Buffer.from([0, 0, 0, 1]))]);
    expect(repairHeaderTable(table)).toBeNull();
    expect(repairFirstFrame(headerFrame(table))).toBeNull();
    expect(repairFirstFrame(Buffer.from([1, 0, 1, 0, 0, 0, 0, 0xce]))).toBeNull(); // a method frame
    expect(repairFirstFrame(headerFrame(pyAmqpTable).subarray(0, 30))).toBeNull(); // incomplete
  });

  it('does not hide errors it cannot repair', () => {
    const connection = connectionFed(Buffer.from([1, 0, 1, 0, 0, 0, 4, 0, 99, 0, 99, 0xce])); // unknown method 99.99
    installHeaderRepair({ connection } as unknown as ChannelModel);
    expect(() => connection.recvFrame()).toThrow();
  });
});
