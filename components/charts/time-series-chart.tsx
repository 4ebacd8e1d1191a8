'use client';
/**
 * A line chart over time (recharts), in the theme's colours. Points are `{t, <series key>: value}` with
 * `t` in epoch ms; a null value leaves a gap.
 */
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useTimeFormat } from '../format/use-time-format';
import { valueTicks } from './value-ticks';

export interface ChartSeries {
  readonly key: string;
  readonly label: string;
  /** A CSS colour; the theme's chart colours are var(--chart-1) … var(--chart-6). */
  readonly color: string;
}

export interface TimeSeriesChartProps {
  readonly points: readonly ({ readonly t: number } & Readonly<Record<string, number | null>>)[];
  readonly series: readonly ChartSeries[];
  readonly height?: number;
  /** Formats values on the axis and in the tooltip (e.g. "/s", seconds). */
  readonly format?: (value: number) => string;
  /** The values are whole numbers (counts): the axis shows whole ticks only. */
  readonly integer?: boolean;
  /** False when the caller draws its own legend beside the chart (one legend per chart, never two). */
  readonly legend?: boolean;
  /** Shown over the chart area, for tests and screen readers. */
  readonly label: string;
  readonly testId?: string;
}

/** The smallest and largest value drawn. */
function extent(points: TimeSeriesChartProps['points'], series: readonly ChartSeries[]): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const point of points) {
    for (const s of series) {
      const value = point[s.key];
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      if (value < min) min = value;
      if (value > max) max = value;
    }
  }
  return [min, max];
}

export function TimeSeriesChart({ points, series, height = 220, format, integer = false, legend = true, label, testId }: TimeSeriesChartProps) {
  // The time axis and the tooltip are in the zone the user chose; the tooltip names it.
  const time = useTimeFormat();
  const [min, max] = extent(points, series);
  const ticks = valueTicks(min, max, { integer, format });
  return (
    <div className="chart" style={{ height }} role="img" aria-label={label} data-testid={testId}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={points as { t: number }[]} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
          <XAxis dataKey="t" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={time.axisTime} stroke="var(--muted)" fontSize={12} minTickGap={40} />
          <YAxis stroke="var(--muted)" fontSize={12} width={56} ticks={ticks} domain={[ticks[0] ?? 0, ticks[ticks.length - 1] ?? 1]} allowDecimals={!integer} interval={0} tickFormatter={format ? (v: number) => format(v) : undefined} />
          <Tooltip
            labelFormatter={(t) => time.pointTime(Number(t))}
            formatter={(value) => (format && typeof value === 'number' ? format(value) : String(value))}
            contentStyle={{ background: 'var(--card)', border: '1px solid var(--border)', color: 'var(--fg)' }}
          />
          {legend && <Legend />}
          {series.map((s) => (
            <Line key={s.key} dataKey={s.key} name={s.label} stroke={s.color} dot={false} isAnimationActive={false} strokeWidth={2} connectNulls={false} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
