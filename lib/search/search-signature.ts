/**
 * A task's searchable text in 32 bytes: a 256-bit Bloom filter of the bigrams (adjacent UTF-16 units) of
 * its name, worker, args, kwargs, result and exception, each lower-cased as search-match.ts lower-
 * cases it. A compiled search (`searchFilter`) tells from the signature alone, plus the task's state, that
 * a task certainly cannot match, so a search runs matchesTask only on the few tasks left.
 *
 * Why it holds: a needle found in a lower-cased field has each of its bigrams in that field, so each of
 * their bits is set. A task without one of those bits cannot hold the needle.
 *
 * The state is not in the signature: it changes with nearly every event, and a union cannot forget the
 * old one. The filter is given the state at test time instead. A uuid4 id is not in it either: its 36
 * characters were a fifth of the work of signing each task, and a free-text needle that could be part of
 * one (hex digits and dashes only) rules no task out instead. An id of other characters (Celery takes any
 * string as a task id) is signed as the other fields are (addId).
 *
 * A signature is a union that never forgets: a field's new value may be added without clearing the old
 * one. Stale bits only let more tasks through to matchesTask; they never lose a match. Rebuild a signature
 * (clear its words, add every field again) when it has gathered too many to be selective.
 */
import type { SearchableTask } from './search-match';
import type { SearchNode, SearchQuery } from './search-query';

/** Int32 words per signature (256 bits). */
export const SIGNATURE_WORDS = 8;

/** The fields a signature holds besides the id (addId): free text's fields but the state. */
export const SIGNATURE_FIELDS = ['name', 'worker', 'args', 'kwargs', 'result', 'exception'] as const satisfies readonly (keyof SearchableTask)[];

/** A needle or id that could be (part of) a uuid: hex digits and dashes, in either case. */
const ID_LIKE = /^[0-9a-fA-F-]+$/;

/**
 * Bit 0–255 of a bigram: two multiplicative rounds, so that small alphabets spread over the 256 bits (the
 * 289 bigrams of hex ids hit 181 bits; one round of Fibonacci hashing on `first << 16 | second`, 120).
 */
function bigramBit(first: number, second: number): number {
  return Math.imul((Math.imul(first, 0x9e3779b1) + second) | 0, 0x85ebca77) >>> 24;
}

function setBit(sig: Int32Array, offset: number, bit: number): void {
  const word = offset + (bit >>> 5);
  sig[word] = (sig[word] as number) | (1 << (bit & 31));
}

/** ASCII lower-cased by a table: a quarter faster than a compare and add per character. */
const ASCII_LOWER = Uint8Array.from({ length: 128 }, (_, code) => (code >= 65 && code <= 90 ? code + 32 : code));

/** ORs the bigrams of `text`, lower-cased as String.prototype.toLowerCase does, into the signature at `offset`. */
export function addText(sig: Int32Array, offset: number, text: string): void {
  const length = text.length;
  if (length === 0) return;
  let previous = text.charCodeAt(0);
  // Even alone: U+0130 lower-cases to two units, a bigram that `args:İ` looks for.
  if (previous >= 128) {
    addLowered(sig, offset, text.toLowerCase(), 0);
    return;
  }
  previous = ASCII_LOWER[previous] as number;
  for (let i = 1; i < length; i++) {
    let code = text.charCodeAt(i);
    if (code >= 128) {
      // Non-ASCII may lower-case to ASCII (U+212A KELVIN SIGN → k) or to two units (U+0130 → i + U+0307);
      // the ASCII before it lower-cases one to one, so the lowered string goes on from the same index.
      addLowered(sig, offset, text.toLowerCase(), i - 1);
      return;
    }
    code = ASCII_LOWER[code] as number;
    setBit(sig, offset, bigramBit(previous, code));
    previous = code;
  }
}

function addLowered(sig: Int32Array, offset: number, lower: string, from: number): void {
  for (let i = from + 1; i < lower.length; i++) setBit(sig, offset, bigramBit(lower.charCodeAt(i - 1), lower.charCodeAt(i)));
}

/** The bits of one text alone, to OR into signatures again and again (orBits): a name or hostname many tasks share. */
export function textBits(text: string): Int32Array {
  const bits = new Int32Array(SIGNATURE_WORDS);
  addText(bits, 0, text);
  return bits;
}

export function orBits(sig: Int32Array, offset: number, bits: Int32Array): void {
  for (let w = 0; w < SIGNATURE_WORDS; w++) sig[offset + w] = (sig[offset + w] as number) | (bits[w] as number);
}

/** Adds a task's id, unless it is made of hex digits and dashes only (a uuid), which needles of such characters never rule out. */
export function addId(sig: Int32Array, offset: number, id: string): void {
  if (!ID_LIKE.test(id)) addText(sig, offset, id);
}

/** Adds every field a signature holds (the id, SIGNATURE_FIELDS); missing fields add nothing. */
export function addTaskText(sig: Int32Array, offset: number, task: Pick<SearchableTask, 'uuid' | (typeof SIGNATURE_FIELDS)[number]>): void {
  addId(sig, offset, task.uuid);
  for (const field of SIGNATURE_FIELDS) {
    const text = task[field];
    if (text !== null) addText(sig, offset, text);
  }
}

/** The bits a needle's bigrams set; the needle is already lower-cased (search-parser.ts). */
function needleBits(needle: string): Int32Array {
  const bits = new Int32Array(SIGNATURE_WORDS);
  for (let i = 1; i < needle.length; i++) setBit(bits, 0, bigramBit(needle.charCodeAt(i - 1), needle.charCodeAt(i)));
  return bits;
}

/** The non-zero words of `bits` as pairs (word index, bits): a needle touches only some of the 8 words. */
function sparseMask(bits: Int32Array): Int32Array {
  const pairs: number[] = [];
  bits.forEach((word, w) => {
    if (word !== 0) pairs.push(w, word);
  });
  return Int32Array.from(pairs);
}

/** Whether the signature at `offset` has every bit of a sparse mask. */
function holdsMask(sig: Int32Array, offset: number, mask: Int32Array): boolean {
  for (let i = 0; i < mask.length; i += 2) {
    const m = mask[i + 1] as number;
    if (((sig[offset + (mask[i] as number)] as number) & m) !== m) return false;
  }
  return true;
}

export interface SearchFilter {
  /** False when the query can rule out no task (empty, kwargs:key=value, one-character needles): skip mayMatch. */
  readonly prunes: boolean;
  /**
   * False only when the task certainly does not match the query; true means "run matchesTask". `state`
   * is the task's state now, as matchesTask would read it.
   */
  mayMatch(sig: Int32Array, offset: number, state: string): boolean;
}

/** A compiled node, given the state lower-cased; null: any task may match it. */
type Check = ((sig: Int32Array, offset: number, state: string) => boolean) | null;

/** Compiles a parsed search once; the filter then costs a few word tests per task. */
export function searchFilter(query: SearchQuery): SearchFilter {
  const check = query.kind === 'all' ? null : compile(query);
  if (check === null) return { prunes: false, mayMatch: () => true };
  const lowered = new LowerStates();
  return { prunes: true, mayMatch: (sig, offset, state) => check(sig, offset, lowered.get(state)) };
}

function compile(node: SearchNode): Check {
  switch (node.kind) {
    case 'state': {
      const needle = node.needle;
      return (_sig, _offset, state) => state === needle;
    }
    // kwargs:key=value compares parsed pairs, whose text need not be in the repr: `{"\x6bey": 1}` holds
    // the key `key`, `{'it\'s': 1}` the key `it's`, and `k=(1,2)` finds `{'k': (1, 2)}`. Nothing safe to require.
    case 'kwarg':
      return null;
    case 'text': {
      const needle = node.needle;
      if (needle.length < 2) return null;
      const mask = sparseMask(needleBits(needle));
      // Free text also looks in the state and the uuid, which the signature does not hold.
      if (node.field === null) return ID_LIKE.test(needle) ? null : (sig, offset, state) => holdsMask(sig, offset, mask) || state.includes(needle);
      return (sig, offset) => holdsMask(sig, offset, mask);
    }
    case 'and':
      return compileAnd(node.children);
    case 'or': {
      const checks: Exclude<Check, null>[] = [];
      for (const child of node.children) {
        const check = compile(child);
        if (check === null) return null;
        checks.push(check);
      }
      return (sig, offset, state) => checks.some((check) => check(sig, offset, state));
    }
  }
}

/** Qualified text terms need all their bits: their masks merge into one test. */
function compileAnd(children: readonly SearchNode[]): Check {
  let merged: Int32Array | null = null;
  const checks: Exclude<Check, null>[] = [];
  for (const child of children) {
    if (child.kind === 'text' && child.field !== null && child.needle.length >= 2) {
      const bits = needleBits(child.needle);
      merged ??= new Int32Array(SIGNATURE_WORDS);
      for (let w = 0; w < SIGNATURE_WORDS; w++) merged[w] = (merged[w] as number) | (bits[w] as number);
      continue;
    }
    const check = compile(child);
    if (check !== null) checks.push(check);
  }
  if (merged !== null) {
    const mask = sparseMask(merged);
    checks.unshift((sig, offset) => holdsMask(sig, offset, mask));
  }
  if (checks.length === 0) return null;
  if (checks.length === 1) return checks[0] as Exclude<Check, null>;
  return (sig, offset, state) => checks.every((check) => check(sig, offset, state));
}

/** States lower-cased once each: a handful of distinct strings (bounded, in case a cluster sends many). */
class LowerStates {
  private readonly lower = new Map<string, string>();
  // Tasks in a row often share a state, and states are mostly the same few interned strings.
  private last = '';
  private lastLower = '';

  get(state: string): string {
    if (state === this.last) return this.lastLower;
    let text = this.lower.get(state);
    if (text === undefined) {
      text = state.toLowerCase();
      if (this.lower.size >= 64) this.lower.clear();
      this.lower.set(state, text);
    }
    this.last = state;
    this.lastLower = text;
    return text;
  }
}
