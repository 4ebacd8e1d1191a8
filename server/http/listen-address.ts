/**
 * What the server is actually bound to, said plainly in the startup line: `0.0.0.0:5555 (all
 * interfaces)` rather than a `localhost` URL that hides that the whole network can reach it.
 */
import type { AddressInfo } from 'node:net';

export interface ListenAddress {
  /** `127.0.0.1:5555`, `[::1]:5555`, `0.0.0.0:5555 (all interfaces)`. */
  readonly description: string;
  /** Only this machine can connect. */
  readonly loopback: boolean;
  /** A URL host to open the dashboard at: the bound address, or `localhost` when bound to all. */
  readonly urlHost: string;
}

function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || /^::ffff:127\./i.test(address);
}

export function describeListenAddress(bound: AddressInfo): ListenAddress {
  const wildcard = bound.address === '0.0.0.0' || bound.address === '::';
  const host = bound.family === 'IPv6' || bound.address.includes(':') ? `[${bound.address}]` : bound.address;
  const loopback = isLoopback(bound.address);
  const note = wildcard ? ' (all interfaces)' : loopback ? ' (this machine only)' : '';
  return { description: `${host}:${bound.port}${note}`, loopback, urlHost: wildcard ? 'localhost' : host };
}
