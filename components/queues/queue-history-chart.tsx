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
  // One legend: each queue once, with its colour, its figures, and the switch that draws it.
  return (
    <>
      <TimeSeriesChart
        points={chartPoints(drawn)}
        series={drawn.map((q, i) => ({ key: `q${i}`, label: q.name, color: colour(i) }))}
        format={formatCount}
        integer
        legend={false}
        label={`Messages waiting per queue, ${stepLabel}`}
        testId="queue-history-chart"
      />
      <ul className={styles.legend} aria-label="Queues on the chart" data-testid="queue-history-legend">
        {history.queues.map((q) => {
          const on = selected.has(q.name);
          const full = !on && selected.size >= MAX_LINES;
          const last = q.points[q.points.length - 1];
          return (
            <li key={q.name} data-testid="queue-history-series" data-queue={q.name} data-drawn={on} data-readings={q.points.length}>
              <button
                type="button"
                className={styles.chip}
                aria-pressed={on}
                disabled={full}
                title={full ? `At most ${MAX_LINES} lines: deselect one first` : on ? 'Hide from the chart' : 'Draw on the chart'}
                onClick={() => toggle(q.name)}
              >
                <span className={styles.swatch} style={on ? { background: colourOf(q.name) } : undefined} aria-hidden="true" />
                <span className="mono">{q.name}</span>
              </button>{' '}
              <strong data-testid="queue-history-last">{last === undefined ? '—' : formatCount(last.messages)}</strong>
              <span className="muted" title={`${q.points.length} readings`}> now · peak {formatCount(peak(q))}</span>
            </li>
          );
        })}
      </ul>
    </>
  );
}
