// `kubelab-node pki-init`: the credentials step of a cluster that Compose starts (compose.yaml), where no
// `kubelab cluster up` runs to make them. Like `kubeadm init phase certs`, it runs once before the control
// plane: it writes pki/ on the state volume (the same files `cluster up` writes) unless they are there
// already, and gives each node container its token and the CA through a volume only node containers mount.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { firstServiceIp, generateClusterPki, parseTokens, PKI_DIR } from './pki';

export interface PkiInitConfig {
  cluster: string;
  stateDir: string;
  /** Where node containers read `<node>.token` and `ca.crt`. */
  nodeCredentialsDir: string;
  /** Node names, the control plane first. */
  nodes: string[];
  controlPlaneIp: string;
  serviceCidr: string;
}

export function pkiInitConfigFromEnv(env: NodeJS.ProcessEnv): PkiInitConfig {
  const need = (k: string): string => {
    const v = env[k];
    if (!v) throw new Error(`pki-init: ${k} is not set (compose.yaml sets it)`);
    return v;
  };
  const nodes = need('KUBELAB_PKI_NODES')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  return {
    cluster: need('KUBELAB_CLUSTER'),
    stateDir: env.KUBELAB_STATE_DIR ?? '/var/lib/kubelab',
    nodeCredentialsDir: need('KUBELAB_NODE_CREDENTIALS_DIR'),
    nodes,
    controlPlaneIp: need('NODE_IP'),
    serviceCidr: env.SERVICE_CIDR ?? '10.96.0.0/12',
  };
}

/** Makes (or, on a later start, reuses) the cluster's credentials; returns whether new ones were made. */
export function runPkiInit(cfg: PkiInitConfig): boolean {
  const pkiDir = path.join(cfg.stateDir, PKI_DIR);
  let ca: string;
  let nodeTokens: Record<string, string>;
  const made = !existsSync(path.join(pkiDir, 'tokens.csv'));
  if (made) {
    const pki = generateClusterPki({
      cluster: cfg.cluster,
      controlPlaneIp: cfg.controlPlaneIp,
      controlPlaneName: cfg.nodes[0],
      serviceIp: firstServiceIp(cfg.serviceCidr),
      nodeNames: cfg.nodes,
    });
    mkdirSync(pkiDir, { recursive: true, mode: 0o700 });
    // tokens.csv last: its presence is what marks the set complete.
    const names = Object.keys(pki.files).sort((a, b) => Number(a === 'tokens.csv') - Number(b === 'tokens.csv'));
    for (const f of names) {
      writeFileSync(path.join(pkiDir, f), pki.files[f], { mode: f.endsWith('.crt') || f.endsWith('.pub') ? 0o644 : 0o600 });
    }
    ca = pki.caCert;
    nodeTokens = pki.nodeTokens;
  } else {
    ca = readFileSync(path.join(pkiDir, 'ca.crt'), 'utf8');
    nodeTokens = parseTokens(readFileSync(path.join(pkiDir, 'tokens.csv'), 'utf8')).nodeTokens;
  }
  mkdirSync(cfg.nodeCredentialsDir, { recursive: true });
  writeFileSync(path.join(cfg.nodeCredentialsDir, 'ca.crt'), ca, { mode: 0o644 });
  for (const node of cfg.nodes) {
    const token = nodeTokens[node];
    if (!token)
      throw new Error(`pki-init: the cluster's tokens.csv has no token for node ${node}; recreate the cluster (docker compose down -v)`);
    writeFileSync(path.join(cfg.nodeCredentialsDir, `${node}.token`), token, { mode: 0o600 });
  }
  return made;
}
