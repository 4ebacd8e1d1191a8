// `npm run bench -- <name>` runs bench/<name>.ts; with no name, lists them.
import { readdirSync } from 'node:fs';

// Processes that a benchmark starts for its load (or its clients) are not benchmarks of their own.
const HELPERS = new Set(['run', 'ingest-publisher', 'event-stream', 'push-clients', 'collector-ingest-run', 'ingest-steps', 'store-ingest', 'store-fill', 'store-queries', 'store-serve']);
const names = readdirSync(new URL('.', import.meta.url))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .filter((name) => !HELPERS.has(name));
const name = process.argv[2];
if (!name || !names.includes(name)) {
  console.log(`usage: npm run bench -- <name>\nbenchmarks: ${names.join(', ')}`);
  process.exit(name ? 2 : 0);
}
await import(`./${name}.ts`);
