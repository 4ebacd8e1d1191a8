'use client';
/**
 * Why no control can be sent from the page now, whichever control: the server runs read-only, it asks
 * for authentication it was not given, or it has lost its broker. Shown in words beside each closed
 * control (touch screens show no tooltips), or once above a table of them.
 */
import { useSession } from '../api/use-session';
import { brokerDown } from '../live/broker-link';
import { useServerLink } from '../live/live-hooks';

export interface ControlsClosed {
  /** Until the session is known, controls wait closed, with no reason to give yet. */
  readonly loading: boolean;
  readonly reason: string | null;
}

export function useControlsClosed(): ControlsClosed {
  const { session, controlsEnabled, readOnly } = useSession();
  const link = useServerLink();
  if (session === null) return { loading: true, reason: null };
  if (readOnly) return { loading: false, reason: 'Controls are off: Pollen runs read-only' };
  if (!controlsEnabled) return { loading: false, reason: 'Controls are off until Pollen has authentication (--basic-auth or --api-tokens, or --unauthenticated-api)' };
  if (link.state === 'connected' && brokerDown(link.broker)) return { loading: false, reason: 'The broker is down: commands cannot reach the workers' };
  return { loading: false, reason: null };
}

/**
 * The reason once, above a table whose row controls leave it out (ConfirmAction's `sharedNotice`, given
 * the same `reason` for what closes them all besides the session, such as an offline worker).
 */
export function ControlsClosedNotice({ reason: own = null }: { reason?: string | null }) {
  const closed = useControlsClosed();
  const reason = closed.reason ?? own;
  if (reason === null) return null;
  return (
    <p className="control-reason" data-testid="controls-closed">
      {reason}
    </p>
  );
}
