import { argsRepr, RARE_WORD } from '@/test/fixtures/args-repr';
import { seeded } from '@/test/fixtures/seeded-random';
import { describe, expect, it } from 'vitest';
import { matchesTask, type SearchableTask } from './search-match';
import { parseTaskSearch } from './search-parser';
import type { SearchQuery } from './search-query';
import { addTaskText, addText, SIGNATURE_WORDS, searchFilter } from './search-signature';

function parse(search: string): SearchQuery {
  const parsed = parseTaskSearch(search);
  if (!parsed.ok) throw new Error(`${search}: ${parsed.error.message}`);
  return parsed.query;
}

const blank: SearchableTask = { uuid: '', name: null, state: 'PENDING', worker: null, args: null, kwargs: null, result: null, exception: null };
const task = (fields: Partial<SearchableTask>): SearchableTask => ({ ...blank, ...fields });

function signature(t: SearchableTask): Int32Array {
  const sig = new Int32Array(SIGNATURE_WORDS);
  addTaskText(sig, 0, t);
  return sig;
}

function mayMatch(search: string, t: SearchableTask): boolean {
  return searchFilter(parse(search)).mayMatch(signature(t), 0, t.state);
}

describe('addText', () => {
  it('sets one bit per distinct bigram, ignoring ASCII case, and only its own 8 words', () => {
    const sig = new Int32Array(3 * SIGNATURE_WORDS).fill(0x5a5a5a5a);
    sig.fill(0, SIGNATURE_WORDS, 2 * SIGNATURE_WORDS);
    addText(sig, SIGNATURE_WORDS, 'AbAb');
    const ones = (words: Int32Array): number => words.reduce((n, w) => n + popcount(w), 0);
    // ab, ba, ab: two distinct bigrams (the hash keeps these two apart).
    expect(ones(sig.subarray(SIGNATURE_WORDS, 2 * SIGNATURE_WORDS))).toBe(2);
    expect(sig.subarray(0, SIGNATURE_WORDS).every((w) => w === 0x5a5a5a5a)).toBe(true);
    expect(sig.subarray(2 * SIGNATURE_WORDS).every((w) => w === 0x5a5a5a5a)).toBe(true);
    const lower = new Int32Array(SIGNATURE_WORDS);
    addText(lower, 0, 'abab');
    expect([...lower]).toEqual([...sig.subarray(SIGNATURE_WORDS, 2 * SIGNATURE_WORDS)]);
  });

  it('adds nothing for text shorter than two characters once lower-cased', () => {
    const sig = new Int32Array(SIGNATURE_WORDS);
    addText(sig, 0, '');
    addText(sig, 0, 'A');
    addText(sig, 0, 'é');
    expect(sig.every((w) => w === 0)).toBe(true);
    // One character that lower-cases to two (i + U+0307) is a bigram: args:İ finds it.
    addText(sig, 0, 'İ');
    expect(sig.some((w) => w !== 0)).toBe(true);
    expect(mayMatch('args:İ', task({ args: 'İ' }))).toBe(true);
    expect(matchesTask(parse('args:İ'), task({ args: 'İ' }))).toBe(true);
  });

  it.each([
    // U+212A KELVIN SIGN lower-cases to ASCII k, U+0130 to two units (i + U+0307), Σ to ς at a word's end.
    ['KELVIN', 'kelvin'],
    ['\u212AB', 'kb'],
    ['xİy', 'xi\u0307y'],
    ['ΑΣ', 'ας'],
    ['ẞ-Straße', 'ß-straße'],
    ['A😀B', 'a😀b'],
  ])('lower-cases %j as toLowerCase does (%j)', (text, lower) => {
    expect(text.toLowerCase()).toBe(lower);
    const a = new Int32Array(SIGNATURE_WORDS);
    const b = new Int32Array(SIGNATURE_WORDS);
    addText(a, 0, text);
    addText(b, 0, lower);
    expect([...a]).toEqual([...b]);
  });
});

/** A uuid4 from a seeded generator. */
function uuid4(rnd: () => number): string {
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(rnd() * 4)]}${hex(3)}-${hex(12)}`;
}

function popcount(word: number): number {
  let n = 0;
  for (let w = word >>> 0; w !== 0; w &= w - 1) n++;
  return n;
}

describe('searchFilter', () => {
  const t = task({
    uuid: 'a1b2c3d4-0000-4000-8000-000000000001',
    name: 'tasks.Fetch',
    state: 'FAILURE',
    worker: 'celery@worker-a',
    args: "('customer-123', 'Straße', '\u212Aelvin')",
    kwargs: `{"\\x6bey": 'High', 'it\\'s': 1, 'k': (1, 2)}`,
    exception: "TimeoutError('connection timeout')",
  });

  it.each([
    // Free text: any field's bigrams, or the state (not in the signature).
    ['fetch', true],
    ['customer', true],
    ['zzyzx', false],
    ['failure', true],
    ['ailu', true],
    // The uuid is not in the signature: a needle that could be part of one rules nothing out.
    ['a1b2c3d4', true],
    ['4000-8000', true],
    ['deadbeef', true],
    ['name:deadbeef', false],
    ['deadbeefz', false],
    // Qualified text: that field's bigrams (here any field's: the signature is one union).
    ['name:fetch', true],
    ['name:zzyzx', false],
    ['args:kelvin', true],
    ['args:STRASSE', false],
    ['result:timeout', true],
    ['result:timeouts', false],
    // One character constrains nothing.
    ['args:z', true],
    ['name:q', true],
    // state: is exact, against the state given.
    ['state:failure', true],
    ['state:fail', false],
    ['state:SUCCESS', false],
    // kwargs:key=value never prunes: the pair's text need not be in the repr.
    ['kwargs:key=high', true],
    [`kwargs:"it's=1"`, true],
    ['kwargs:"k=(1,2)"', true],
    ['kwargs:nokey=zzz', true],
    ['kwargs:zzyzx', false],
    // AND: every child; OR: some child; a child that cannot prune makes an OR unable to.
    ['fetch customer', true],
    ['fetch zzyzx', false],
    ['zzyzx OR fetch', true],
    ['zzyzx OR qqqqq', false],
    ['zzyzx OR kwargs:x=1', true],
    ['(zzyzx OR state:failure) name:fetch', true],
    ['(zzyzx OR state:pending) name:fetch', false],
    ['name:fetch args:zzyzx', false],
  ])('%s → %s', (search, expected) => {
    expect(mayMatch(search, t)).toBe(expected);
    // The filter's answer is never "no" where matchesTask says yes.
    if (matchesTask(parse(search), t)) expect(expected).toBe(true);
  });

  it('lets kwargs:key=value through although the pair is not in the repr, because it matches', () => {
    const text = (t.kwargs ?? '').toLowerCase();
    for (const [search, pair] of [['kwargs:key=high', 'key'], [`kwargs:"it's=1"`, "it's"], ['kwargs:"k=(1,2)"', '(1,2)']] as const) {
      expect(text.includes(pair)).toBe(false);
      expect(matchesTask(parse(search), t)).toBe(true);
      expect(mayMatch(search, t)).toBe(true);
    }
  });

  it('keeps a free-text term for a task whose state holds it, whatever the signature', () => {
    const empty = new Int32Array(SIGNATURE_WORDS);
    const filter = searchFilter(parse('progress'));
    expect(filter.mayMatch(empty, 0, 'IN_PROGRESS')).toBe(true);
    expect(filter.mayMatch(empty, 0, 'In_Progress')).toBe(true);
    expect(filter.mayMatch(empty, 0, 'SUCCESS')).toBe(false);
    // A qualified term does not look at the state.
    expect(searchFilter(parse('name:progress')).mayMatch(empty, 0, 'IN_PROGRESS')).toBe(false);
  });

  it('reads the signature at the offset given', () => {
    const sigs = new Int32Array(3 * SIGNATURE_WORDS);
    addText(sigs, SIGNATURE_WORDS, 'tasks.fetch');
    const filter = searchFilter(parse('fetch'));
    expect([0, 1, 2].map((i) => filter.mayMatch(sigs, i * SIGNATURE_WORDS, 'SUCCESS'))).toEqual([false, true, false]);
  });

  it('keeps old values: adding a new value never drops a task the old one matched', () => {
    const sig = new Int32Array(SIGNATURE_WORDS);
    addText(sig, 0, "{'status': 'pending'}");
    addText(sig, 0, "{'status': 'done'}");
    const filter = searchFilter(parse('result:done'));
    expect(filter.mayMatch(sig, 0, 'SUCCESS')).toBe(true);
    expect(searchFilter(parse('result:pending')).mayMatch(sig, 0, 'SUCCESS')).toBe(true);
  });

  it.each([
    ['', false],
    ['kwargs:a=1', false],
    ['args:x', false],
    ['args:x OR name:abc', false],
    ['kwargs:a=1 OR state:x', false],
    ['state:SUCCESS', true],
    ['xyz', true],
    ['args:x name:abc', true],
    ['kwargs:a=1 xyz', true],
  ])('%j prunes: %s', (search, prunes) => {
    const filter = searchFilter(parse(search));
    expect(filter.prunes).toBe(prunes);
    if (!prunes) expect(filter.mayMatch(new Int32Array(SIGNATURE_WORDS), 0, 'Z')).toBe(true);
  });
});

/** Characters that lower-case oddly, or not at all, beside plain ASCII. */
const ODD = ['İ', '\u212A', 'ß', 'ẞ', 'Σ', 'ς', 'ſ', 'Ω', '\u2126', '😀', '\uD83D', 'é', 'É', '\u0307', 'Ǆ', 'ǅ'];
const ASCII = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.@\'",:{}()=[]';
const STATES = ['PENDING', 'SUCCESS', 'FAILURE', 'Progress', 'İN_PROGRESS', '\u212AELVIN', 'retry'];

describe('searchFilter never rules out a task that matches (randomized)', () => {
  const rnd = seeded(20261207);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;
  const text = (max: number): string => {
    let out = '';
    // Some one-character fields, half of them odd ones (İ alone lower-cases to two units).
    if (rnd() < 0.1) return rnd() < 0.5 ? pick(ODD) : pick([...ASCII]);
    const length = Math.floor(rnd() * max);
    for (let i = 0; i < length; i++) out += rnd() < 0.15 ? pick(ODD) : pick([...ASCII]);
    return out;
  };
  const kwargs = (): string => {
    const key = pick(["'key'", "'KEY'", "'k\u212Aey'", "'Straße'", '"\\x6bey"', "'it\\'s'", "'n'"]);
    const value = pick(["'High'", "'high'", '1', '1.0', 'None', '[1, 2]', '(1, 2)', "'İx'", "'a b'"]);
    return rnd() < 0.7 ? `{${key}: ${value}, 'x': 1}` : text(30);
  };
  const randomTask = (): SearchableTask => ({
    uuid: rnd() < 0.5 ? uuid4(rnd) : text(12),
    name: rnd() < 0.1 ? null : text(20),
    state: pick(STATES),
    worker: rnd() < 0.1 ? null : text(16),
    args: rnd() < 0.1 ? null : text(60),
    kwargs: rnd() < 0.1 ? null : kwargs(),
    result: rnd() < 0.5 ? null : text(20),
    exception: rnd() < 0.7 ? null : text(30),
  });
  /** A cut of one of the task's own fields (its state too), sometimes in other case. */
  const cut = (t: SearchableTask): string => {
    const source = pick([t.uuid, t.name, t.state, t.worker, t.args, t.kwargs, t.result, t.exception]) ?? text(6);
    const from = Math.floor(rnd() * source.length);
    const piece = source.slice(from, from + 1 + Math.floor(rnd() * 8));
    const r = rnd();
    return r < 0.2 ? piece.toUpperCase() : r < 0.4 ? piece.toLowerCase() : piece;
  };
  const quote = (value: string): string => `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  const term = (t: SearchableTask): string => {
    const r = rnd();
    if (r < 0.1) return `state:${quote(pick([t.state, t.state.toLowerCase(), pick(STATES), 'progress']))}`;
    if (r < 0.2) return `kwargs:${quote(`${pick(['key', 'KEY', 'n', 'x', 'straße', "it's"])}=${pick(['high', 'HIGH', '1', 'none', '[1,2]', '(1,2)', 'İx', 'a b'])}`)}`;
    const qualifier = r < 0.6 ? '' : `${pick(['name', 'args', 'worker', 'kwargs', 'result', 'NAME', 'Result'])}:`;
    return qualifier + quote(rnd() < 0.85 ? cut(t) : text(6));
  };
  const query = (t: SearchableTask, depth: number): string => {
    const parts = [term(t)];
    const more = Math.floor(rnd() * 3);
    for (let i = 0; i < more; i++) {
      parts.push(pick([' ', ' AND ', ' OR ']));
      parts.push(depth < 3 && rnd() < 0.3 ? `(${query(t, depth + 1)})` : term(t));
    }
    return parts.join('');
  };

  it('holds for 3 000 tasks × 40 queries, most of them cut from the tasks themselves', () => {
    const tasks = Array.from({ length: 3000 }, randomTask);
    const sigs = new Int32Array(tasks.length * SIGNATURE_WORDS);
    tasks.forEach((t, i) => addTaskText(sigs, i * SIGNATURE_WORDS, t));
    let parsed = 0;
    let matched = 0;
    let ruledOut = 0;
    // Matches that only a correct handling of the hard cases keeps.
    let nonAscii = 0;
    let byKwarg = 0;
    const misses: string[] = [];
    for (const [i, t] of tasks.entries()) {
      for (let q = 0; q < 40; q++) {
        // Half against this task's own cuts; half against another task's, which mostly do not match.
        const search = query(rnd() < 0.5 ? t : pick(tasks), 0);
        const result = parseTaskSearch(search);
        if (!result.ok) continue;
        parsed++;
        const may = searchFilter(result.query).mayMatch(sigs, i * SIGNATURE_WORDS, t.state);
        if (matchesTask(result.query, t)) {
          matched++;
          if (!may) misses.push(`${search} ⊨ ${JSON.stringify(t)}`);
          if (/[^\x00-\x7f]/.test(search)) nonAscii++;
          if (/kwargs:"[^"]*=/.test(search)) byKwarg++;
        } else if (!may) ruledOut++;
      }
    }
    expect(misses.slice(0, 5)).toEqual([]);
    // The test means something: many queries parse, many match, and the filter rules many out.
    expect(parsed).toBeGreaterThan(60_000);
    expect(matched).toBeGreaterThan(10_000);
    expect(ruledOut).toBeGreaterThan(25_000);
    expect(nonAscii).toBeGreaterThan(1_000);
    expect(byKwarg).toBeGreaterThan(100);
    console.log({ parsed, matched, ruledOut, nonAscii, byKwarg });
    // ~2 s alone; room for a machine shared with other work.
  }, 60_000);
});

describe('searchFilter selectivity on benchmark-like tasks', () => {
  // As bench/event-stream.ts builds them (test/fixtures/args-repr.ts), with the query benchmark's
  // shape: 200 task names, 50 workers, args up to 200 characters, 5 % failures.
  const benchTask = (k: number, rnd: () => number): SearchableTask => {
    const fails = rnd() < 0.05;
    const n = Math.floor(rnd() * 200);
    return {
      uuid: uuid4(rnd),
      name: `app${n % 10}.tasks.job_${String(n).padStart(3, '0')}`,
      state: fails ? 'FAILURE' : 'SUCCESS',
      worker: `celery@worker-${String(k % 50).padStart(2, '0')}`,
      args: argsRepr(k, 200, rnd),
      kwargs: `{'priority': ${k % 10}, 'locale': 'en_US'}`,
      result: fails ? null : `{'status': 'done', 'id': ${k}}`,
      exception: fails ? `ValueError('invalid literal for int() with base 10: ${k % 9973}')` : null,
    };
  };

  it('lets at most 1 % of 100 000 tasks through for a word in 0.1 % of args, and every task that holds it', () => {
    const rnd = seeded(17);
    const count = 100_000;
    const states: string[] = [];
    const holds: boolean[] = [];
    const sigs = new Int32Array(count * SIGNATURE_WORDS);
    for (let k = 0; k < count; k++) {
      const t = benchTask(k, rnd);
      addTaskText(sigs, k * SIGNATURE_WORDS, t);
      states.push(t.state);
      holds.push(matchesTask(parse(RARE_WORD), t));
    }
    const report: Record<string, string> = {};
    for (const search of [RARE_WORD, `args:${RARE_WORD}`, 'zyzzog']) {
      const filter = searchFilter(parse(search));
      let holding = 0;
      let kept = 0;
      let falseCandidates = 0;
      for (let k = 0; k < count; k++) {
        const may = filter.mayMatch(sigs, k * SIGNATURE_WORDS, states[k] as string);
        if (holds[k]) {
          holding++;
          if (may) kept++;
        } else if (may) falseCandidates++;
      }
      expect(holding).toBe(count / 1000);
      expect(kept).toBe(holding);
      expect(falseCandidates / count).toBeLessThanOrEqual(0.01);
      report[search] = `${((100 * falseCandidates) / count).toFixed(3)} % false candidates`;
    }
    console.log(report);
  }, 60_000);
});
