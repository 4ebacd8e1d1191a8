/**
 * What the broker link tells a person reading the log. A transport has several connections (the event
 * subscriber, publishing, commands, one per consumer and reply queue), each reporting up and down, and
 * reconnects every 1.5 s at most: told one by one, a short outage filled the log. So:
 * - "broker connected" once, when the first connection is up, naming the broker;
 * - a broker that cannot be reached at start: one WARN, then the line above when it is reached;
 * - an outage of a link that was up: one WARN when it starts and one INFO with its length when it ends,
 *   told by the event stream (Collector: `interrupted`, then `gap`), the outage Pollen's pages show;
 * - every other change, each reconnection attempt among them, at debug.
 */
import type { LinkState, StreamGap } from '@/lib/broker';
import type { Logger } from '@/lib/runtime/logger';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export class LinkLog {
  private connected = false;
  /** When a first connection failed (Unix ms), until one succeeds. */
  private unreachableSince: number | null = null;

  constructor(
    private readonly log: Logger,
    private readonly broker: string,
  ) {}

  change(link: LinkState): void {
    this.log.debug({ link: link.status, error: link.error, attempts: link.attempts }, `broker ${link.status}`);
    if (this.connected) return;
    if (link.status === 'connected') {
      this.connected = true;
      const waited = this.unreachableSince === null ? '' : `, after trying for ${seconds(Date.now() - this.unreachableSince)}`;
      this.log.info({ broker: this.broker }, `broker connected: ${this.broker}${waited}`);
    } else if (link.status === 'connecting' && link.error !== null && this.unreachableSince === null) {
      this.unreachableSince = Date.now();
      this.log.warn({ broker: this.broker, error: link.error }, `cannot reach the broker ${this.broker} (${link.error}); trying again until it answers`);
    }
  }

  /** The event stream is cut: an outage begins. */
  cut(since: number, reason: string, revived: readonly string[]): void {
    this.log.warn(
      { since: new Date(since).toISOString(), reason, revived },
      `broker outage: the event stream is cut (${reason}); worker liveness is unknown until it is back`,
    );
  }

  /** The event stream is back: the outage ends, with its length. */
  back(gap: StreamGap): void {
    const length = gap.to - gap.from;
    this.log.info(
      { from: new Date(gap.from).toISOString(), to: new Date(gap.to).toISOString(), durationMs: length, reason: gap.reason },
      `broker outage over after ${seconds(length)}: events sent meanwhile may be missing`,
    );
  }
}
