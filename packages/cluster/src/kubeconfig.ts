// The kubeconfig entries `cluster up` writes and `cluster down` removes, as kind does
// (sigs.k8s.io/kind/pkg/cluster/internal/kubeconfig): one cluster, user and context named `kubelab-NAME`,
// merged into the first path of $KUBECONFIG (else ~/.kube/config), made the current context. The merge and
// removal are pure over the YAML document (comments and foreign entries kept, the `yaml` library's
// Document API); the file I/O writes through a temporary file and a rename so a crash never leaves half a file.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML, { isMap, isSeq, type Document } from 'yaml';

/** kind's prefix is `kind-`; ours names the lab, so contexts of both can live in one file. */
export const contextName = (cluster: string): string => `kubelab-${cluster}`;

export interface KubeconfigEntry {
  cluster: string;
  /** https://127.0.0.1:PORT */
  server: string;
  /** PEM of the cluster CA (certificate-authority-data); absent for a cluster made before kubelab had TLS. */
  ca?: string;
  /** The admin's bearer token (user kubelab-NAME). */
  token?: string;
}

/** The file kubectl reads first: the first entry of $KUBECONFIG (kubectl writes new entries there too), else ~/.kube/config. */
export function kubeconfigPath(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return explicit;
  const first = (env.KUBECONFIG ?? '').split(path.delimiter).find((p) => p.length > 0);
  return first ?? path.join(env.HOME || os.homedir(), '.kube', 'config');
}

/** A kubeconfig with only this cluster in it (`kubelab get kubeconfig`). */
export function kubeconfigFor(entry: KubeconfigEntry): string {
  return mergeKubeconfig('', entry);
}

const LISTS = ['clusters', 'contexts', 'users'] as const;

function parse(text: string): Document {
  const doc = YAML.parseDocument(text);
  if (doc.errors.length) throw new Error(`not a valid kubeconfig: ${doc.errors[0].message}`);
  if (doc.contents !== null && !isMap(doc.contents)) throw new Error('not a valid kubeconfig: the top level is not a mapping');
  return doc;
}

/** The named entries of one list, without `name`'s entry. */
function without(doc: Document, list: (typeof LISTS)[number], name: string): void {
  const seq = doc.get(list);
  if (!isSeq(seq)) return;
  seq.items = seq.items.filter((item) => !(isMap(item) && item.get('name') === name));
}

/** The config with this cluster's cluster, user and context replaced or added, and current-context set to it. */
export function mergeKubeconfig(existing: string, entry: KubeconfigEntry): string {
  const doc = parse(existing);
  if (!doc.contents) doc.contents = doc.createNode({});
  const name = contextName(entry.cluster);
  if (!doc.has('apiVersion')) doc.set('apiVersion', 'v1');
  if (!doc.has('kind')) doc.set('kind', 'Config');
  const add: Record<(typeof LISTS)[number], unknown> = {
    // The cluster CA, as kind writes it. A cluster made before kubelab had TLS is plain HTTP: there is no
    // certificate to verify, and @kubernetes/client-node refuses an http:// server unless
    // insecure-skip-tls-verify is set ("HTTP protocol is not allowed when skipTLSVerify is not set").
    clusters: {
      cluster: entry.ca
        ? { 'certificate-authority-data': Buffer.from(entry.ca).toString('base64'), server: entry.server }
        : { server: entry.server, 'insecure-skip-tls-verify': true },
      name,
    },
    contexts: { context: { cluster: name, user: name }, name },
    // The cluster admin's bearer token (system:masters): keep this file private (written 0600).
    users: { name, user: entry.token ? { token: entry.token } : {} },
  };
  for (const list of LISTS) {
    without(doc, list, name);
    const seq = doc.get(list);
    if (isSeq(seq)) seq.items.push(doc.createNode(add[list]));
    else doc.set(list, doc.createNode([add[list]]));
  }
  doc.set('current-context', name);
  if (!doc.has('preferences')) doc.set('preferences', doc.createNode({}));
  return doc.toString();
}

/**
 * The config without this cluster's entries; current-context is emptied when it was ours (kind does the
 * same, and kubectl then asks for a context instead of silently talking to another cluster).
 */
export function removeFromKubeconfig(existing: string, cluster: string): { text: string; changed: boolean } {
  const doc = parse(existing);
  if (!doc.contents) return { text: existing, changed: false };
  const name = contextName(cluster);
  const before = doc.toString();
  for (const list of LISTS) without(doc, list, name);
  if (doc.get('current-context') === name) doc.set('current-context', '');
  const text = doc.toString();
  return { text, changed: text !== before };
}

function readIfThere(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

function writeAtomically(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.kubelab-${process.pid}.tmp`;
  // 0600 as kubectl and kind write it: a kubeconfig usually holds credentials.
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
}

/** Merges the cluster into the file (created when missing); returns the path written. */
export function writeKubeconfig(entry: KubeconfigEntry, explicit?: string): string {
  const file = kubeconfigPath(explicit);
  writeAtomically(file, mergeKubeconfig(readIfThere(file), entry));
  return file;
}

/** Removes the cluster's entries from the file; true when there were any. A missing file is left missing. */
export function removeKubeconfig(cluster: string, explicit?: string): boolean {
  const file = kubeconfigPath(explicit);
  const text = readIfThere(file);
  if (!text) return false;
  const out = removeFromKubeconfig(text, cluster);
  if (out.changed) writeAtomically(file, out.text);
  return out.changed;
}
