// First step of `npm run cluster:up`, `npm test` and `npm run bench`: install dependencies when they are
// missing or older than package-lock.json, then bundle. Only Node built-ins here: it runs before npm install.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const marker = path.join(root, 'node_modules', '.package-lock.json');
const lock = path.join(root, 'package-lock.json');

if (!existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000)) {
  // `npm ci` installs exactly the lock file and never rewrites it, so setup leaves the work tree clean.
  console.error('[setup] installing npm dependencies (npm ci) ...');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root, stdio: 'inherit' });
} else {
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--quiet'], { cwd: root, stdio: 'inherit' });
}
