/**
 * One scrape of /metrics: forget the series of workers the model forgot (Flower 2.1 purges at scrape
 * time too), then Flower's families followed by Pollen's, as one exposition text.
 */
import { Exposition } from './exposition';
import { FlowerMetrics } from './flower-metrics';
import { type PollenSources, writePollenFamilies } from './pollen-families';

/** Writes HELP and TYPE of Flower's families when nothing feeds them (no broker). */
const EMPTY_FLOWER = new FlowerMetrics();

export function scrape(sources: PollenSources, nowMs: number): string {
  const out = new Exposition();
  const flower = sources.prometheus?.flower ?? EMPTY_FLOWER;
  const store = sources.store;
  flower.purge((hostname) => store.worker(hostname) !== undefined, nowMs);
  flower.write(out);
  writePollenFamilies(out, sources, nowMs);
  return out.text();
}
