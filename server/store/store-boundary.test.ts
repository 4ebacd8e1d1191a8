/**
 * The store is the cluster model's only door: no production file outside server/state and server/store
 * holds a ClusterState (tsc then keeps everyone on the port's reads, which expose no Map).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');

function sources(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sources(path));
    else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) files.push(path);
  }
  return files;
}

describe('the store boundary', () => {
  it('leaves ClusterState to server/state and server/store', () => {
    const outside = ['server', 'lib', 'app', 'components', 'worker']
      .flatMap((dir) => sources(join(ROOT, dir)))
      .map((path) => relative(ROOT, path))
      .filter((path) => !path.startsWith('server/state/') && !path.startsWith('server/store/'))
      .filter((path) => /state\/cluster-state'/.test(readFileSync(join(ROOT, path), 'utf8')));
    expect(outside).toEqual([]);
  });
});
