'use client';
/** How far back a page looks (15m, 1h, 24h), as a segmented control. */
export function RangePicker<R extends string>({ ranges, value, onChange, testId }: { ranges: readonly R[]; value: R; onChange: (range: R) => void; testId: string }) {
  return (
    <div className="segmented" role="group" aria-label="Time range" data-testid={testId}>
      {ranges.map((range) => (
        <button key={range} type="button" aria-pressed={range === value} onClick={() => onChange(range)} data-testid={`${testId}-${range}`}>
          {range}
        </button>
      ))}
    </div>
  );
}
