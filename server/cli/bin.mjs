#!/usr/bin/env node
// The `pollen` command. Pollen runs its TypeScript sources through tsx, so the package needs no
// separate server build; tsx must read our tsconfig (for the @/ paths) wherever the user runs from.
import { fileURLToPath } from 'node:url';

process.env.TSX_TSCONFIG_PATH ??= fileURLToPath(new URL('../../tsconfig.json', import.meta.url));
const { register } = await import('tsx/esm/api');
register();
await import('./main.ts');
