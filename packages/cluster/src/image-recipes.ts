// What the images are made of and how their cache keys are computed. Pure: Docker I/O lives in images.ts.
import { createHash } from 'node:crypto';
import { NODE_ENTRY } from './names';

export const BASE_REPO = 'kubelab/base';
export const NODE_REPO = 'kubelab/node';
export const ECHO_IMAGE = 'kubelab/echo:latest';
export const TOOLBOX_IMAGE = 'kubelab/toolbox:latest';

/** Used only when the debootstrap script cannot be read for its list. */
const FALLBACK_PACKAGES = [
  'iptables',
  'iproute2',
  'curl',
  'wget',
  'dnsutils',
  'iputils-ping',
  'netcat-openbsd',
  'procps',
  'ca-certificates',
  'iperf3',
  'tcpdump',
  'conntrack',
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

export function echoDockerfile(nodeImage: string): string {
  return [`FROM ${nodeImage}`, 'ENV PORT=8080 ECHO_PORT=9000', 'EXPOSE 8080', `CMD ["node","${NODE_ENTRY}","echo"]`, ''].join('\n');
}

export function toolboxDockerfile(nodeImage: string): string {
  return [`FROM ${nodeImage}`, 'CMD ["sleep","infinity"]', ''].join('\n');
}
