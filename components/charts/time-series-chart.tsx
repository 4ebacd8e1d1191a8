'use client';
/**
 * A line chart over time (recharts), in the theme's colours. Points are `{t, <series key>: value}` with
 * `t` in epoch ms; a null value leaves a gap.
 */
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

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
  /** Shown over the chart area, for tests and screen readers. */
  readonly label: string;
  readonly testId?: string;
}

const timeOfDay = (t: number): string => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function TimeSeriesChart({ points, series, height = 220, format, label, testId }: TimeSeriesChartProps) {
  return (
    <div className="chart" style={{ height }} role="img" aria-label={label} data-testid={testId}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={points as { t: number }[]} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
          <XAxis dataKey="t" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={timeOfDay} stroke="var(--muted)" fontSize={12} minTickGap={40} />
          <YAxis stroke="var(--muted)" fontSize={12} width={56} allowDecimals tickFormatter={format ? (v: number) => format(v) : undefined} />
          <Tooltip
            labelFormatter={(t) => timeOfDay(Number(t))}
            formatter={(value) => (format && typeof value === 'number' ? format(value) : String(value))}
            contentStyle={{ background: 'var(--card)', border: '1px solid var(--border)', color: 'var(--fg)' }}
          />
          <Legend />
          {series.map((s) => (
            <Line key={s.key} dataKey={s.key} name={s.label} stroke={s.color} dot={false} isAnimationActive={false} strokeWidth={2} connectNulls={false} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
