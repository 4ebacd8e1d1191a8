/**
 * Lets amqplib read the header tables that py-amqp writes (CELERY-WIRE.md §9).
 *
 * py-amqp, Celery's AMQP client, writes an integer header outside ±2^31 with field type `L` (signed
 * 64-bit, as in the AMQP 0-9-1 grammar). amqplib follows RabbitMQ's errata table instead, which has no
 * `L` (its signed 64-bit type is `l`), so it throws `Unexpected type tag "L"` while decoding the content
 * header, and that error closes the whole connection: every channel, every consumer, every
 * unacknowledged message. The message goes back to its queue and does the same to the next consumer, so
 * one user header such as `apply_async(headers={'n': 2**40})` keeps a worker offline for good.
 *
 * The repair runs only after amqplib has failed to decode a frame. If that frame is a content header
 * whose header table we can walk, its bytes are rewritten and amqplib decodes them again:
 *  - `L` (signed 64) becomes `l`, which amqplib reads as signed 64: same 8 bytes, same value
 *    (as a JS number, so exact up to 2^53);
 *  - `U` (signed 16, the other grammar-only integer type) becomes `s`, amqplib's signed 16;
 *  - a table with a field type nobody defines, or one cut short, is replaced by a table holding only
 *    UNDECODABLE_HEADERS (a text saying what was wrong), so that the message reaches its consumer, which
 *    reports it as malformed, instead of the connection dying.
 * Frames amqplib decodes are never touched.
 *
 * Where it hooks in: amqplib (2.3.1) binds its codec functions to module-local constants, so the codec
 * cannot be patched from outside. The hook is the connection's `recvFrame()` (lib/connection.js), which
 * takes the next frame from the start of `this.rest` and decodes it; the accept loop calls it as
 * `self.recvFrame()`. It is wrapped on each connection we open, not on the prototype, so other amqplib
 * users in the process are left alone. If a later amqplib changes that shape, the wrap is skipped
 * (installHeaderRepair returns false) and amqplib behaves as before; the unit test fails first.
 */
import type { ChannelModel } from 'amqplib';

/** The only header left on a message whose header table could not be read; its value says why. */
export const UNDECODABLE_HEADERS = 'x-pollen-undecodable-headers';

const FRAME_HEADER = 2;
const FRAME_END = 0xce;
/** type (1) + channel (2) + payload size (4) */
const FRAME_PREFIX = 7;
/** class id (2) + weight (2) + body size (8) + property flags (2) */
const CONTENT_HEADER_PREFIX = 14;
const CONTENT_TYPE_FLAG = 0x8000;
const CONTENT_ENCODING_FLAG = 0x4000;
const HEADERS_FLAG = 0x2000;

interface FrameReader {
  rest: Buffer;
  recvFrame(): unknown;
}

/** Wraps this connection's frame reader with the repair; false when amqplib's internals are not as expected. */
export function installHeaderRepair(model: ChannelModel): boolean {
  const reader = model.connection as unknown as Partial<FrameReader>;
  const original = reader.recvFrame;
  if (typeof original !== 'function' || !Buffer.isBuffer(reader.rest)) return false;
  (reader as FrameReader).recvFrame = function recvFrame(this: FrameReader): unknown {
    const before = this.rest;
    try {
      return original.call(this);
    } catch (err) {
      // The frame that failed is the one at the start of `before`. (When amqplib first had to read more
      // bytes, it called this wrapper again, and that inner call already tried to repair.)
      const repaired = repairFirstFrame(before);
      if (repaired === null) throw err;
      this.rest = repaired;
      return original.call(this);
    }
  };
  return true;
}

/**
 * `bytes` with its first frame's header table repaired (the bytes after that frame are kept), or null
 * when the first frame is not a complete content header with a header table that needs repair.
 */
export function repairFirstFrame(bytes: Buffer): Buffer | null {
  if (bytes.length < FRAME_PREFIX || bytes[0] !== FRAME_HEADER) return null;
  const end = FRAME_PREFIX + bytes.readUInt32BE(3);
  if (bytes.length <= end || bytes[end] !== FRAME_END) return null;
  const payload = bytes.subarray(FRAME_PREFIX, end);
  const table = locateHeaderTable(payload);
  if (table === null) return null;
  const replacement = repairHeaderTable(payload.subarray(table.start, table.end));
  if (replacement === null) return null;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(replacement.length);
  const newPayload = Buffer.concat([payload.subarray(0, table.start - 4), length, replacement, payload.subarray(table.end)]);
  const prefix = Buffer.from(bytes.subarray(0, FRAME_PREFIX));
  prefix.writeUInt32BE(newPayload.length, 3);
  return Buffer.concat([prefix, newPayload, Buffer.of(FRAME_END), bytes.subarray(end + 1)]);
}

/** Where the header table's bytes are in a content header payload (after its 4-byte length). */
function locateHeaderTable(payload: Buffer): { start: number; end: number } | null {
  if (payload.length < CONTENT_HEADER_PREFIX) return null;
  const flags = payload.readUInt16BE(12);
  if (!(flags & HEADERS_FLAG)) return null;
  let at = CONTENT_HEADER_PREFIX;
  // content-type and content-encoding (short strings) come first.
  for (const flag of [CONTENT_TYPE_FLAG, CONTENT_ENCODING_FLAG]) {
    if (!(flags & flag)) continue;
    if (at >= payload.length) return null;
    at += 1 + (payload[at] as number);
  }
  if (at + 4 > payload.length) return null;
  const start = at + 4;
  const end = start + payload.readUInt32BE(at);
  return end <= payload.length ? { start, end } : null;
}

/**
 * A field table (without its length) rewritten so amqplib reads it: `L`→`l` and `U`→`s` in place, or
 * the UNDECODABLE_HEADERS table when it cannot be read. Null when there is nothing to repair.
 */
export function repairHeaderTable(table: Uint8Array): Buffer | null {
  const copy = Buffer.from(table);
  const walker = new TableWalker(copy);
  try {
    walker.table(0, copy.length);
  } catch (err) {
    if (err instanceof Undecodable) return undecodableTable(err.message);
    throw err;
  }
  return walker.rewrites > 0 ? copy : null;
}

class Undecodable extends Error {}

const FIXED_SIZES: Readonly<Record<string, number>> = {
  t: 1, b: 1, B: 1, // boolean, signed / unsigned 8
  s: 2, u: 2, // 16-bit (errata)
  I: 4, i: 4, f: 4, // 32-bit, float
  D: 5, // decimal: scale (1) + value (4)
  d: 8, l: 8, T: 8, // double, signed 64 (errata), timestamp
  V: 0, // void
};

/** Types only the AMQP grammar defines, and the errata type amqplib reads the same bytes as. */
const GRAMMAR_TYPES: Readonly<Record<string, { as: string; size: number }>> = {
  L: { as: 'l', size: 8 },
  U: { as: 's', size: 2 },
};

/** Walks a field table the way amqplib reads one, rewriting grammar-only type tags in place. */
class TableWalker {
  rewrites = 0;

  constructor(private readonly bytes: Buffer) {}

  table(at: number, end: number): void {
    while (at < end) {
      at += 1 + this.byte(at, end); // key: short string
      at = this.value(at, end);
    }
  }

  private array(at: number, end: number): void {
    while (at < end) at = this.value(at, end);
  }

  /** Returns the offset after the value that starts at `at`. */
  private value(at: number, end: number): number {
    const tag = String.fromCharCode(this.byte(at, end));
    const grammar = GRAMMAR_TYPES[tag];
    if (grammar) {
      this.bytes[at] = grammar.as.charCodeAt(0);
      this.rewrites++;
      return this.skip(at + 1, grammar.size, end);
    }
    const size = FIXED_SIZES[tag];
    if (size !== undefined) return this.skip(at + 1, size, end);
    if (tag === 'S' || tag === 'x' || tag === 'F' || tag === 'A') {
      const start = this.skip(at + 1, 4, end);
      const stop = this.skip(start, this.bytes.readUInt32BE(at + 1), end);
      if (tag === 'F') this.table(start, stop);
      if (tag === 'A') this.array(start, stop);
      return stop;
    }
    throw new Undecodable(`unknown field type ${JSON.stringify(tag)} at byte ${at} of the header table`);
  }

  private byte(at: number, end: number): number {
    if (at >= end) throw new Undecodable(`header table cut short at byte ${at}`);
    return this.bytes[at] as number;
  }

  private skip(at: number, size: number, end: number): number {
    if (at + size > end) throw new Undecodable(`header table cut short at byte ${at}`);
    return at + size;
  }
}

function undecodableTable(reason: string): Buffer {
  const key = Buffer.from(UNDECODABLE_HEADERS);
  const text = Buffer.from(reason);
  const table = Buffer.alloc(1 + key.length + 1 + 4 + text.length);
  let at = table.writeUInt8(key.length, 0);
  at += key.copy(table, at);
  at = table.writeUInt8('S'.charCodeAt(0), at);
  at = table.writeUInt32BE(text.length, at);
  text.copy(table, at);
  return table;
}
