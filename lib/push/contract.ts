/**
 * The Socket.IO contract between the server (server/push) and the browser (components/): one typed map
 * per direction. Server -> client events are `noun:verb-past`; payloads are plain JSON objects.
 */

/** What the server says about itself to every client that connects. */
export interface ServerInfo {
  readonly name: 'pollen';
  readonly version: string;
  /** The broker URL with its password masked, or null when none is configured. */
  readonly broker: string | null;
  /** Unix milliseconds. */
  readonly startedAt: number;
}

export interface ServerToClientEvents {
  'server:connected': (info: ServerInfo) => void;
}

// Client -> server requests arrive with the dashboard pages that need them.
export type ClientToServerEvents = Record<never, never>;
