/**
 * A small inline line of values, drawn as one SVG path: a table of task types can hold dozens without
 * the weight of a charting library per row.
 */
export function Sparkline({ values, width = 96, height = 22, label }: { values: readonly number[]; width?: number; height?: number; label: string }) {
  if (values.length < 2) return <svg width={width} height={height} role="img" aria-label={label} />;
  const max = Math.max(...values, 1);
  const step = width / (values.length - 1);
  const y = (v: number) => (height - 2 - (v / max) * (height - 4)).toFixed(1);
  const path = values.map((v, i) => `${i === 0 ? 'M' : 'L'}${(i * step).toFixed(1)},${y(v)}`).join(' ');
  return (
    <svg width={width} height={height} role="img" aria-label={label} viewBox={`0 0 ${width} ${height}`}>
      <path d={path} fill="none" stroke="var(--chart-1)" strokeWidth={1.5} />
    </svg>
  );
}
