// Helpers the benches share: paths, polling, percentiles, bundling a bench's TypeScript, the machine line and
// writing a marked section of bench/RESULTS.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
/** The kubelab CLI's entry, for `spawnSync(process.execPath, [cli, ...args])`. */
export const cli = path.join(root, 'packages', 'cli', 'bin', 'kubelab.mjs');
export const resultsFile = path.join(root, 'bench', 'RESULTS.md');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Nearest-rank percentile, `p` in 0..100: the smallest sample with at least p % of the samples at or below it. */
export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** The sample at index floor(q * n) of the sorted samples, `q` in 0..1 (NaN when there are none). */
export function quantile(xs, q) {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** The upper median: the sample at index floor(n / 2) of the sorted samples. */
export const median = (xs) => quantile(xs, 0.5);

/** Polls `check` (sync or async) every `everyMs` until it returns something truthy, and returns that. */
export async function until(what, check, { timeoutMs = 120_000, everyMs = 20 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * Bundles a bench's TypeScript (or `stdin` source) into one ESM file with esbuild, as scripts/build.mjs does:
 * CommonJS dependencies get a `require`; with `dockerode`, also __dirname and ssh2's optional native parts left out.
 */
export async function bundle({ outfile, entry, stdin, dockerode = false }) {
  const { build } = await import('esbuild');
  const banner = dockerode
    ? [
        "import { createRequire as __cr } from 'node:module';",
        "import { fileURLToPath as __fu } from 'node:url';",
        "import { dirname as __dn } from 'node:path';",
        'const require = __cr(import.meta.url);',
        'const __filename = __fu(import.meta.url);',
        'const __dirname = __dn(__filename);',
      ].join('\n')
    : "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";
  await build({
    ...(entry ? { entryPoints: [entry] } : { stdin: { ...stdin, resolveDir: stdin.resolveDir ?? root } }),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'warning',
    absWorkingDir: root,
    ...(dockerode ? { external: ['cpu-features', '*.node'] } : {}),
    banner: { js: banner },
  });
  return outfile;
}

/** CPU, cores, memory, kernel, Docker (when `docker`; '?' if it does not answer) and Node versions. */
export function machineDescription({ docker = true } = {}) {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  let engine = '';
  if (docker) {
    let v = '?';
    try {
      v = execFileSync('docker', ['version', '-f', '{{.Server.Version}}'], { encoding: 'utf8' }).trim();
    } catch {
      // a bench that needs no Docker still runs
    }
    engine = `, Docker ${v}`;
  }
  return `${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${os.release()}${engine}, Node ${process.version}`;
}

/** The 1, 5 and 15 minute load averages as "a / b / c". */
export const loadAverages = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ');

/** A Markdown table with padded columns, as the repository's formatter writes them. */
export function mdTable(header, body) {
  const all = [header, ...body];
  const width = header.map((_, i) => Math.max(3, ...all.map((r) => String(r[i]).length)));
  const line = (r) => `| ${r.map((c, i) => String(c).padEnd(width[i])).join(' | ')} |`;
  return [line(header), `| ${width.map((w) => '-'.repeat(w)).join(' | ')} |`, ...body.map(line)].join('\n');
}

/** The start and end markers of section `name` in RESULTS.md. */
export const markers = (name) => [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`];

/** Puts `section` (which starts and ends with `name`'s markers) into RESULTS.md text: replaces an earlier one, or appends it. */
export function withSection(text, name, section) {
  const [begin, end] = markers(name);
  const s = section.trimEnd();
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a >= 0 && b > a) return text.slice(0, a) + s + text.slice(b + end.length);
  return `${text.trimEnd()}\n\n${s}\n`;
}

/** RESULTS.md is checked by `biome ci` (npm run check): tables are written plain, then aligned by biome. */
export function formatResults(file = resultsFile) {
  spawnSync(process.execPath, [path.join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome'), 'format', '--write', file], {
    cwd: root,
    stdio: 'ignore',
  });
}

/** Replaces (or appends) section `name` of bench/RESULTS.md and formats the file. */
export function writeSection(name, section, file = resultsFile) {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# kubelab benchmarks\n';
  writeFileSync(file, withSection(text, name, section));
  formatResults(file);
}

/** `kubelab --cluster NAME ARGS` run to its end: its stdout, or an error with both outputs when it fails. */
export function kubelabOn(name) {
  return (args, input) => {
    const r = spawnSync(process.execPath, [cli, '--cluster', name, ...args], { cwd: root, encoding: 'utf8', input });
    if (r.status !== 0) throw new Error(`kubelab ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
}

/**
 * `node /b/SCRIPT ARGS` in a throwaway kubelab/node container with NET_ADMIN and `dir` mounted read-only at /b
 * (a bench's bundled rule sync applied to a node's empty tables): its stdout, trimmed.
 */
export function inNodeContainer(dir, script, args) {
  const argv = ['run', '--rm', '--cap-add', 'NET_ADMIN', '-v', `${dir}:/b:ro`, '--entrypoint', 'node', 'kubelab/node:latest'];
  return execFileSync('docker', [...argv, `/b/${script}`, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 }).trim();
}

/** True when the module at `url` (its import.meta.url) is the script node was started with. */
export const isMain = (url) => Boolean(process.argv[1]) && path.resolve(process.argv[1]) === fileURLToPath(url);
