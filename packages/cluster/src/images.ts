// Builds the images kubelab runs, each only when its cache key changed (DESIGN.md §4). Images are shared by
// all clusters, so they carry kubelab.managed but no kubelab.cluster label and survive `cluster down`.
import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { buildImage, docker, imageLabels } from './docker';
import {
  BASE_REPO,
  ECHO_IMAGE,
  NODE_REPO,
  TOOLBOX_IMAGE,
  baseDockerfile,
  baseTag,
  echoDockerfile,
  hostNodeIsPortable,
  nodeDockerfile,
  nodeImageHash,
  packagesFromScript,
  shortHash,
  toolboxDockerfile,
  type ContextFile,
} from './image-recipes';
import { LABEL } from './names';
import { findRepoRoot } from './repo';
import { silent, timed, type Report } from './report';
import type { TarEntry } from './tar';

export interface Images {
  baseImage: string;
  /** kubelab/node:<hash>, the image node containers run. */
  nodeImage: string;
  echoImage: string;
  toolboxImage: string;
}

const managed = (source: string): Record<string, string> => ({ [LABEL.managed]: 'true', [LABEL.imageSource]: source });

export async function ensureImages(report: Report = silent): Promise<Images> {
  const repo = findRepoRoot();
  const baseImage = await ensureBase(repo, report);
  const nodeImage = await ensureNodeImage(repo, baseImage, report);
  await Promise.all([
    ensureDerived(ECHO_IMAGE, echoDockerfile(nodeImage), report),
    ensureDerived(TOOLBOX_IMAGE, toolboxDockerfile(nodeImage), report),
  ]);
  await timed(
    report,
    () => pruneOldImages(nodeImage),
    (p) => `old kubelab images: ${p.tags} tag(s) removed, ${Math.round(p.bytes / 1e6)} MB reclaimed`,
  );
  return { baseImage, nodeImage, echoImage: ECHO_IMAGE, toolboxImage: TOOLBOX_IMAGE };
}

async function ensureBase(repo: string, report: Report): Promise<string> {
  const scriptPath = path.join(repo, 'docker', 'base', 'build-debootstrap.sh');
  const script = readFileSync(scriptPath, 'utf8');
  const image = `${BASE_REPO}:${baseTag(script, process.version, statSync(process.execPath).size)}`;
  if (await imageLabels(image)) {
    report(`base image ${image} (cached)`, 0);
    return image;
  }
  const portable = hostNodeIsPortable(process.platform, process.arch, process.config.variables as Record<string, unknown>);
  if (portable && process.getuid?.() === 0 && onPath('debootstrap')) {
    await timed(report, () => runDebootstrap(scriptPath, image), `base image ${image} built with debootstrap`);
  } else {
    // Laptops: public images, so this path may pull debian:bookworm-slim or node:20-bookworm-slim.
    const files: TarEntry[] = [{ name: 'Dockerfile', content: baseDockerfile(packagesFromScript(script), portable) }];
    if (portable) files.push({ name: 'node', content: readFileSync(process.execPath), mode: 0o755 });
    const source = image.split(':')[1];
    await timed(report, () => buildImage({ tag: image, labels: managed(source), files }), `base image ${image} built`);
  }
  return image;
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function runDebootstrap(scriptPath: string, image: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('bash', [scriptPath, image, process.execPath], { maxBuffer: 16 * 1024 * 1024, timeout: 15 * 60_000 }, (err, _out, stderr) => {
      if (!err) return resolve();
      const tail = String(stderr).trim().split('\n').slice(-20).join('\n');
      reject(new Error(`building base image ${image} with ${scriptPath} failed: ${err.message}\n${tail}`));
    });
  });
}

/** Every file under dir, with "/"-separated paths relative to it. */
function readTree(dir: string, prefix = ''): ContextFile[] {
  const out: ContextFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...readTree(full, rel));
    else if (entry.isFile()) out.push({ path: rel, content: readFileSync(full) });
  }
  return out;
}

async function ensureNodeImage(repo: string, baseImage: string, report: Report): Promise<string> {
  const distImage = path.join(repo, 'dist', 'image');
  let files: ContextFile[];
  try {
    files = readTree(distImage);
  } catch {
    files = [];
  }
  if (!files.some((f) => f.path === 'kubelab-node.mjs')) {
    throw new Error(`${path.join(distImage, 'kubelab-node.mjs')} is missing: run \`npm run build\` first`);
  }
  const dockerfile = nodeDockerfile(baseImage);
  const hash = nodeImageHash(baseImage, dockerfile, files);
  const image = `${NODE_REPO}:${hash}`;
  if (await imageLabels(image)) {
    report(`node image ${image} (unchanged)`, 0);
  } else {
    const entries = [{ name: 'Dockerfile', content: dockerfile }, ...files.map((f) => ({ name: `image/${f.path}`, content: f.content }))];
    await timed(report, () => buildImage({ tag: image, labels: managed(hash), files: entries }), `node image ${image} built`);
  }
  // Re-pointing latest is cheap and keeps it right after switching back to an older source tree.
  await docker().getImage(image).tag({ repo: NODE_REPO, tag: 'latest' });
  return image;
}

/** Workload images: rebuilt when their recipe (which names the node image) changed or they are missing. */
async function ensureDerived(image: string, dockerfile: string, report: Report): Promise<void> {
  const source = shortHash(dockerfile);
  const labels = await imageLabels(image);
  if (labels?.[LABEL.imageSource] === source) {
    report(`${image} (unchanged)`, 0);
    return;
  }
  await timed(
    report,
    () => buildImage({ tag: image, labels: managed(source), files: [{ name: 'Dockerfile', content: dockerfile }] }),
    `${image} built`,
  );
}

/**
 * Best effort: untags kubelab/node:<old hash> and drops dangling kubelab images so each source change does
 * not leave an image behind. The engine refuses to remove images containers still use, which is what we want.
 */
async function pruneOldImages(current: string): Promise<{ tags: number; bytes: number }> {
  let removed = 0;
  let bytes = 0;
  const images = await docker().listImages({ filters: { reference: [NODE_REPO] } });
  const keep = new Set([current, `${NODE_REPO}:latest`]);
  for (const tag of images.flatMap((i) => i.RepoTags ?? [])) {
    if (!tag.startsWith(`${NODE_REPO}:`) || keep.has(tag)) continue;
    try {
      await docker().getImage(tag).remove();
      removed++;
    } catch {
      // in use by a container (another cluster on an older build): keep it
    }
  }
  try {
    const pruned = await docker().pruneImages({ filters: { dangling: ['true'], label: [`${LABEL.managed}=true`] } });
    bytes = pruned.SpaceReclaimed ?? 0;
  } catch {
    // a concurrent prune or build: harmless
  }
  return { tags: removed, bytes };
}
