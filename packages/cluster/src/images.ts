// Builds the images kubelab runs, each only when its cache key changed (DESIGN.md §4). Images are shared by
// all clusters, so they carry kubelab.managed but no kubelab.cluster label and survive `cluster down`.
import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { buildImage, docker, imageLabels } from './docker';
import { buildLockPath, withLock, type LockHolder } from './build-lock';
import {
  baseDockerfile,
  baseTag,
  echoDockerfile,
  hostNodeIsPortable,
  imageNames,
  imagePrefixFrom,
  nodeDockerfile,
  nodeImageHash,
  packagesFromScript,
  shortHash,
  toolboxDockerfile,
  type ContextFile,
  type ImageNames,
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

export interface ImageOptions {
  /** Told once, while the build waits for another process's build (the machine-wide lock). */
  onWait?: (message: string) => void;
  /** What this build is for, shown to a process that waits for it (default: the command line). */
  purpose?: string;
  /** Repository prefix (default: KUBELAB_IMAGE_PREFIX, else kubelab). */
  prefix?: string;
}

/**
 * Builds what is missing or stale. Holds a machine-wide lock for the whole check-and-build: a second
 * `cluster up` or test run started meanwhile waits, then finds the images present instead of running a
 * second debootstrap next to the first (issue 6).
 */
export async function ensureImages(report: Report = silent, opts: ImageOptions = {}): Promise<Images> {
  const names = imageNames(opts.prefix ?? imagePrefixFrom(process.env));
  const lockFile = buildLockPath();
  const purpose = opts.purpose ?? `image build (${commandLine()})`;
  const onWait = (h: LockHolder | undefined): void =>
    opts.onWait?.(`waiting for another image build to finish (${h ? `pid ${h.pid}: ${h.purpose}` : 'another process'}; lock ${lockFile})`);
  return withLock(lockFile, { purpose, onWait }, async (lock) => {
    if (lock.waitedFor) report(`waited for the image build of pid ${lock.waitedFor.pid}`, lock.waitedMs);
    return buildAll(names, report);
  });
}

function commandLine(): string {
  const args = process.argv.slice(2).join(' ');
  return args ? `${path.basename(process.argv[1] ?? 'node').replace(/\.[cm]?js$/, '')} ${args}` : `pid ${process.pid}`;
}

async function buildAll(names: ImageNames, report: Report): Promise<Images> {
  const repo = findRepoRoot();
  const baseImage = await ensureBase(repo, names, report);
  const nodeImage = await ensureNodeImage(repo, names, baseImage, report);
  await Promise.all([
    ensureDerived(names.echoImage, echoDockerfile(nodeImage), report),
    ensureDerived(names.toolboxImage, toolboxDockerfile(nodeImage), report),
  ]);
  await timed(
    report,
    () => pruneOldImages(names.nodeRepo, nodeImage),
    (p) => `old kubelab images: ${p.tags} tag(s) removed, ${Math.round(p.bytes / 1e6)} MB reclaimed`,
  );
  return { baseImage, nodeImage, echoImage: names.echoImage, toolboxImage: names.toolboxImage };
}

async function ensureBase(repo: string, names: ImageNames, report: Report): Promise<string> {
  const scriptPath = path.join(repo, 'docker', 'base', 'build-debootstrap.sh');
  const script = readFileSync(scriptPath, 'utf8');
  const image = `${names.baseRepo}:${baseTag(script, process.version, statSync(process.execPath).size)}`;
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

async function ensureNodeImage(repo: string, names: ImageNames, baseImage: string, report: Report): Promise<string> {
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
  const image = `${names.nodeRepo}:${hash}`;
  if (await imageLabels(image)) {
    report(`node image ${image} (unchanged)`, 0);
  } else {
    const entries = [{ name: 'Dockerfile', content: dockerfile }, ...files.map((f) => ({ name: `image/${f.path}`, content: f.content }))];
    await timed(report, () => buildImage({ tag: image, labels: managed(hash), files: entries }), `node image ${image} built`);
  }
  // Re-pointing latest is cheap and keeps it right after switching back to an older source tree.
  await docker().getImage(image).tag({ repo: names.nodeRepo, tag: 'latest' });
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
async function pruneOldImages(nodeRepo: string, current: string): Promise<{ tags: number; bytes: number }> {
  let removed = 0;
  let bytes = 0;
  const images = await docker().listImages({ filters: { reference: [nodeRepo] } });
  const keep = new Set([current, `${nodeRepo}:latest`]);
  for (const tag of images.flatMap((i) => i.RepoTags ?? [])) {
    if (!tag.startsWith(`${nodeRepo}:`) || keep.has(tag)) continue;
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
