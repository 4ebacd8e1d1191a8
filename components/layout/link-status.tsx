'use client';
import { brokerDown } from '../live/broker-link';
import { useTimeFormat } from '../format/use-time-format';
import { type LinkState, useServerLink } from '../live/live-hooks';

/**
 * The links that make the page live: a dot in the header, and a banner across the page when the page
 * has lost the server or the server has lost the broker (the figures shown are then not moving).
 */
export function LinkDot() {
  const link = useServerLink();
  return (
    <span className={`link-dot ${dotClass(link)}`} data-testid="link-state" title={describe(link)}>
      {dotText(link)}
    </span>
  );
}

/** What the dot says, in words that agree with its colour: a server without its broker is not live. */
function dotText(link: LinkState): string {
  if (link.state === 'connecting') return 'connecting…';
  if (link.state === 'disconnected') return 'offline';
  return brokerDown(link.broker) ? 'broker down' : 'live';
}

function dotClass(link: LinkState): string {
  if (link.state !== 'connected') return link.state === 'connecting' ? 'pending' : 'bad';
  return brokerDown(link.broker) ? 'bad' : 'ok';
}

function describe(link: LinkState): string {
  if (link.state === 'connecting') return 'Connecting to the Pollen server';
  if (link.state === 'disconnected') return `Lost the Pollen server: ${link.reason}`;
  return `Pollen ${link.info.version}, broker ${link.info.broker ?? 'none'}${link.broker ? ` (${link.broker.status})` : ''}`;
}

export function LinkBanner() {
  const link = useServerLink();
  const format = useTimeFormat();
  if (link.state === 'disconnected') {
    return (
      <div className="banner bad" role="alert" data-testid="server-banner">
        The dashboard lost its connection to the Pollen server ({link.reason}); figures are frozen until it is back.
      </div>
    );
  }
  if (link.state === 'connected' && link.broker !== null && brokerDown(link.broker)) {
    const since = format.dateTime(link.broker.since / 1000);
    return (
      <div className="banner bad" role="alert" data-testid="broker-banner">
        The broker <code>{link.info.broker}</code> is {link.broker.status} since {since}
        {link.broker.error ? `: ${link.broker.error}` : ''}
        {link.broker.attempts > 0 ? ` (${link.broker.attempts} attempts)` : ''}. No events arrive and controls cannot be sent until it is back; meanwhile workers show as unknown, not offline, and tasks in flight are settled from the result backend and the workers once it is.
      </div>
    );
  }
  return null;
}
