import { MemoryTaskStore } from './memory-task-store';
import { describeTaskStore } from './task-store.contract';

describeTaskStore('in memory', (options) => new MemoryTaskStore(options));
