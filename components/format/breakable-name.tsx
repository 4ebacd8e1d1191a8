/**
 * A dotted Celery name or a worker's hostname with line-break opportunities after its separators
 * (`emails.<wbr>send`, `celery@<wbr>ip-10-0-0-1.<wbr>ec2…`), so that a narrow column wraps it between words rather
 * than letter by letter. Where `white-space: nowrap` holds it on one line, nothing changes.
 */
import { Fragment } from 'react';

export function BreakableName({ name }: { name: string }) {
  const parts = name.split(/(?<=[.@/:])/);
  return (
    <>
      {parts.map((part, i) => (
        <Fragment key={i}>
          {i > 0 && <wbr />}
          {part}
        </Fragment>
      ))}
    </>
  );
}
