/**
 * Cost of the search signature (lib/search/search-signature.ts) on one core: addText on args reprs as
 * the query benchmark's stream writes them (up to 200 characters), the whole task's fields, and mayMatch
 * over `TASKS` (1 000 000) signatures for the rare word and a few other searches, with the share of tasks
 * it lets through to matchesTask. Printed, never asserted.
 *
 *   npm run bench -- search-signature
 */
import { parseTaskSearch } from '@/lib/search/search-parser';
import { addTaskText, addText, SIGNATURE_WORDS, searchFilter } from '@/lib/search/search-signature';
import { seeded } from '@/server/metrics/test-random';
import { argsRepr, RARE_WORD } from '@/test/fixtures/args-repr';
import { taskName, workerName } from './event-stream';

const TASKS = Number(process.env.TASKS ?? 1_000_000);
const rnd = seeded(17);

function uuid4(): string {
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(rnd() * 4)]}${hex(3)}-${hex(12)}`;
}

/** Nanoseconds per call of `run(i)` over `calls` calls, best of 5 rounds after a warm-up round. */
function nsPer(calls: number, run: (i: number) => void): number {
  let best = Infinity;
  for (let round = 0; round < 6; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) run(i);
    const ns = Number(process.hrtime.bigint() - started) / calls;
    if (round > 0) best = Math.min(best, ns);
  }
  return best;
}

const args = Array.from({ length: 10_000 }, (_, k) => argsRepr(k, 200, rnd));
const around150 = args.filter((a) => a.length >= 140 && a.length <= 160);
const scratch = new Int32Array(args.length * SIGNATURE_WORDS);
const mean = (texts: readonly string[]): number => texts.reduce((n, t) => n + t.length, 0) / texts.length;
console.log(`addText, args of ${mean(around150).toFixed(0)} chars (140–160): ${nsPer(1_000_000, (i) => addText(scratch, (i % around150.length) * SIGNATURE_WORDS, around150[i % around150.length] as string)).toFixed(0)} ns`);
console.log(`addText, args of ${mean(args).toFixed(0)} chars on average (up to 200): ${nsPer(1_000_000, (i) => addText(scratch, (i % args.length) * SIGNATURE_WORDS, args[i % args.length] as string)).toFixed(0)} ns`);
const accented = around150.map((a) => `${a.slice(0, 70)}é${a.slice(71)}`);
console.log(`addText, the same with one non-ASCII char (toLowerCase path): ${nsPer(1_000_000, (i) => addText(scratch, (i % accented.length) * SIGNATURE_WORDS, accented[i % accented.length] as string)).toFixed(0)} ns`);

const sigs = new Int32Array(TASKS * SIGNATURE_WORDS);
const states: string[] = new Array(TASKS);
let filled = 0;
const fillStarted = process.hrtime.bigint();
for (let k = 0; k < TASKS; k++) {
  const fails = rnd() < 0.05;
  const task = {
    uuid: uuid4(),
    name: taskName(Math.floor(rnd() * 200)),
    worker: workerName(k % 50),
    args: args[k % args.length] as string,
    kwargs: `{'priority': ${k % 10}, 'locale': 'en_US'}`,
    result: fails ? null : `{'status': 'done', 'id': ${k}}`,
    exception: fails ? `ValueError('invalid literal for int() with base 10: ${k % 9973}')` : null,
  };
  const t0 = process.hrtime.bigint();
  addTaskText(sigs, k * SIGNATURE_WORDS, task);
  filled += Number(process.hrtime.bigint() - t0);
  states[k] = fails ? 'FAILURE' : 'SUCCESS';
}
console.log(`addTaskText (uuid, name, worker, args, kwargs, result/exception): ${(filled / TASKS).toFixed(0)} ns per task (timer included); fill ${(Number(process.hrtime.bigint() - fillStarted) / 1e6).toFixed(0)} ms`);
console.log(`signatures: ${((sigs.byteLength / TASKS) | 0)} B per task, ${(sigs.byteLength / 2 ** 20).toFixed(1)} MiB for ${TASKS.toLocaleString('en-US')}`);

// argsRepr puts the rare word in the args of tasks k % 1000 === 500 only among the first 10 000 built.
// Two passes, the second printed: a server compiles many searches, so the JIT sees every shape, not one.
for (const pass of [1, 2]) for (const search of [RARE_WORD, `args:${RARE_WORD}`, 'customer', 'name:job_042 worker:worker-07', 'state:FAILURE zyzzogeton', 'zyzzogeton OR quokka', 'kwargs:priority=3']) {
  const parsed = parseTaskSearch(search);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const filter = searchFilter(parsed.query);
  let passed = 0;
  const ns = nsPer(TASKS, (k) => {
    if (filter.mayMatch(sigs, k * SIGNATURE_WORDS, states[k] as string)) passed++;
  });
  passed /= 6;
  if (pass === 2) console.log(`mayMatch ${JSON.stringify(search).padEnd(34)} ${ns.toFixed(1).padStart(5)} ns per task, ${((ns * TASKS) / 1e6).toFixed(1).padStart(6)} ms per ${TASKS.toLocaleString('en-US')}; passes ${((100 * passed) / TASKS).toFixed(3)} %${filter.prunes ? '' : ' (prunes nothing: callers skip it)'}`);
}
