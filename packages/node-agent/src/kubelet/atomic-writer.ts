// configMap/secret volume contents laid out as the kubelet's AtomicWriter does (pkg/volume/util/atomic_writer.go),
// so a reader never sees half an update:
//
//   <volume>/..2026_11_30_09_15_00.123456789/<files>   one timestamped directory per version
//   <volume>/..data -> ..2026_11_30_09_15_00.123456789 swapped by one rename(2)
//   <volume>/<key>  -> ..data/<key>                     one symlink per top-level name the user sees
//
// The files go in with their modes (defaultMode, items[].mode) through a tar; the swap and the clean-up of old
// versions and keys run as one small shell script in the pause container, which has every volume mounted.
import { filesToEntries, type TarEntry } from './tar';
import type { ProjectedFile } from './volumes';

export const DATA_LINK = '..data';

/** `..2026_11_30_09_15_00.<suffix>`, the kubelet's name for a version directory (a `..` prefix hides it from `ls`). */
export function versionDirName(now: Date, suffix: string): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const stamp = `${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}`;
  return `..${stamp}.${suffix}`;
}

/** The first path segment of every file: what gets a `name -> ..data/name` symlink. Sorted, unique. */
export function topLevelNames(files: ProjectedFile[]): string[] {
  return [...new Set(files.map((f) => f.path.split('/')[0]))].sort();
}

/** The tar that puts one version's files (with their modes) under `version/`. */
export function versionEntries(version: string, files: ProjectedFile[]): TarEntry[] {
  const entries: TarEntry[] = [{ path: version, type: 'dir', mode: 0o755 }];
  const byPath = new Map(files.map((f) => [f.path, f.mode]));
  for (const e of filesToEntries(files)) {
    entries.push({ ...e, path: `${version}/${e.path}`, ...(e.type === 'dir' ? { mode: 0o755 } : { mode: byPath.get(e.path) }) });
  }
  return entries;
}

/**
 * Swaps `..data` to the new version atomically, makes each visible name a symlink into `..data`, then removes
 * what no longer belongs: older versions and names the source dropped. Arguments: the volume directory, the
 * new version directory, then the visible names.
 */
export const SWAP_SCRIPT = [
  'set -eu',
  'dir=$1 version=$2',
  'shift 2',
  'cd "$dir"',
  `ln -sfn "$version" ${DATA_LINK}_tmp`,
  `mv -T ${DATA_LINK}_tmp ${DATA_LINK}`,
  'keep=" ..data $version "',
  'for name in "$@"; do',
  '  keep="$keep$name "',
  `  [ -L "$name" ] && [ "$(readlink "$name")" = "${DATA_LINK}/$name" ] && continue`,
  '  rm -rf -- "$name"',
  `  ln -s "${DATA_LINK}/$name" "$name"`,
  'done',
  'for path in ./* ./.[!.]* ./..?*; do',
  '  [ -e "$path" ] || [ -L "$path" ] || continue',
  '  name=${path#./}',
  '  case "$keep" in *" $name "*) ;; *) rm -rf -- "$name" ;; esac',
  'done',
].join('\n');

export function swapCommand(dir: string, version: string, names: string[]): string[] {
  return ['/bin/sh', '-c', SWAP_SCRIPT, 'kubelab-atomic-writer', dir, version, ...names];
}
