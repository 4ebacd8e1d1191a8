/**
 * A history directory of its own for each Pollen a test starts: Pollen keeps history in an SQLite file
 * under --data-dir by default, and tests must neither share one (a broker port used again would bring
 * back another test's tasks) nor leave files in the home directory. Removed when the test process ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

export function testDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pollen-test-history-'));
  made.push(dir);
  return dir;
}
