'use client';
/**
 * Messages waiting per queue over time, one line per queue. The chart has six colours: with more queues
 * the busiest six are drawn first and the others can be swapped in.
 */
import { useState } from 'react';
import type { QueueHistoryResponse } from '@/lib/api/queues';
import { TimeSeriesChart } from '../charts/time-series-chart';
import { formatCount } from '../format/format-values';
import styles from './queues.module.css';

const MAX_LINES = 6;
const colour = (i: number) => `var(--chart-${(i % MAX_LINES) + 1})`;

type HistoryQueue = QueueHistoryResponse['queues'][number];

const peak = (q: HistoryQueue) => q.points.reduce((m, p) => Math.max(m, p.max), 0);

/** Points keyed by position, not name: recharts reads a dot in a key as a path (`celery.high`). */
type ChartPoint = { t: number } & Record<string, number | null>;

function chartPoints(queues: readonly HistoryQueue[]): ChartPoint[] {
  const byTime = new Map<number, ChartPoint>();
  queues.forEach((q, i) => {
    for (const p of q.points) {
      const point: ChartPoint = byTime.get(p.t) ?? { t: p.t };
      point[`q${i}`] = p.messages;
      byTime.set(p.t, point);
    }
  });
  return [...byTime.values()].sort((a, b) => a.t - b.t);
}

export function QueueHistoryChart({ history }: { history: QueueHistoryResponse }) {
  const [picked, setPicked] = useState<ReadonlySet<string> | null>(null);
  const busiest = [...history.queues].sort((a, b) => peak(b) - peak(a) || (a.name < b.name ? -1 : 1));
  const selected = picked ?? new Set(busiest.slice(0, MAX_LINES).map((q) => q.name));
  const drawn = history.queues.filter((q) => selected.has(q.name));
  const toggle = (name: string) => {
    const next = new Set(selected);
    if (next.has(name)) next.delete(name);
    else if (next.size < MAX_LINES) next.add(name);
    setPicked(next);
  };
  const colourOf = (name: string) => colour(drawn.findIndex((q) => q.name === name));
  const stepLabel = history.step >= 60_000 ? 'last reading of each minute' : `every ${history.step / 1000} s`;

  if (history.queues.length === 0) return <p className="empty">No readings yet: the sampler reads the known queues every 5 s.</p>;
  return (
    <>
      {history.queues.length > 1 && (
        <div className={styles.chips} role="group" aria-label="Queues on the chart" data-testid="queue-history-picker">
          {history.queues.map((q) => {
            const on = selected.has(q.name);
            return (
              <button
                key={q.name}
                type="button"
                className={styles.chip}
                aria-pressed={on}
                disabled={!on && selected.size >= MAX_LINES}
                title={!on && selected.size >= MAX_LINES ? `At most ${MAX_LINES} lines: deselect one first` : undefined}
                onClick={() => toggle(q.name)}
              >
                {on && <span className={styles.swatch} style={{ background: colourOf(q.name) }} aria-hidden="true" />}
                {q.name}
              </button>
            );
          })}
        </div>
      )}
      <TimeSeriesChart
        points={chartPoints(drawn)}
        series={drawn.map((q, i) => ({ key: `q${i}`, label: q.name, color: colour(i) }))}
        format={(v) => formatCount(Math.round(v))}
        label={`Messages waiting per queue, ${stepLabel}`}
        testId="queue-history-chart"
      />
      <ul className={styles.latest} data-testid="queue-history-latest">
        {drawn.map((q) => {
          const last = q.points[q.points.length - 1];
          return (
            <li key={q.name} data-testid="queue-history-series" data-queue={q.name} data-readings={q.points.length}>
              <span className={styles.swatch} style={{ background: colourOf(q.name) }} aria-hidden="true" /> <span className="mono">{q.name}</span>: <strong data-testid="queue-history-last">{last === undefined ? '—' : formatCount(last.messages)}</strong>
              <span className="muted"> now · peak {formatCount(peak(q))} · {q.points.length} readings</span>
            </li>
          );
        })}
      </ul>
    </>
  );
}
