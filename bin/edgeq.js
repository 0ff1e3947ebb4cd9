#!/usr/bin/env node
// The `edgeq` command. The compiled code lives in dist/ (built by `npm ci` / `npm run build`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/node/cli.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('edgeq: dist/ is missing; run `npm run build` first');
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv.slice(2));
