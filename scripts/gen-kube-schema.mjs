// Regenerates the API server's Kubernetes field table and descriptions from Kubernetes' own sources:
//   packages/apiserver/src/rest/protobuf/kube-proto-schema.ts  (protobuf decoding, OpenAPI, fieldValidation)
//   packages/apiserver/src/openapi-descriptions.ts              (kubectl explain)
//
// Usage: node scripts/gen-kube-schema.mjs API_REPO APIMACHINERY_REPO
// where the two arguments are checkouts of k8s.io/api and k8s.io/apimachinery at the Kubernetes version
// wanted. The .proto files are read with protobufjs (comments kept); Go pointer fields and embedded structs
// (which JSON flattens) are read from types.go.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { groupProto, loadKubeProtos, protobuf, repoArgs, shortener } from './kube-protos.mjs';

const { apiRepo, machineryRepo } = repoArgs('gen-kube-schema.mjs');
const groups = ['core', 'apps', 'discovery', 'autoscaling'];
const root = loadKubeProtos({
  apiRepo,
  machineryRepo,
  groups,
  load: [...groups.map(groupProto), 'k8s.io/apimachinery/pkg/runtime/generated.proto'],
});

const kinds = [
  'core.v1.Namespace',
  'core.v1.ConfigMap',
  'core.v1.Secret',
  'core.v1.Pod',
  'core.v1.Service',
  'core.v1.Node',
  'core.v1.Event',
  'core.v1.Endpoints',
  'apps.v1.Deployment',
  'apps.v1.ReplicaSet',
  'discovery.v1.EndpointSlice',
  'autoscaling.v1.Scale',
].map((k) => `k8s.io.api.${k}`);
const seen = new Map();
const visit = (t) => {
  if (seen.has(t.fullName)) return;
  seen.set(t.fullName, t);
  for (const f of t.fieldsArray) if (f.resolvedType instanceof protobuf.Type) visit(f.resolvedType);
};
for (const k of [...kinds, 'k8s.io.apimachinery.pkg.runtime.Unknown', 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions'])
  visit(root.lookupType(k));

const prefixes = [
  ['k8s.io.api.core.v1.', 'core.'],
  ['k8s.io.api.apps.v1.', 'apps.'],
  ['k8s.io.api.discovery.v1.', 'discovery.'],
  ['k8s.io.api.autoscaling.v1.', 'autoscaling.'],
  ['k8s.io.apimachinery.pkg.apis.meta.v1.', 'meta.'],
  ['k8s.io.apimachinery.pkg.runtime.schema.', 'schema.'],
  ['k8s.io.apimachinery.pkg.runtime.', 'runtime.'],
  ['k8s.io.apimachinery.pkg.api.resource.', 'resource.'],
  ['k8s.io.apimachinery.pkg.util.intstr.', 'intstr.'],
];
const shorten = shortener(prefixes);
const short = (n) => shorten(n) ?? n.replace(/^\./, '');

// Go pointer fields (`Replicas *int32`) and embedded structs (`ProbeHandler \`json:""\``) from types.go.
const pointers = new Set();
const inline = new Set();
const typesFiles = [
  ...groups.map((g) => [g, path.join(apiRepo, g, 'v1', 'types.go')]),
  ['meta', path.join(machineryRepo, 'pkg/apis/meta/v1/types.go')],
];
for (const [pkg, file] of typesFiles) {
  let struct = null;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const t = /^type (\w+) struct \{/.exec(line);
    if (t) {
      struct = t[1];
      continue;
    }
    if (line.startsWith('}')) struct = null;
    if (!struct) continue;
    const ptr = /^\t\w+\s+\*[\w.]+\s+`json:"([^,"]+)/.exec(line);
    if (ptr) pointers.add(`${pkg}.${struct}.${ptr[1]}`);
    const emb = /^\t(\w+)\s+`json:"(,inline)?"\s+protobuf:"([^"]*)"/.exec(line);
    if (emb) {
      const named = /name=(\w+)/.exec(emb[3]);
      inline.add(`${pkg}.${struct}.${named ? named[1] : emb[1][0].toLowerCase() + emb[1].slice(1)}`);
    }
  }
}

const entries = [...seen.values()]
  .map((t) => {
    const name = short(t.fullName);
    const fields = t.fieldsArray.map((f) => {
      const type = f.resolvedType ? short(f.resolvedType.fullName) : f.type;
      const key = `${name}.${f.name}`;
      const rule = f.map ? `:map:${f.keyType}` : f.repeated ? ':repeated' : inline.has(key) ? ':inline' : pointers.has(key) ? ':ptr' : '';
      return `${f.name}:${f.id}:${type}${rule}`;
    });
    return [name, fields.join(' ')];
  })
  .sort(([a], [b]) => (a < b ? -1 : 1));

writeFileSync(
  'packages/apiserver/src/rest/protobuf/kube-proto-schema.ts',
  `// Generated from k8s.io/api and k8s.io/apimachinery generated.proto (the messages reachable from the kinds
// kubelab serves): per message, its fields as \`jsonName:number:type[:repeated|:map:keyType|:ptr|:inline]\`;
// \`ptr\` marks a Go pointer field (its zero value is meaningful: replicas 0), \`inline\` an embedded struct whose
// fields JSON puts in the parent (Probe's handler, Volume's volumeSource). Regenerate rather than edit by hand.
export const kubeProtoSchema: Record<string, string> = {
${entries.map(([n, f]) => `  '${n}': '${f}',`).join('\n')}
};
`,
);

// Descriptions: the first paragraph of each comment, for the messages lessons use.
const described = [
  'core.Pod',
  'core.PodSpec',
  'core.PodStatus',
  'core.Container',
  'core.ContainerPort',
  'core.EnvVar',
  'core.EnvVarSource',
  'core.Probe',
  'core.HTTPGetAction',
  'core.TCPSocketAction',
  'core.ExecAction',
  'core.Volume',
  'core.VolumeMount',
  'core.ResourceRequirements',
  'core.ConfigMap',
  'core.Secret',
  'core.Namespace',
  'core.Service',
  'core.ServiceSpec',
  'core.ServicePort',
  'core.Node',
  'core.Toleration',
  'core.PodTemplateSpec',
  'core.EmptyDirVolumeSource',
  'core.ConfigMapVolumeSource',
  'core.SecretVolumeSource',
  'core.Endpoints',
  'core.Event',
  'apps.Deployment',
  'apps.DeploymentSpec',
  'apps.DeploymentStrategy',
  'apps.RollingUpdateDeployment',
  'apps.DeploymentStatus',
  'apps.ReplicaSet',
  'apps.ReplicaSetSpec',
  'discovery.EndpointSlice',
  'meta.ObjectMeta',
  'meta.LabelSelector',
];
const clean = (c) =>
  (c || '')
    .split('\n')
    .filter((l) => !l.trim().startsWith('+'))
    .join('\n')
    .split(/\n\s*\n/)[0]
    .replace(/\s+/g, ' ')
    .trim();
const byShort = new Map([...seen.values()].map((t) => [short(t.fullName), t]));
const lines = described.map((n) => {
  const t = byShort.get(n);
  const d = { '': clean(t.comment) };
  for (const f of t.fieldsArray) {
    const c = clean(f.comment);
    if (c) d[f.name] = c;
  }
  return `  '${n}': ${JSON.stringify(d)},`;
});
writeFileSync(
  'packages/apiserver/src/openapi-descriptions.ts',
  `// Generated from the comments of k8s.io/api and k8s.io/apimachinery generated.proto (Apache-2.0, The Kubernetes
// Authors): the first paragraph of the descriptions of the kinds and fields lessons use, for kubectl explain.
// Per message: '' describes the message, other keys its fields. Other messages go without descriptions.
export const kubeDescriptions: Record<string, Record<string, string>> = {
${lines.join('\n')}
};
`,
);
console.log(`${entries.length} messages, ${described.length} described; run npx biome check --write on the two files`);
