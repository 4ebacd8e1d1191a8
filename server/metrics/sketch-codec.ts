/**
 * A DDSketch as bytes, for the latency rollups history keeps (server/history): the library's protobuf
 * (toProto) writes every bin count as an 8-byte double, so a typical minute's sketch of ~100 bins would be
 * ~1 kB; this packs counts as varints, about 1–2 bytes a bin.
 *
 * Layout (little-endian): count f64, zeroCount f64, sum f64, min f64, max f64, first key (zigzag varint),
 * number of keys (varint), then the counts of keys first, first + 1, … (varints, 0 for an empty bin).
 * Sketches are only ever made with the same relative accuracy (sketch-ops.ts newSketch), which is
 * therefore not stored.
 */
import type { DDSketch } from '@datadog/sketches-js';
import { addSummary, newSketch } from './sketch-ops';

const HEADER = 40;

function pushVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

export function encodeSketch(sketch: DDSketch): Uint8Array {
  const store = sketch.store;
  const tail: number[] = [];
  if (store.count > 0) {
    const first = store.minKey;
    pushVarint(tail, first >= 0 ? first * 2 : -first * 2 - 1);
    pushVarint(tail, store.maxKey - first + 1);
    for (let key = first; key <= store.maxKey; key++) pushVarint(tail, Math.round(store.bins[key - store.offset] ?? 0));
  } else {
    tail.push(0, 0);
  }
  const bytes = new Uint8Array(HEADER + tail.length);
  const head = new DataView(bytes.buffer);
  [sketch.count, sketch.zeroCount, sketch.sum, sketch.min, sketch.max].forEach((value, i) => head.setFloat64(i * 8, value, true));
  bytes.set(tail, HEADER);
  return bytes;
}

/** Adds the sketch `bytes` encode into `target` (same relative accuracy), as sketch-ops addSketch does. */
export function addEncoded(target: DDSketch, bytes: Uint8Array): void {
  const head = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = HEADER;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = bytes[pos++] as number;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
  };
  const zigzag = varint();
  const first = zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
  const keys = varint();
  for (let k = 0; k < keys; k++) {
    const count = varint();
    if (count > 0) target.store.add(first + k, count);
  }
  const at = (i: number) => head.getFloat64(i * 8, true);
  if (at(0) > 0) addSummary(target, at(0), at(1), at(2), at(3), at(4));
}

export function decodeSketch(bytes: Uint8Array, relativeAccuracy: number): DDSketch {
  const sketch = newSketch(relativeAccuracy);
  addEncoded(sketch, bytes);
  return sketch;
}
