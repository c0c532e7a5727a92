// Locates the kubelab checkout: the CLI runs from the bundle in <repo>/dist/cli, tests and tsx from sources,
// and users may call it from any directory, so both the working directory and this module's location count.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

function isRepoRoot(dir: string): boolean {
  return existsSync(path.join(dir, 'scripts', 'docker-engine.sh')) && isDir(path.join(dir, 'packages'));
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function walkUp(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    if (isRepoRoot(dir)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function moduleDir(): string | undefined {
  try {
    return path.dirname(fileURLToPath(import.meta.url));
  } catch {
    return undefined;
  }
}

export function findRepoRoot(): string {
  if (cached) return cached;
  const here = moduleDir();
  const found = walkUp(process.cwd()) ?? (here ? walkUp(here) : undefined);
  if (!found) {
    throw new Error(
      `cannot find the kubelab repository (a directory with scripts/docker-engine.sh and packages/) ` +
        `above ${process.cwd()}${here ? ` or ${here}` : ''}`,
    );
  }
  cached = found;
  return found;
}
