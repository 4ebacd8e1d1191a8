'use client';
/**
 * The links behind every figure on the page: this page to the Pollen server (Socket.IO), and the server
 * to the broker. When either is down the figures stop moving, so this says which one and since when.
 */
import type { OverviewResponse } from '@/lib/api/metrics';
import type { BrokerLink } from '@/lib/push/contract';
import { useSession } from '../api/use-session';
import type { TimeFormat } from '../format/format-time';
import { formatCount, formatRate } from '../format/format-values';
import { useTimeFormat } from '../format/use-time-format';
import { type LinkState, useServerLink } from '../live/live-hooks';
import styles from './overview.module.css';

function pageLink(link: LinkState): { text: string; tone: string } {
  if (link.state === 'connected') return { text: 'live', tone: styles.okDot ?? '' };
  if (link.state === 'connecting') return { text: 'connecting…', tone: styles.warnDot ?? '' };
  return { text: `lost (${link.reason})`, tone: styles.badDot ?? '' };
}

function brokerLink(format: TimeFormat, link: BrokerLink | null): { text: string; tone: string } {
  if (link === null) return { text: 'waiting for the server to report', tone: styles.warnDot ?? '' };
  // A time of day stays true between renders; "n s ago" would freeze until the next one.
  const since = format.dateTime(link.since / 1000);
  if (link.status === 'connected') return { text: `connected since ${since}`, tone: styles.okDot ?? '' };
  const attempts = link.attempts > 0 ? `, ${formatCount(link.attempts)} attempts` : '';
  const error = link.error ? `: ${link.error}` : '';
  return { text: `${link.status} since ${since}${attempts}${error}`, tone: link.status === 'connecting' && link.error === null ? (styles.warnDot ?? '') : (styles.badDot ?? '') };
}

function controlsText(session: ReturnType<typeof useSession>): string {
  if (session.session === null) return '—';
  if (session.readOnly) return 'read-only: every control is refused';
  if (!session.controlsEnabled) return 'closed: configure authentication or --unauthenticated-api';
  return 'enabled';
}

export function ServerCard({ ingest }: { ingest: OverviewResponse['ingest'] | undefined }) {
  const link = useServerLink();
  const session = useSession();
  const format = useTimeFormat();
  const page = pageLink(link);
  const info = link.state === 'connected' ? link.info : null;
  const broker = info === null ? null : info.broker === null ? null : brokerLink(format, link.state === 'connected' ? link.broker : null);

  return (
    <section className="card" aria-label="Server and broker">
      <div className={styles.cardHeader}>
        <h2>Server and broker</h2>
      </div>
      <dl className="facts">
        <dt>This page</dt>
        <dd data-testid="server-link">
          <span className={page.tone}>{page.text}</span>
        </dd>
        <dt>Pollen</dt>
        <dd data-testid="server-version">{info?.version ?? '—'}</dd>
        <dt>Up since</dt>
        <dd data-testid="server-started">{info ? format.dateTime(info.startedAt / 1000) : '—'}</dd>
        <dt>Broker</dt>
        <dd className="mono" data-testid="server-broker">
          {info === null ? '—' : (info.broker ?? 'none configured')}
        </dd>
        <dt>Broker link</dt>
        <dd data-testid="broker-status">{broker === null ? (info === null ? '—' : 'no broker: nothing to watch') : <span className={broker.tone}>{broker.text}</span>}</dd>
        <dt>Events in</dt>
        <dd data-testid="ingest-rate">{ingest ? `${formatRate(ingest.eventsPerSecond)} (${formatCount(ingest.eventsTotal)} in all)` : '—'}</dd>
        <dt>Controls</dt>
        <dd data-testid="server-controls" className={session.readOnly ? 'status-warn' : undefined}>
          {controlsText(session)}
        </dd>
      </dl>
    </section>
  );
}
