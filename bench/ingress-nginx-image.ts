// `node <bundle> DEBS_DIR`: the image bench/ingress.mjs runs Debian's nginx in (issue 12 item 8), printed on
// stdout. kubelab/bench-nginx:<hash> is the kubelab base image (built offline with debootstrap, DESIGN.md §4)
// plus the nginx .debs the host's apt downloaded from its own mirror into DEBS_DIR, installed with dpkg: no
// registry and no network inside the build. The tag hashes the base image, the recipe and the .debs, so the
// image is built only when one of them changes; older tags of the repository are removed after a build.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { buildImage, docker, imageLabels } from '../packages/cluster/src/docker';
import { baseTag, imageNames, imagePrefixFrom, shortHash } from '../packages/cluster/src/image-recipes';
import { ensureImages } from '../packages/cluster/src/images';
import { LABEL } from '../packages/cluster/src/names';
import { findRepoRoot } from '../packages/cluster/src/repo';

export const BENCH_NGINX_REPO = 'kubelab/bench-nginx';

/** Installs the .debs without starting a service (policy-rc.d), drops the default site, runs nginx in the foreground. */
export function benchNginxDockerfile(baseImage: string): string {
  return [
    `FROM ${baseImage}`,
    'COPY debs/ /tmp/debs/',
    "RUN printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d" +
      ' && dpkg -i /tmp/debs/*.deb && rm -rf /tmp/debs /usr/sbin/policy-rc.d /etc/nginx/sites-enabled/default && nginx -v',
    'CMD ["nginx","-g","daemon off;"]',
    '',
  ].join('\n');
}

async function baseImage(): Promise<string> {
  const script = readFileSync(path.join(findRepoRoot(), 'docker', 'base', 'build-debootstrap.sh'), 'utf8');
  const image = `${imageNames(imagePrefixFrom(process.env)).baseRepo}:${baseTag(script, process.version, statSync(process.execPath).size)}`;
  if (await imageLabels(image)) return image;
  // Missing: build it the way `cluster up` does (under the machine-wide image build lock).
  return (await ensureImages()).baseImage;
}

async function main(debsDir: string): Promise<void> {
  const base = await baseImage();
  const dockerfile = benchNginxDockerfile(base);
  const debs = readdirSync(debsDir)
    .filter((f) => f.endsWith('.deb'))
    .sort()
    .map((f) => ({ name: `debs/${f}`, content: readFileSync(path.join(debsDir, f)) }));
  if (debs.length === 0) throw new Error(`no .deb files in ${debsDir}`);
  const hash = shortHash(base, dockerfile, ...debs.flatMap((d) => [d.name, d.content]));
  const tag = `${BENCH_NGINX_REPO}:${hash}`;
  if (!(await imageLabels(tag))) {
    await buildImage({
      tag,
      labels: { [LABEL.managed]: 'true', [LABEL.imageSource]: hash },
      files: [{ name: 'Dockerfile', content: dockerfile }, ...debs],
    });
    const old = await docker().listImages({ filters: { reference: [BENCH_NGINX_REPO] } });
    for (const image of old) {
      for (const t of image.RepoTags ?? []) if (t !== tag) await docker().getImage(t).remove({ noprune: false });
    }
  }
  process.stdout.write(`${tag}\n`);
}

await main(process.argv[2] ?? '.');
