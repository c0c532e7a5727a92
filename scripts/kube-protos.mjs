// What the generators of Kubernetes' schema tables share (gen-kube-schema.mjs, gen-apply-schema.mjs): their
// arguments, the generated.proto files of k8s.io/api and k8s.io/apimachinery laid out by import path and read
// with protobufjs (comments kept), and shortening message names (k8s.io.api.core.v1.Pod -> core.Pod).
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import protobuf from 'protobufjs';

export { protobuf };

/** The API_REPO and APIMACHINERY_REPO arguments (checkouts at the Kubernetes version wanted), or usage and exit 2. */
export function repoArgs(script) {
  const [apiRepo, machineryRepo] = process.argv.slice(2);
  if (!apiRepo || !machineryRepo) {
    console.error(`usage: node scripts/${script} API_REPO APIMACHINERY_REPO`);
    process.exit(2);
  }
  return { apiRepo, machineryRepo };
}

const machinery = ['pkg/apis/meta/v1', 'pkg/runtime', 'pkg/runtime/schema', 'pkg/util/intstr', 'pkg/api/resource'];

/** The v1 generated.proto of each API group in `groups` (and apimachinery's), loaded from `load` (import paths) and resolved. */
export function loadKubeProtos({ apiRepo, machineryRepo, groups, load }) {
  const protoRoot = mkdtempSync(path.join(tmpdir(), 'kube-proto-'));
  const place = (from, importPath) => {
    mkdirSync(path.dirname(path.join(protoRoot, importPath)), { recursive: true });
    copyFileSync(from, path.join(protoRoot, importPath));
  };
  for (const g of groups) place(path.join(apiRepo, g, 'v1', 'generated.proto'), `k8s.io/api/${g}/v1/generated.proto`);
  for (const m of machinery) place(path.join(machineryRepo, m, 'generated.proto'), `k8s.io/apimachinery/${m}/generated.proto`);
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(protoRoot, target);
  root.loadSync(load, { keepCase: true, alternateCommentMode: true });
  root.resolveAll();
  return root;
}

/** The import path of group `g`'s generated.proto. */
export const groupProto = (g) => `k8s.io/api/${g}/v1/generated.proto`;

/** A message's full name with the first matching [long, short] prefix replaced; undefined when none matches. */
export function shortener(prefixes) {
  return (n) => {
    const name = n.replace(/^\./, '');
    const p = prefixes.find(([long]) => name.startsWith(long));
    return p ? p[1] + name.slice(p[0].length) : undefined;
  };
}
