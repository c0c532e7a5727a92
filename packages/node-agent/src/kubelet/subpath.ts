// subPath and subPathExpr, resolved inside their volume (the fix for CVE-2017-1002101 is the model). Pure.
//
// A container's subPath becomes a bind mount of a directory (or file) inside the volume, and the Docker engine
// follows every symlink in a bind source on the learner's machine: a pod that writes `ln -s /var/run esc`
// into an emptyDir and mounts `subPath: esc` would get the host's /var/run, docker.sock included. So the
// kubelet resolves the subPath itself, inside the volume, where the pod's symlinks point only at the pod's
// own filesystem, and refuses any result that leaves the volume. The Docker engine then only sees a path with
// no symlinks in it, and the pod's containers that could swap one in are frozen until the new container has
// its mounts (subpath-resolver.ts), as the kubelet holds a file descriptor across its bind mount.
import type { Container } from '@kubelab/api';
import type { EnvVarValue } from './env';
import { ContainerConfigError } from './env';
import { expand } from './expansion';

/** One subPath mount of a container: the index in volumeMounts, the pod volume, the path inside it. */
export interface SubPathMount {
  index: number;
  volume: string;
  subPath: string;
}

function prepareError(volume: string, container: string, detail: string): ContainerConfigError {
  return new ContainerConfigError(`failed to prepare subPath for volumeMount "${volume}" of container "${container}": ${detail}`);
}

/**
 * The kubelet's ExpandContainerVolumeMounts: `$(VAR)` from the container's environment, and every
 * referenced variable must have a value ("missing value for A, B").
 */
export function expandSubPathExpr(expr: string, env: EnvVarValue[]): string {
  const values = new Map(env.map((e) => [e.name, e.value]));
  const missing = new Set<string>();
  const out = expand(expr, (name) => {
    const v = values.get(name);
    if (!v) missing.add(name);
    return v ?? '';
  });
  if (missing.size) throw new ContainerConfigError(`missing value for ${[...missing].sort().join(', ')}`);
  return out;
}

/** The container's subPath / subPathExpr mounts, expanded and checked as the kubelet's makeMounts does. */
export function subPathMounts(c: Container, env: EnvVarValue[]): SubPathMount[] {
  const out: SubPathMount[] = [];
  (c.volumeMounts ?? []).forEach((m, index) => {
    const subPath = m.subPathExpr ? expandSubPathExpr(m.subPathExpr, env) : m.subPath;
    if (!subPath) return;
    if (subPath.startsWith('/')) throw new ContainerConfigError(`error SubPath \`${subPath}\` must not be an absolute path`);
    if (subPath.split('/').includes('..'))
      throw new ContainerConfigError(`unable to provision SubPath \`${subPath}\`: must not contain '..'`);
    out.push({ index, volume: m.name, subPath });
  });
  return out;
}

const MARK = 'kubelab-subpath';

/**
 * Resolves `$2` inside the directory `$1` (a volume's root, itself free of symlinks) with coreutils realpath:
 * every symlink is followed as the pod would see it, and a result outside the root is refused. A missing
 * target is created as a directory (the kubelet's SafeMakeDir), only after the check. Prints
 * `kubelab-subpath:ok:<path below the root, "" or "/a/b">`, or `kubelab-subpath:outside`, or
 * `kubelab-subpath:error:<reason>`.
 */
export const RESOLVE_SCRIPT = [
  'set -u',
  'base=$1 sub=$2',
  `r=$(realpath -m -- "$base/$sub" 2>/dev/null) || { echo '${MARK}:error:cannot be resolved'; exit 1; }`,
  `case $r in "$base" | "$base"/*) ;; *) echo '${MARK}:outside'; exit 1 ;; esac`,
  'if [ ! -e "$r" ] && [ ! -L "$r" ]; then',
  `  err=$(mkdir -p -- "$r" 2>&1) || { echo "${MARK}:error:\${err##*: }"; exit 1; }`,
  'fi',
  // A symlink loop resolves to itself under -m; -e says why it cannot be followed.
  `e=$(realpath -e -- "$r" 2>&1) || { echo "${MARK}:error:\${e##*: }"; exit 1; }`,
  `[ "$e" = "$r" ] || { echo '${MARK}:error:changed while being resolved'; exit 1; }`,
  `printf '${MARK}:ok:%s\\n' "\${r#"$base"}"`,
].join('\n');

/** The command that runs RESOLVE_SCRIPT for `subPath` inside the directory `root`. */
export function resolveCommand(root: string, subPath: string): string[] {
  return ['/bin/sh', '-c', RESOLVE_SCRIPT, MARK, root, subPath];
}

/**
 * The path below the volume root from RESOLVE_SCRIPT's output, or the kubelet's error for the container
 * (`failed to prepare subPath for volumeMount "v" of container "app": ...`).
 */
export function parseResolved(output: string, m: SubPathMount, container: string): string {
  const line = output
    .split('\n')
    .map((l) => l.trim())
    .reverse()
    .find((l) => l.startsWith(`${MARK}:`));
  if (line?.startsWith(`${MARK}:ok:`)) return line.slice(`${MARK}:ok:`.length);
  if (line === `${MARK}:outside`)
    throw prepareError(m.volume, container, `subPath "${m.subPath}" resolves outside the volume (a symlink out of it is never followed)`);
  const reason = line?.startsWith(`${MARK}:error:`) ? line.slice(`${MARK}:error:`.length) : output.trim() || 'no answer';
  throw prepareError(m.volume, container, `subPath "${m.subPath}": ${reason}`);
}
