/** The connection-state bookkeeping every transport shares: current state, listeners, transitions. */
import { type LinkState, LinkStatus } from './transport';

export class Link {
  private current: LinkState = { status: LinkStatus.Connecting, since: Date.now(), error: null, attempts: 0 };
  private readonly listeners = new Set<(state: LinkState) => void>();

  state(): LinkState {
    return this.current;
  }

  onChange(listener: (state: LinkState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(status: LinkStatus, error: string | null = null): void {
    const previous = this.current;
    if (previous.status === LinkStatus.Closed) return;
    const attempts = status === LinkStatus.Reconnecting ? previous.attempts + 1 : status === LinkStatus.Connected ? 0 : previous.attempts;
    const since = previous.status === status ? previous.since : Date.now();
    this.current = { status, since, error: error ?? (status === LinkStatus.Connected ? null : previous.error), attempts };
    for (const listener of this.listeners) {
      try {
        listener(this.current);
      } catch {
        // A listener's failure is its own; the transport goes on.
      }
    }
  }
}

/**
 * Why a caller that must not wait should not use the broker now, or null when it may: the link is being
 * re-established or closed, or a first connection has already failed. (A first connection still under
 * way, with no failure yet, is how every process starts: it is let through.)
 */
export function linkDown(link: LinkState): string | null {
  const down = link.status === LinkStatus.Reconnecting || link.status === LinkStatus.Closed || (link.status === LinkStatus.Connecting && link.error !== null);
  return down ? `the broker is ${link.status}${link.error ? ` (${link.error})` : ''}` : null;
}
