/**
 * Child processes for integration tests: started with their output kept (shown when a test fails to start
 * them), stopped with SIGTERM then SIGKILL, and never left behind when the test process exits.
 */
import { type ChildProcess, execFileSync, spawn, type SpawnOptions } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

export interface Child {
  readonly process: ChildProcess;
  /** Everything the child wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves once `pattern` appears in the output, rejects on exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Fails with a message that says what to install when a program the tests need is missing. */
export function requireProgram(path: string, debianPackage: string): void {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${path} is missing: install it with 'apt-get install -y ${debianPackage}' (npm run test:all does this when run as root on Debian)`);
  }
}

export function which(program: string): string | null {
  try {
    return execFileSync('which', [program], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

export function startChild(command: string, args: string[], options: SpawnOptions = {}): Child {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  running.add(child);
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer): void => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => (running.delete(child), resolve())));

  return {
    process: child,
    output: () => output,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const done = (error?: Error): void => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
          if (error) reject(error);
          else resolve();
        };
        const check = (): void => {
          if (pattern.test(output)) done();
        };
        const onExit = (code: number | null): void =>
          done(new Error(`${command} exited (code ${code}) before printing ${pattern}:\n${output.slice(-4000)}`));
        const timer = setTimeout(() => done(new Error(`${command} did not print ${pattern} within ${timeoutMs} ms:\n${output.slice(-4000)}`)), timeoutMs);
        listeners.add(check);
        child.once('exit', onExit);
        check();
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
