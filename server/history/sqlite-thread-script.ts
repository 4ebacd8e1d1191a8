/**
 * What a SQLite thread (sqlite-thread.ts) runs. Worker threads do not inherit the main thread's loader, and
 * registering tsx in each of the two cost ~50 MB of resident memory apiece (tsx in the thread, plus the
 * loader thread Node starts for its hooks). So the thread's TypeScript is bundled into one ES module by
 * esbuild (tsx's own compiler), once per content, under node_modules/.cache/pollen, where better-sqlite3
 * (left out of the bundle: it is native) still resolves. A compiled build that ships sqlite-thread.js
 * beside this file runs that as it is. Where the bundle cannot be made or written, the thread boots
 * through tsx as before, only heavier.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface ThreadScript {
  readonly code: string | URL;
  /** The code is an eval'd boot script, not a module file. */
  readonly eval: boolean;
}

const source = new URL('./sqlite-thread.ts', import.meta.url);
const compiled = new URL('./sqlite-thread.js', import.meta.url);
const projectRoot = new URL('../../', import.meta.url);

const THROUGH_TSX: ThreadScript = {
  code: `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(source.href)}); })`,
  eval: true,
};

async function bundled(): Promise<ThreadScript> {
  if (existsSync(compiled)) return { code: compiled, eval: false };
  try {
    const { build } = await import('esbuild');
    const out = await build({
      entryPoints: [fileURLToPath(source)],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['better-sqlite3'],
      tsconfig: fileURLToPath(new URL('tsconfig.json', projectRoot)),
      write: false,
      logLevel: 'silent',
    });
    const text = out.outputFiles[0]?.text;
    if (text === undefined) return THROUGH_TSX;
    const dir = new URL('node_modules/.cache/pollen/', projectRoot);
    const file = new URL(`sqlite-thread-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.mjs`, dir);
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true });
      // Several Pollens may start at once (tests do): each writes its own file and renames it into place.
      const partial = new URL(`${file.href}.${process.pid}.${Date.now()}`);
      writeFileSync(partial, text);
      renameSync(partial, file);
    }
    return { code: file, eval: false };
  } catch {
    return THROUGH_TSX;
  }
}

let script: Promise<ThreadScript> | null = null;

/** The script for the process's SQLite threads, made once. */
export function threadScript(): Promise<ThreadScript> {
  script ??= bundled();
  return script;
}
