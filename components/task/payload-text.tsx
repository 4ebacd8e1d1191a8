'use client';
/**
 * A payload's text (a repr, JSON, an exception, a traceback) as much as is useful at once: its first
 * characters, then a "Show more" that reveals four times as many each time. Any producer writes these
 * texts, so a hostile one cannot make the page lay out or draw megabytes before the user asks for them.
 */
import { useMemo, useState } from 'react';
import { layoutRepr, plainText } from './repr-layout';

/** Enough for every ordinary argument list, result and traceback. */
export const FIRST_CHARS = 4000;

export function PayloadText({ text, layout = false, className, testId }: { text: string; layout?: boolean; className: string; testId?: string }) {
  const [limit, setLimit] = useState(FIRST_CHARS);
  const shown = useMemo(() => (layout ? layoutRepr(text, limit) : plainText(text, limit)), [text, layout, limit]);
  return (
    <>
      <pre className={className} data-testid={testId} data-cut={shown.cut ? 'true' : undefined}>
        {shown.text}
      </pre>
      {shown.cut && (
        <p className="row">
          <button type="button" className="button small" data-testid={testId === undefined ? undefined : `${testId}-more`} onClick={() => setLimit((n) => n * 4)}>
            Show more
          </button>
          <span className="muted">part of {text.length.toLocaleString('en')} characters</span>
        </p>
      )}
    </>
  );
}
