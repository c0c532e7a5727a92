// `kubelab cluster up|down|list`: what a workshop leader types first.
import {
  clusterCredentials,
  clusterDown,
  clusterUp,
  ensureEngine,
  contextName,
  ensureImages,
  findCluster,
  kubeconfigFor,
  listClusters,
  removeKubeconfig,
  writeKubeconfig,
  planClusterUp,
  validateClusterName,
  type ClusterInfo,
  type UpPlan,
} from '@kubelab/cluster';
import { renderTable } from '../printers/table';

export interface UpOptions {
  name: string;
  workers: number;
  nodeSubnet?: string;
  podSubnet?: string;
  apiPort?: number;
  /** The kubelet's max-pods on every node. */
  maxPods?: number;
  /** kube-apiserver's --allow-privileged for a new cluster. */
  allowPrivileged?: boolean;
  /** Delete an existing cluster of that name (state volume included) and create it anew. */
  recreate?: boolean;
  /** Resolver for names outside cluster.local (off by default: REFUSED). */
  dnsUpstream?: string;
  /** Deploy the ingress controller (false: --no-ingress); its host ports on 127.0.0.1. */
  ingress?: boolean;
  ingressHttpPort?: number;
  ingressHttpsPort?: number;
  /** The kubeconfig to merge the context into (a path), or false for --no-kubeconfig; default: $KUBECONFIG or ~/.kube/config. */
  kubeconfig?: string | false;
}

type Print = (line: string) => void;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** Runs one step, printing `• step ... ✓ (1.2s)` so learners see where time goes. */
async function step<T>(print: Print, title: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await fn();
  print(` ✓ ${title} (${seconds(Date.now() - started)})`);
  return result;
}

export async function up(opts: UpOptions, print: Print): Promise<ClusterInfo> {
  // Refuse bad input before any work: nothing is built or created for a name that cannot be used.
  validateClusterName(opts.name);
  const started = Date.now();
  await ensureEngine();
  const engineMs = Date.now() - started;
  // What exists decides the heading: a cluster that is there is checked or repaired, never silently replaced.
  print(heading(opts, await planClusterUp(opts.name)));
  print(` ✓ Docker engine ready (${seconds(engineMs)})`);
  const images = await step(print, 'Images ready', () =>
    ensureImages((what: string, ms: number) => print(`   · ${what} (${seconds(ms)})`), { onWait: (m) => print(`   · ${m} ...`) }),
  );
  const info = await clusterUp({ ...opts, image: images.nodeImage, announce: (line) => print(` ! ${line}`) }, (what: string, ms: number) =>
    print(` ✓ ${what} (${seconds(ms)})`),
  );
  if (info.alreadyUp) {
    print(`Cluster "${opts.name}" is already up.`);
  } else if (info.repaired) {
    print(`Cluster "${opts.name}" is repaired and up in ${seconds(Date.now() - started)}.`);
  } else if (info.recreated) {
    print(`Cluster "${opts.name}" is recreated and up in ${seconds(Date.now() - started)}.`);
  } else {
    print(`Cluster "${opts.name}" is up in ${seconds(Date.now() - started)}.`);
  }
  if (opts.kubeconfig !== false && info.apiUrl) {
    const creds = await clusterCredentials(info);
    const file = writeKubeconfig({ cluster: opts.name, server: info.apiUrl, ca: creds?.ca, token: creds?.adminToken }, opts.kubeconfig);
    print(`Set kubectl context to "${contextName(opts.name)}" in ${file}`);
  }
  print('');
  print(summary(info));
  return info;
}

function heading(opts: UpOptions, plan: UpPlan): string {
  const shape = `(1 control plane + ${opts.workers} worker${opts.workers === 1 ? '' : 's'})`;
  if (plan.kind === 'create' || plan.kind === 'clear-leftovers') return `Creating cluster "${opts.name}" ${shape} ...`;
  if (opts.recreate) return `Recreating cluster "${opts.name}" ${shape} ...`;
  if (plan.kind === 'running') return `Checking cluster "${opts.name}" ...`;
  return `Repairing cluster "${opts.name}" ...`;
}

export function summary(info: ClusterInfo): string {
  const ctx = info.name === 'kubelab' ? '' : ` --cluster ${info.name}`;
  const rows = [['NODE', 'ROLE', 'NODE-IP', 'POD-CIDR'], ...info.nodes.map((n) => [n.name, n.role, n.ip, n.podCIDR])];
  return [
    renderTable(rows),
    '',
    `API server:     ${info.apiUrl}   (inside the cluster: ${info.internalApiUrl})`,
    `Node network:   ${info.nodeSubnet}    Pod network: ${info.podSubnet}    Service CIDR: ${info.serviceCidr}`,
    ...(info.ingress
      ? [
          `Ingress:        http://127.0.0.1:${info.ingress.httpPort}  https://127.0.0.1:${info.ingress.httpsPort}   (names under *.localhost reach it: http://app.localhost:${info.ingress.httpPort}/)`,
        ]
      : []),
    '',
    'Next, try:',
    `  npx kubelab${ctx} get nodes -o wide        (or: kubectl --context ${contextName(info.name)} get nodes -o wide)`,
    `  npx kubelab${ctx} apply -f examples/echo-deployment.yaml`,
    `  npx kubelab${ctx} get pods -o wide`,
    `  npm run cluster:down${info.name === 'kubelab' ? '' : ` -- --name ${info.name}`}`,
  ].join('\n');
}

export async function buildImages(print: Print): Promise<void> {
  await step(print, 'Docker engine ready', () => ensureEngine());
  const images = await step(print, 'Images ready', () =>
    ensureImages((what: string, ms: number) => print(`   · ${what} (${seconds(ms)})`), { onWait: (m) => print(`   · ${m} ...`) }),
  );
  print(`Node image: ${images.nodeImage} (also tagged ${images.nodeImage.replace(/:[^:/]*$/, '')}:latest)`);
}

export async function down(name: string, print: Print, kubeconfig?: string | false): Promise<void> {
  const started = Date.now();
  const { removed } = await clusterDown(name);
  // As kind: the context goes with the cluster (current-context emptied when it was this one).
  if (kubeconfig !== false && removeKubeconfig(name, kubeconfig)) print(`Deleted context "${contextName(name)}" from the kubeconfig.`);
  if (removed.containers + removed.networks + removed.volumes === 0) {
    print(`No cluster named "${name}" (nothing to remove).`);
    return;
  }
  print(
    `Deleted cluster "${name}": ${removed.containers} containers, ${removed.networks} networks, ${removed.volumes} volumes (${seconds(Date.now() - started)}).`,
  );
}

/** `kubelab get kubeconfig --name NAME [--internal]`: the cluster's kubeconfig on stdout, as `kind get kubeconfig`. */
export async function getKubeconfig(name: string, internal: boolean): Promise<string> {
  const info = await findCluster(name);
  if (!info) throw new Error(`no cluster named "${name}"`);
  const server = internal ? info.internalApiUrl : info.apiUrl;
  if (!server)
    throw new Error(`cluster "${name}" is not running: its API server has no address (start it with: kubelab cluster up --name ${name})`);
  const creds = await clusterCredentials(info);
  return kubeconfigFor({ cluster: name, server, ca: creds?.ca, token: creds?.adminToken });
}

export async function list(): Promise<string> {
  const clusters = await listClusters();
  if (clusters.length === 0) return 'No kubelab clusters.';
  return renderTable([
    ['NAME', 'NODES', 'STATUS', 'API'],
    ...clusters.map((c) => [c.name, String(c.nodes), c.status, c.apiUrl ?? '<none>']),
  ]);
}
