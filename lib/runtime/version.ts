import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package root: where package.json, app/ and .next/ are, whatever the current directory is. */
export const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

export const VERSION: string = (JSON.parse(readFileSync(`${PACKAGE_DIR}/package.json`, 'utf8')) as { version: string }).version;
