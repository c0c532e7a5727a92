#!/usr/bin/env node
// Thin launcher: the CLI is bundled by `npm run build` (run by `npm install` through `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bundle = fileURLToPath(new URL('../../../dist/cli/kubelab.mjs', import.meta.url));
if (!existsSync(bundle)) {
  console.error('kubelab: the CLI is not built yet. Run `npm run build` in the repository first.');
  process.exit(1);
}
await import(pathToFileURL(bundle).href);
