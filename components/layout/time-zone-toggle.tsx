'use client';
import { useTimeFormat, useTimeZoneChoice, setTimeZoneChoice } from '../format/use-time-format';

/** Switches every time on the page between the browser's zone and UTC; the choice is remembered. */
export function TimeZoneToggle() {
  const choice = useTimeZoneChoice();
  const format = useTimeFormat();
  // Until hydrated the choice is unknown: the button shows no zone rather than a wrong one.
  const known = choice !== 'hydrating';
  const next = choice === 'utc' ? 'local' : 'utc';
  const now = known ? `Times are in ${choice === 'utc' ? 'UTC' : `local time (${format.zoneName()})`}` : 'Times';
  const switchTo = next === 'utc' ? 'Show times in UTC' : 'Show times in local time';
  return (
    <button
      type="button"
      className="button ghost"
      data-testid="time-zone-toggle"
      data-time-zone={known ? choice : undefined}
      aria-label={`${now}. ${switchTo}`}
      title={`${now}. ${switchTo}`}
      onClick={() => setTimeZoneChoice(next)}
    >
      <span aria-hidden="true">◷</span> {known ? (choice === 'utc' ? 'UTC' : 'Local') : '…'}
    </button>
  );
}
