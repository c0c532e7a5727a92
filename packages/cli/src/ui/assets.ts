// Where the page's files are: dist/ui (index.html, app.js bundled from ui/page by scripts/build.mjs, no CDN).
// The CLI runs from dist/cli/kubelab.mjs, so they sit beside it; from sources (tests) the repository's dist.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function uiAssetsDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, '..', 'ui')];
  for (let dir = here; dir !== path.dirname(dir); dir = path.dirname(dir)) candidates.push(path.join(dir, 'dist', 'ui'));
  const found = candidates.find((d) => existsSync(path.join(d, 'app.js')));
  if (!found) throw new Error('the page of `kubelab ui` is not built (dist/ui/app.js): run `npm run build` in the repository');
  return found;
}
