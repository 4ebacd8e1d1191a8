/**
 * A Celery "app" for TypeScript: the registry of tasks a worker runs. Users write a module that exports
 * one (see worker/examples/tasks.ts) and start it with `pollen worker --app <module>`.
 */
import type { JsonValue } from '@/lib/celery';
import type { TaskContext } from './task-context';
import { resolveTaskOptions, type ResolvedTaskOptions, type TaskOptions } from './task-options';

/** `never[]` lets users type their own parameters (`(ctx, x: number, y: number) => x + y`). */
export type TaskFunction = (ctx: TaskContext, ...args: never[]) => unknown;

export interface RegisteredTask {
  readonly name: string;
  readonly options: ResolvedTaskOptions;
  readonly run: TaskFunction;
}

export class App {
  private readonly tasks = new Map<string, RegisteredTask>();

  /** Registers a task; the function returns (or resolves to) a JSON value, its result. */
  task(name: string, run: TaskFunction): this;
  task(name: string, options: TaskOptions, run: TaskFunction): this;
  task(name: string, a: TaskOptions | TaskFunction, b?: TaskFunction): this {
    const [options, run] = typeof a === 'function' ? [{}, a] : [a, b];
    if (!name || typeof name !== 'string') throw new Error('a task needs a name, e.g. "examples.add"');
    if (typeof run !== 'function') throw new Error(`task ${name}: expected a function`);
    if (this.tasks.has(name)) throw new Error(`task ${name} is registered twice`);
    this.tasks.set(name, { name, options: resolveTaskOptions(name, options), run });
    return this;
  }

  get(name: string): RegisteredTask | undefined {
    return this.tasks.get(name);
  }

  names(): string[] {
    return [...this.tasks.keys()].sort();
  }
}

export function createApp(): App {
  return new App();
}

/** Lays the message's args and kwargs out as the function's positional parameters. */
export function taskArguments(task: RegisteredTask, args: readonly JsonValue[], kwargs: Readonly<Record<string, JsonValue>>): JsonValue[] {
  const params = task.options.params;
  const keys = Object.keys(kwargs);
  if (!params || keys.length === 0) return [...args];
  const out: (JsonValue | undefined)[] = [...args];
  for (const key of keys) {
    const at = params.indexOf(key);
    if (at === -1) throw new TypeError(`${task.name}() got an unexpected keyword argument '${key}'`);
    if (at < args.length) throw new TypeError(`${task.name}() got multiple values for argument '${key}'`);
    out[at] = kwargs[key];
  }
  const missing = out.findIndex((v) => v === undefined);
  if (missing !== -1 && missing < out.length) throw new TypeError(`${task.name}() missing required argument '${params[missing]}'`);
  return out as JsonValue[];
}
