/**
 * A DDSketch as bytes, for the latency rollups history keeps (server/history): the library's protobuf
 * (toProto) writes every bin count as an 8-byte double, so a minute's sketch of ~300 bins would take
 * ~2.7 kB; this packs counts as varints, about a byte a bin, or (key gap, count) pairs when the bins are
 * mostly empty (a quiet minute).
 *
 * Layout: sum, min, max (f64, little-endian), then varints: count, zeroCount, layout (0 dense, 1 sparse),
 * first key (zigzag), and either the number of keys and the count of each key from the first (dense), or
 * the number of non-empty bins and for each its gap from the previous key and its count (sparse).
 * Sketches are only ever made with the same relative accuracy (sketch-ops.ts newSketch), which is
 * therefore not stored.
 */
import type { DDSketch } from '@datadog/sketches-js';
import { addSummary, newSketch } from './sketch-ops';

const FLOATS = 24;

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
  pushVarint(tail, Math.round(sketch.count));
  pushVarint(tail, Math.round(sketch.zeroCount));
  const bin = (key: number) => Math.round(store.bins[key - store.offset] ?? 0);
  if (store.count > 0) {
    const first = store.minKey;
    const range = store.maxKey - first + 1;
    let nonEmpty = 0;
    for (let key = first; key <= store.maxKey; key++) if (bin(key) > 0) nonEmpty++;
    const sparse = nonEmpty * 2 < range;
    pushVarint(tail, sparse ? 1 : 0);
    pushVarint(tail, first >= 0 ? first * 2 : -first * 2 - 1);
    pushVarint(tail, sparse ? nonEmpty : range);
    let previous = first;
    for (let key = first; key <= store.maxKey; key++) {
      const count = bin(key);
      if (!sparse) pushVarint(tail, count);
      else if (count > 0) {
        pushVarint(tail, key - previous);
        pushVarint(tail, count);
        previous = key;
      }
    }
  } else {
    tail.push(0, 0, 0);
  }
  const bytes = new Uint8Array(FLOATS + tail.length);
  const head = new DataView(bytes.buffer);
  [sketch.sum, sketch.min, sketch.max].forEach((value, i) => head.setFloat64(i * 8, value, true));
  bytes.set(tail, FLOATS);
  return bytes;
}

/** Adds the sketch `bytes` encode into `target` (same relative accuracy), as sketch-ops addSketch does. */
export function addEncoded(target: DDSketch, bytes: Uint8Array): void {
  const head = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = FLOATS;
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
  const count = varint();
  const zeroCount = varint();
  const sparse = varint() === 1;
  const zigzag = varint();
  let key = zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
  const n = varint();
  for (let i = 0; i < n; i++) {
    if (sparse) key += varint();
    const binCount = varint();
    if (binCount > 0) target.store.add(key, binCount);
    if (!sparse) key++;
  }
  if (count > 0) addSummary(target, count, zeroCount, head.getFloat64(0, true), head.getFloat64(8, true), head.getFloat64(16, true));
}

export function decodeSketch(bytes: Uint8Array, relativeAccuracy: number): DDSketch {
  const sketch = newSketch(relativeAccuracy);
  addEncoded(sketch, bytes);
  return sketch;
}
