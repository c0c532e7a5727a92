// What the images are made of and how their cache keys are computed. Pure: Docker I/O lives in images.ts.
import { createHash } from 'node:crypto';
import { NODE_ENTRY } from './names';

export const BASE_REPO = 'kubelab/base';
export const NODE_REPO = 'kubelab/node';
export const ECHO_IMAGE = 'kubelab/echo:latest';
export const TOOLBOX_IMAGE = 'kubelab/toolbox:latest';

/** The repositories images are built under: kubelab/... by default, another prefix for isolated builds. */
export interface ImageNames {
  baseRepo: string;
  nodeRepo: string;
  echoImage: string;
  toolboxImage: string;
}

export const DEFAULT_IMAGE_PREFIX = 'kubelab';

/**
 * Image names under a repository prefix. `npm run bench` builds its cold run under its own prefix
 * (KUBELAB_IMAGE_PREFIX=kubelab-bench) so removing those images never touches ones running clusters use.
 */
export function imageNames(prefix = DEFAULT_IMAGE_PREFIX): ImageNames {
  // Docker's repository grammar: lower-case path components joined by "/".
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(prefix)) {
    throw new Error(`image prefix "${prefix}" is not a valid repository name (lower-case letters, digits, ".", "_", "-", "/")`);
  }
  return {
    baseRepo: `${prefix}/base`,
    nodeRepo: `${prefix}/node`,
    echoImage: `${prefix}/echo:latest`,
    toolboxImage: `${prefix}/toolbox:latest`,
  };
}

/** The prefix from KUBELAB_IMAGE_PREFIX, else kubelab. */
export function imagePrefixFrom(env: NodeJS.ProcessEnv): string {
  return env.KUBELAB_IMAGE_PREFIX || DEFAULT_IMAGE_PREFIX;
}

/** Used only when the debootstrap script cannot be read for its list. */
const FALLBACK_PACKAGES = [
  'iptables',
  'iproute2',
  'curl',
  'wget',
  'dnsutils',
  'iputils-ping',
  'iputils-arping',
  'netcat-openbsd',
  'procps',
  'ca-certificates',
  'iperf3',
  'tcpdump',
  'conntrack',
  'etcd-server',
  'etcd-client',
];

export function shortHash(...parts: Array<string | Buffer>): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(p);
    h.update('\0'); // separator: ("ab","c") and ("a","bc") must differ
  }
  return h.digest('hex').slice(0, 12);
}

/** The package list of docker/base/build-debootstrap.sh, so both base recipes install the same tools. */
export function packagesFromScript(script: string): string[] {
  const m = /^packages=([\w.,+-]+)\s*$/m.exec(script);
  return m ? m[1].split(',').filter(Boolean) : FALLBACK_PACKAGES;
}

/** Cache key of the base image: changes when the recipe or the Node.js binary that goes in changes. */
export function baseTag(script: string, nodeVersion: string, nodeBinarySize: number): string {
  return shortHash(script, nodeVersion, String(nodeBinarySize));
}

/**
 * Whether the host's `node` can be copied into a Debian container: a Linux x64 build that does not link
 * shared libnode/openssl/libuv (distribution packages do; the official builds do not).
 */
export function hostNodeIsPortable(platform: string, arch: string, configVariables: Record<string, unknown>): boolean {
  if (platform !== 'linux' || arch !== 'x64') return false;
  return !Object.entries(configVariables).some(([k, v]) => k.startsWith('node_shared') && v === true);
}

/**
 * Base recipe for machines without debootstrap (laptops): public Debian plus the lab's network tools.
 * With copyHostNode the build context must hold the host binary as "node".
 */
export function baseDockerfile(packages: string[], copyHostNode: boolean): string {
  const install =
    'RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ' +
    `${packages.join(' ')} && rm -rf /var/lib/apt/lists/*`;
  return [
    copyHostNode ? 'FROM debian:bookworm-slim' : 'FROM node:20-bookworm-slim',
    install,
    ...(copyHostNode ? ['COPY node /usr/local/bin/node'] : []),
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'CMD ["sleep","infinity"]',
    '',
  ].join('\n');
}

export function nodeDockerfile(baseImage: string): string {
  return [`FROM ${baseImage}`, 'COPY image/ /opt/kubelab/', 'WORKDIR /opt/kubelab', `CMD ["node","${NODE_ENTRY}"]`, ''].join('\n');
}

export interface ContextFile {
  /** Path relative to dist/image, "/"-separated. */
  path: string;
  content: Buffer;
}

/** Cache key of kubelab/node: base tag + recipe + every bundled file (paths sorted, so order is stable). */
export function nodeImageHash(baseTagValue: string, dockerfile: string, files: ContextFile[]): string {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return shortHash(baseTagValue, dockerfile, ...sorted.flatMap((f) => [f.path, f.content]));
}

/**
 * The echo server behind a shell that forwards SIGTERM. Node as PID 1 ignores SIGTERM until its handler is
 * installed, a second or more after start on a busy machine: a pod deleted as soon as it is Ready would wait
 * out its whole grace period (30 s) before the SIGKILL. The shell traps it from its first millisecond.
 */
export const ECHO_CMD = [
  'sh',
  '-c',
  `trap 'kill -TERM $child 2>/dev/null; wait $child; exit 0' TERM INT; node ${NODE_ENTRY} echo & child=$!; wait $child`,
];

export function echoDockerfile(nodeImage: string): string {
  return [`FROM ${nodeImage}`, 'ENV PORT=8080 ECHO_PORT=9000', 'EXPOSE 8080', `CMD ${JSON.stringify(ECHO_CMD)}`, ''].join('\n');
}

/**
 * The toolbox idles until stopped. `sleep` as PID 1 ignores SIGTERM (the kernel drops signals PID 1 has no
 * handler for), so every delete would wait out the whole grace period: a shell that exits on TERM instead.
 */
export const TOOLBOX_CMD = ['sh', '-c', "trap 'exit 0' TERM INT; sleep infinity & wait"];

export function toolboxDockerfile(nodeImage: string): string {
  return [`FROM ${nodeImage}`, `CMD ${JSON.stringify(TOOLBOX_CMD)}`, ''].join('\n');
}
