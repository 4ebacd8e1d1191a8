import { MemoryTaskStore } from './memory-task-store';
import { describeTaskStore } from './task-store.contract';

describeTaskStore('in memory', (options) => new MemoryTaskStore(options));

// The same contract while the index builds in slices between events: every read meanwhile takes the paths
// that need no index (kept-orders.ts, key-index.ts), and must answer the same.
describeTaskStore('in memory, its index built in slices', (options) => new MemoryTaskStore({ ...options, indexPace: { syncLimit: 0, sliceSize: 1 } }));
