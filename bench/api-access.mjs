// How the benchmarks reach a cluster's API: HTTPS with the cluster CA and the admin token, read from the
// kubeconfig `kubelab get kubeconfig` prints (the same credentials kubectl uses).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, fetch as undiciFetch } from 'undici';
import YAML from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** { base, ca, token, fetch }: fetch(url, init) sends the token and trusts the cluster CA. */
export function clusterAccess(name) {
  const r = spawnSync(process.execPath, [path.join(root, 'packages/cli/bin/kubelab.mjs'), 'get', 'kubeconfig', '--name', name], {
    cwd: root,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`kubelab get kubeconfig --name ${name} failed:\n${r.stderr}`);
  const config = YAML.parse(r.stdout);
  const cluster = config.clusters[0].cluster;
  const caData = cluster['certificate-authority-data'];
  const ca = caData ? Buffer.from(caData, 'base64').toString('utf8') : undefined;
  const token = config.users[0].user?.token;
  const dispatcher = new Agent({ connections: 64, ...(ca ? { connect: { ca } } : {}) });
  const auth = token ? { authorization: `Bearer ${token}` } : {};
  return {
    base: cluster.server,
    ca,
    token,
    fetch: (url, init = {}) => undiciFetch(url, { ...init, dispatcher, headers: { ...init.headers, ...auth } }),
  };
}
