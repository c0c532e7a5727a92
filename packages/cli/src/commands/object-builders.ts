// The objects `run` and `create <kind>` send, shaped exactly as kubectl's generators shape them
// (k8s.io/kubectl/pkg/cmd/run/run.go, pkg/cmd/create/create_deployment.go, create_configmap.go,
// create_secret.go), so `--dry-run=client -o yaml` output matches kubectl's.
import { basename } from 'node:path';
import type { ConfigMap, Container, Deployment, EnvVar, KubeObject, Pod, Secret } from '@kubelab/api';
import { CliError } from '../errors';
import { splitKeyValue } from '../resource-args';

export interface RunSpec {
  name: string;
  image: string;
  port?: number;
  env?: string[];
  /** `a=b,c=d`; replaces the default `run=NAME`, as in kubectl. */
  labels?: string;
  annotations?: string[];
  restart?: string;
  imagePullPolicy?: string;
  /** With --command the words after `--` are the command; otherwise they are args to the image's entrypoint. */
  command?: boolean;
  words?: string[];
  stdin?: boolean;
  tty?: boolean;
}

const restartPolicies = ['Always', 'OnFailure', 'Never'];
const pullPolicies = ['Always', 'IfNotPresent', 'Never'];

export function parseLabels(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (text ?? '').split(',').filter(Boolean)) {
    const [k, v] = splitKeyValue(part, 'label spec');
    out[k] = v;
  }
  return out;
}

export function parseEnv(pairs: string[] | undefined): EnvVar[] {
  return (pairs ?? []).map((p) => {
    const i = p.indexOf('=');
    if (i <= 0) throw new CliError(`invalid env: ${p}`);
    return { name: p.slice(0, i), value: p.slice(i + 1) };
  });
}

export function buildRunPod(s: RunSpec): Pod {
  if (!s.image) throw new CliError('required flag(s) "image" not set');
  const restart = s.restart ?? 'Always';
  if (!restartPolicies.includes(restart)) throw new CliError(`invalid restart policy: ${restart}`);
  if (s.imagePullPolicy && !pullPolicies.includes(s.imagePullPolicy)) throw new CliError(`invalid image pull policy: ${s.imagePullPolicy}`);
  const labels = parseLabels(s.labels);
  const container: Container = { name: s.name, image: s.image };
  const words = s.words ?? [];
  if (words.length) {
    if (s.command) container.command = words;
    else container.args = words;
  }
  if (s.env?.length) container.env = parseEnv(s.env);
  if (s.imagePullPolicy) container.imagePullPolicy = s.imagePullPolicy as Container['imagePullPolicy'];
  if (s.port !== undefined && s.port >= 0) container.ports = [{ containerPort: s.port }];
  container.resources = {};
  if (s.stdin) Object.assign(container, { stdin: true, stdinOnce: true });
  if (s.tty) container.tty = true;
  const annotations = Object.fromEntries((s.annotations ?? []).map((a) => splitKeyValue(a, 'annotation')));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: s.name,
      labels: Object.keys(labels).length ? labels : { run: s.name },
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    spec: { containers: [container], dnsPolicy: 'ClusterFirst', restartPolicy: restart as Pod['spec']['restartPolicy'] },
  };
}

export interface DeploymentSpec {
  name: string;
  images: string[];
  replicas?: number;
  port?: number;
  /** Words after `--`: the container command (kubectl create deployment has no args form). */
  command?: string[];
}

/** kubectl names each container after its image: last path part, tag and digest dropped, `_` made `-`. */
export function containerNameForImage(image: string, taken: Set<string>): string {
  let name = image.split('/').pop() ?? image;
  name = name.split('@')[0].split(':')[0].replace(/_/g, '-');
  if (taken.has(name)) name = `${name}-${Math.random().toString(36).slice(2, 7)}`;
  taken.add(name);
  return name;
}

export function buildDeployment(s: DeploymentSpec): Deployment {
  if (s.images.length === 0) throw new CliError('required flag(s) "image" not set');
  if (s.port !== undefined && s.images.length > 1) throw new CliError('cannot specify port when using multiple images');
  const labels = { app: s.name };
  const taken = new Set<string>();
  const containers: Container[] = s.images.map((image) => ({
    name: containerNameForImage(image, taken),
    image,
    ...(s.command?.length ? { command: s.command } : {}),
    resources: {},
  }));
  if (s.port !== undefined && s.port >= 0) containers[0].ports = [{ containerPort: s.port }];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: s.name, labels },
    spec: {
      replicas: s.replicas ?? 1,
      selector: { matchLabels: { ...labels } },
      strategy: {},
      template: { metadata: { labels: { ...labels } }, spec: { containers } },
    },
  };
}

export function buildNamespace(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, spec: {} };
}

/** Data keys as Kubernetes allows them (IsConfigMapKey). */
const keyRe = /^[-._a-zA-Z0-9]+$/;

export interface DataSources {
  literals?: string[];
  /** Already-read files: `key` is the --from-file key (or the file's base name). */
  files?: { key?: string; path: string; content: Buffer }[];
}

function collectData(kind: 'ConfigMap' | 'Secret', name: string, src: DataSources): Record<string, Buffer> {
  const data: Record<string, Buffer> = {};
  const add = (key: string, value: Buffer): void => {
    if (!keyRe.test(key))
      throw new CliError(
        `"${key}" is not a valid key name for a ${kind}: a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
      );
    if (key in data)
      throw new CliError(
        `cannot add key ${key}, another key by that name already exists in ${kind === 'ConfigMap' ? 'Data' : 'data'} for ${kind} "${name}"`,
      );
    data[key] = value;
  };
  for (const lit of src.literals ?? []) {
    const [k, v] = splitKeyValue(lit, 'literal source');
    add(k, Buffer.from(v, 'utf8'));
  }
  for (const f of src.files ?? []) add(f.key ?? basename(f.path), f.content);
  return data;
}

export function buildConfigMap(name: string, src: DataSources): ConfigMap {
  const cm: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } };
  for (const [k, v] of Object.entries(collectData('ConfigMap', name, src))) {
    // Non-UTF-8 content goes to binaryData, as kubectl does.
    const text = v.toString('utf8');
    if (Buffer.from(text, 'utf8').equals(v)) (cm.data ??= {})[k] = text;
    else (cm.binaryData ??= {})[k] = v.toString('base64');
  }
  return cm;
}

export function buildSecret(name: string, src: DataSources, type = 'Opaque'): Secret {
  const data = Object.fromEntries(Object.entries(collectData('Secret', name, src)).map(([k, v]) => [k, v.toString('base64')]));
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name }, ...(Object.keys(data).length ? { data } : {}), type };
}
