// Bundles kubelab with esbuild: the CLI on the host (dist/cli, one chunk per command beside shared ones) and
// everything that runs inside kubelab's containers (dist/image: API server, node agent, echo server). Type checking is `npm run typecheck`;
// bundling stays fast (well under a second) so `cluster:up` and `npm test` can always run it first.
import { build } from 'esbuild';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const quiet = process.argv.includes('--quiet');

// ESM bundles still meet CommonJS dependencies that use require() and __dirname (ssh2, via dockerode).
const banner = {
  js: [
    "import { createRequire as __kubelabCreateRequire } from 'node:module';",
    "import { fileURLToPath as __kubelabFileURLToPath } from 'node:url';",
    "import { dirname as __kubelabDirname } from 'node:path';",
    'const require = __kubelabCreateRequire(import.meta.url);',
    'const __filename = __kubelabFileURLToPath(import.meta.url);',
    'const __dirname = __kubelabDirname(__filename);',
  ].join('\n'),
};

// The etcd3 client loads its gRPC definitions from .proto files next to its code at run time: in a bundle
// they sit beside the bundle, under etcd3-proto/ (copied below).
const etcd3Protos = {
  name: 'etcd3-protos',
  setup(b) {
    b.onLoad({ filter: /etcd3[\\/]lib[\\/]connection-pool\.js$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replace('`${__dirname}/../proto/rpc.proto`', '`${__dirname}/etcd3-proto/rpc.proto`'),
      loader: 'js',
    }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  banner,
  logLevel: quiet ? 'warning' : 'info',
  // Native optional dependencies of ssh2 (pulled in by docker-modem); both are loaded in try/catch.
  external: ['cpu-features', '*.node'],
  absWorkingDir: root,
  plugins: [etcd3Protos],
};

const started = Date.now();
// Chunk names carry content hashes: drop the previous build's so the image holds only what this one uses.
for (const f of existsSync(path.join(root, 'dist/image')) ? readdirSync(path.join(root, 'dist/image')) : [])
  if (/\.(mjs|js)(\.map)?$/.test(f)) rmSync(path.join(root, 'dist/image', f));
const [cli] = await Promise.all([
  // Split at the command table's dynamic imports (packages/cli/src/command-table.ts): a command loads its own
  // module and dependencies only, not every other command's (start-up was ~0.3 s of compiling the whole CLI).
  build({
    ...common,
    entryPoints: { kubelab: 'packages/cli/src/main.ts' },
    outdir: 'dist/cli',
    splitting: true,
    outExtension: { '.js': '.mjs' },
    chunkNames: '[name]-[hash]',
    metafile: true,
  }),
  // Split at the roles' dynamic imports: a DNS or ingress pod loads only its role's code, not the API server's
  // and the kubelet's (the whole bundle cost each such process ~20 MB of heap for compiled code it never ran).
  build({
    ...common,
    entryPoints: { 'kubelab-node': 'packages/node-image/src/main.ts' },
    outdir: 'dist/image',
    splitting: true,
    outExtension: { '.js': '.mjs' },
    // Beside the entry: the bundled code finds its files (etcd3-proto) from its own __dirname.
    chunkNames: '[name]-[hash]',
  }),
  // The `kubelab ui` page: cytoscape and its layout bundled in, so the page needs no CDN (served from dist/ui).
  build({
    entryPoints: ['packages/cli/src/ui/page/main.ts'],
    outfile: 'dist/ui/app.js',
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    logLevel: quiet ? 'warning' : 'info',
    absWorkingDir: root,
  }),
]);
// Earlier builds' CLI chunks go once they are an hour old, not before: a CLI process still running (kubelab ui,
// a watch, a test's command) may yet import chunks of the build it started from.
const built = new Set(Object.keys(cli.metafile.outputs).map((f) => path.resolve(root, f)));
for (const f of readdirSync(path.join(root, 'dist/cli'))) {
  const file = path.join(root, 'dist/cli', f);
  if (/\.mjs(\.map)?$/.test(f) && !built.has(file) && Date.now() - statSync(file).mtimeMs > 3600_000) rmSync(file, { force: true });
}
for (const f of ['index.html', 'app.css']) cpSync(path.join(root, 'packages/cli/src/ui/page', f), path.join(root, 'dist/ui', f));
cpSync(path.join(root, 'node_modules/etcd3/proto'), path.join(root, 'dist/image/etcd3-proto'), { recursive: true });
if (!quiet) console.log(`built dist/ in ${Date.now() - started} ms`);
