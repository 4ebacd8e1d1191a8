/**
 * Prometheus' text exposition format, version 0.0.4 (prometheus.io "Exposition formats"): one
 * `# HELP` and `# TYPE` line per family, then one line per sample, `name{label="value",...} value`.
 *
 * Label values escape backslash, double quote and line feed (and spell out control characters, which the
 * format cannot carry: see escapeLabelValue); HELP text escapes backslash and line feed.
 * Values print as Go's ParseFloat reads them, with `+Inf`, `-Inf` and `NaN`. Label sets are passed as
 * text already escaped (`labels(...)`), so that a series can build its own once and reuse it at every
 * scrape.
 *
 * prom-client is not used: its registry formats only its own metric objects, and updating those the
 * way Flower does (`labels(...).inc()` per event) costs about 3 µs per event against 0.2 µs for
 * Pollen's arrays (bench/metrics-prometheus.ts), when the whole collector spends about 9 µs per event.
 * Pollen keeps the series in its own arrays and writes them here.
 */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

/**
 * Control characters other than line feed (C0, DEL, C1) and lone UTF-16 surrogates. The format has no
 * escape for them: a NUL or CR passed through raw splits or truncates lines in scrapers and log tools,
 * and a lone surrogate is not UTF-8 at all. Any producer names tasks and workers, so these do reach us.
 */
const UNPRINTABLE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNPRINTABLE_ALL = new RegExp(`${UNPRINTABLE.source}|\\\\`, 'g');
/** A value that already reads like one of our `\xHH` / `\uHHHH` spellings. */
const LOOKS_SPELLED = /\\[xu]/;

/**
 * A label value as the format's escapes allow (backslash, double quote, line feed), with what the format
 * cannot carry spelled out first: each unprintable character as the text `\xHH` (`\uHHHH` for a lone
 * surrogate), and each backslash doubled, so that no two task or worker names ever give the same series
 * (a series twice makes Prometheus refuse the whole scrape, so a clash would let any producer blind it).
 * Values with neither an unprintable character nor a backslash-x/u text are written exactly as they are,
 * so everyday names (and Flower's) keep their labels.
 */
export function escapeLabelValue(value: string): string {
  const spelled = UNPRINTABLE.test(value) || LOOKS_SPELLED.test(value) ? spellUnprintable(value) : value;
  return /[\\"\n]/.test(spelled) ? spelled.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : spelled;
}

function spellUnprintable(value: string): string {
  return value.replace(UNPRINTABLE_ALL, (c) => {
    if (c === '\\') return '\\\\';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/**
 * A bucket bound as Python's prometheus_client writes it (`1.0`, `0.005`, `+Inf`), so that `le` labels
 * match Flower's exactly and dashboards that select one bucket keep working.
 */
export function formatBound(bound: number): string {
  if (bound === Infinity) return '+Inf';
  return Number.isInteger(bound) ? bound.toFixed(1) : String(bound);
}

/** `name="value",...` (escaped), the text inside a sample's braces. Names must be valid label names. */
export function labels(pairs: Readonly<Record<string, string>>): string {
  let text = '';
  for (const name in pairs) {
    if (text !== '') text += ',';
    text += `${name}="${escapeLabelValue(pairs[name] as string)}"`;
  }
  return text;
}

/** Collects families and samples into one exposition text. */
export class Exposition {
  private readonly lines: string[] = [];

  family(name: string, type: MetricType, help: string): this {
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    return this;
  }

  /** One sample; `labelText` comes from labels() (or is '' for none). */
  sample(name: string, labelText: string, value: number): this {
    this.lines.push(labelText === '' ? `${name} ${formatValue(value)}` : `${name}{${labelText}} ${formatValue(value)}`);
    return this;
  }

  /** Cumulative buckets (`counts` per bound, not cumulative, +Inf last), then _sum and _count. */
  histogram(name: string, labelText: string, bounds: readonly string[], counts: ArrayLike<number>, sum: number): this {
    const prefix = labelText === '' ? '' : `${labelText},`;
    let cumulative = 0;
    for (let i = 0; i < bounds.length; i++) {
      cumulative += counts[i] as number;
      this.lines.push(`${name}_bucket{${prefix}le="${bounds[i] as string}"} ${formatValue(cumulative)}`);
    }
    this.sample(`${name}_sum`, labelText, sum);
    this.sample(`${name}_count`, labelText, cumulative);
    return this;
  }

  text(): string {
    return this.lines.length === 0 ? '' : `${this.lines.join('\n')}\n`;
  }
}
