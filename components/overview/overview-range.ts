/** The windows the overview's chart offers, and how often each is re-read while shown. */
export const OVERVIEW_RANGES = ['15m', '1h', '24h'] as const;
export type OverviewRange = (typeof OVERVIEW_RANGES)[number];

/** Second buckets move every second; minute buckets need not be re-read as often. */
export const REFRESH_MS: Readonly<Record<OverviewRange, number>> = { '15m': 3000, '1h': 15_000, '24h': 60_000 };
