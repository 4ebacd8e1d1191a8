/**
 * A Pollen server (startServer, dashboard off, default --max-tasks) on a history the `store` benchmark
 * filled, in a process of its own so that its RSS is the server's alone. Prints one JSON line once it
 * answers /healthcheck: {"port", "startMs", …} (startServer called → first answer); ends on SIGTERM after
 * closing the server. Run with --expose-gc, it adds the heap after a full GC (heapMiB, externalMiB) and the tasks held.
 *
 *   node --import tsx bench/store-serve.ts <db: file or postgresql://…> <broker redis://…> <cluster name>
 */
import { createLogger } from '@/lib/runtime/logger';
import { parseConfig } from '@/server/config';
import { startServer } from '@/server/http/create-server';
import { freePort } from '@/test/harness/free-port';

const [db, broker, clusterName] = process.argv.slice(2);
if (db === undefined || broker === undefined || clusterName === undefined) throw new Error('usage: store-serve.ts <db> <broker> <cluster name>');
const port = await freePort();
// Nothing is pruned while the reads are timed: the fill spans 30 days and 10 000 000 tasks pass the default
// size limit, and pruning them would both change what is read and write under the reads.
const keepAll = { retentionSuccess: '0', retentionFailure: '0', retentionOther: '0', maxHistoryTasks: '0', maxHistorySize: '0' };
const parsed = parseConfig({ port, address: '127.0.0.1', dev: false, broker, db, clusterName, enableEvents: false, unauthenticatedApi: true, ...keepAll });
if (!parsed.ok) throw new Error(parsed.errors.join('; '));
const started = performance.now();
const server = await startServer(parsed.config, createLogger('warn'), { dashboard: false });
for (;;) {
  const ok = await fetch(`http://127.0.0.1:${port}/healthcheck`).then((r) => r.ok, () => false);
  if (ok) break;
  await new Promise((r) => setTimeout(r, 10));
}
const startMs = performance.now() - started;
// What the server keeps, apart from what starting left for the collector: the heap after a full GC.
(globalThis as { gc?: () => void }).gc?.();
const memory = process.memoryUsage();
console.log(JSON.stringify({ port, startMs, heapMiB: memory.heapUsed / 2 ** 20, externalMiB: (memory.external + memory.arrayBuffers) / 2 ** 20, tasksHeld: server.context.store.taskCount }));
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
