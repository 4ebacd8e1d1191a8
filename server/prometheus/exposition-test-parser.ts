/**
 * For tests: a strict reader of the text exposition format 0.0.4, written from the grammar side so that
 * it checks the writer rather than mirroring it. It throws on any line Prometheus would reject (bad
 * names, unquoted or badly escaped label values, duplicate label names, values that are not floats) and
 * on rules a scraper relies on: HELP/TYPE once per family and before its samples, samples named after
 * their family, no series twice, histogram buckets cumulative and ending in +Inf = _count.
 *
 * (The npm parser we tried, parse-prometheus-text-format 1.1.1, merges every labelled histogram series
 * into one, so it cannot check these.)
 */

export interface ParsedSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface ParsedFamily {
  readonly name: string;
  readonly type: string;
  readonly help: string;
  readonly samples: ParsedSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string, line: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value '${text}' in: ${line}`);
  return Number(text);
}

/** `{a="x",b="y"}` from position `at` (just after the name); returns the labels and the end position. */
function parseLabels(line: string, at: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = at + 1;
  while (line[i] !== '}') {
    const eq = line.indexOf('=', i);
    if (eq < 0) throw new Error(`label without '=' in: ${line}`);
    const name = line.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`bad label name '${name}' in: ${line}`);
    if (name in labels) throw new Error(`label '${name}' twice in: ${line}`);
    if (line[eq + 1] !== '"') throw new Error(`unquoted label value in: ${line}`);
    let value = '';
    let j = eq + 2;
    for (;;) {
      const c = line[j];
      if (c === undefined) throw new Error(`unterminated label value in: ${line}`);
      if (c === '"') break;
      if (c === '\\') {
        const next = line[j + 1];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else throw new Error(`bad escape '\\${next ?? ''}' in: ${line}`);
        j += 2;
        continue;
      }
      // The format carries any UTF-8 here, but a raw control character (NUL, CR, tab...) breaks the
      // line-oriented tools around scrapes, and a lone surrogate is no UTF-8: Pollen must never write one.
      if (/[\u0000-\u001f\u007f-\u009f]/.test(c) || isLoneSurrogate(line, j)) throw new Error(`raw control character U+${c.charCodeAt(0).toString(16).padStart(4, '0')} in a label value: ${JSON.stringify(line)}`);
      value += c;
      j++;
    }
    labels[name] = value;
    i = j + 1;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') throw new Error(`expected ',' or '}' in: ${line}`);
  }
  return { labels, end: i + 1 };
}

function isLoneSurrogate(text: string, at: number): boolean {
  const code = text.charCodeAt(at);
  if (code >= 0xd800 && code <= 0xdbff) {
    const next = text.charCodeAt(at + 1);
    return !(next >= 0xdc00 && next <= 0xdfff);
  }
  if (code >= 0xdc00 && code <= 0xdfff) {
    const previous = text.charCodeAt(at - 1);
    return !(previous >= 0xd800 && previous <= 0xdbff);
  }
  return false;
}

function unescapeHelp(text: string, line: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = text[++i];
    if (next === '\\') out += '\\';
    else if (next === 'n') out += '\n';
    else throw new Error(`bad escape in HELP: ${line}`);
  }
  return out;
}

function familyOf(sample: string, families: Map<string, ParsedFamily>): ParsedFamily | undefined {
  const own = families.get(sample);
  if (own) return own;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sample.endsWith(suffix)) continue;
    const family = families.get(sample.slice(0, -suffix.length));
    if (family && (family.type === 'histogram' || (family.type === 'summary' && suffix !== '_bucket'))) return family;
  }
  return undefined;
}

export function parseExposition(text: string): Map<string, ParsedFamily> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('exposition must end with a line feed');
  const families = new Map<string, ParsedFamily>();
  const helps = new Set<string>();
  const seen = new Set<string>();
  for (const line of text.split('\n').slice(0, -1)) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
      const family = families.get(name);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`bad type in: ${line}`);
        if (family && family.samples.length > 0) throw new Error(`TYPE after samples in: ${line}`);
        if (family && family.type !== 'untyped') throw new Error(`TYPE twice for ${name}`);
        families.set(name, { name, type: rest, help: family?.help ?? '', samples: family?.samples ?? [] });
      } else {
        if (helps.has(name)) throw new Error(`HELP twice for ${name}`);
        helps.add(name);
        families.set(name, { name, type: family?.type ?? 'untyped', help: unescapeHelp(rest, line), samples: family?.samples ?? [] });
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const nameEnd = line.search(/[{ ]/);
    const name = nameEnd < 0 ? line : line.slice(0, nameEnd);
    if (!NAME.test(name)) throw new Error(`bad sample name in: ${line}`);
    let labels: Record<string, string> = {};
    let rest = line.slice(nameEnd);
    if (line[nameEnd] === '{') {
      const parsed = parseLabels(line, nameEnd);
      labels = parsed.labels;
      rest = line.slice(parsed.end);
    }
    const parts = rest.trim().split(/ +/);
    if (!rest.startsWith(' ') || parts.length < 1 || parts.length > 2) throw new Error(`bad sample line: ${line}`);
    const value = parseValue(parts[0] as string, line);
    const family = familyOf(name, families);
    if (!family) throw new Error(`sample without a TYPE for its family: ${line}`);
    const key = `${name}{${Object.entries(labels).sort().map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
    if (seen.has(key)) throw new Error(`series twice: ${key}`);
    seen.add(key);
    family.samples.push({ name, labels, value });
  }
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

function checkHistogram(family: ParsedFamily): void {
  const series = new Map<string, { buckets: [number, number][]; count?: number }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (sample.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${sample.name} without le`);
      entry.buckets.push([parseValue(le, le), sample.value]);
    } else if (sample.name.endsWith('_count')) {
      entry.count = sample.value;
    }
  }
  for (const [key, { buckets, count }] of series) {
    const last = buckets[buckets.length - 1];
    if (!last || last[0] !== Infinity) throw new Error(`${family.name}${key}: no +Inf bucket`);
    for (let i = 1; i < buckets.length; i++) {
      const [bound, value] = buckets[i] as [number, number];
      const [prevBound, prevValue] = buckets[i - 1] as [number, number];
      if (bound <= prevBound || value < prevValue) throw new Error(`${family.name}${key}: buckets not ascending and cumulative`);
    }
    if (count !== last[1]) throw new Error(`${family.name}${key}: +Inf bucket ${last[1]} is not _count ${String(count)}`);
  }
}

/** The value of the one sample of `family` named `name` whose labels include `labels`; undefined if none. */
export function sampleValue(families: Map<string, ParsedFamily>, family: string, labels: Readonly<Record<string, string>>, name = family): number | undefined {
  const samples = families.get(family)?.samples ?? [];
  const match = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (match.length > 1) throw new Error(`${match.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return match[0]?.value;
}
