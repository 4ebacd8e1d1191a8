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
