// In-cluster configuration, as client-go's rest.InClusterConfig and @kubernetes/client-node's loadFromCluster:
// the API server from KUBERNETES_SERVICE_HOST/PORT (the `kubernetes` Service the kubelet puts in every pod's
// environment), the ServiceAccount token and CA the kubelet mounts at /var/run/secrets/kubernetes.io/serviceaccount.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { KubeClient, type ClientOptions } from './client';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface InClusterOptions extends Omit<ClientOptions, 'baseUrl' | 'token' | 'tokenFile' | 'ca'> {
  env?: NodeJS.ProcessEnv;
  /** Where the token, ca.crt and namespace are (default SERVICE_ACCOUNT_DIR). */
  dir?: string;
}

/** client-go's ErrNotInCluster wording, so the failure reads the same as in Go and Python programs. */
export class NotInClusterError extends Error {
  constructor() {
    super('unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined');
  }
}

export function inClusterClient(opts: InClusterOptions = {}): KubeClient {
  const { env = process.env, dir = SERVICE_ACCOUNT_DIR, ...rest } = opts;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new NotInClusterError();
  const tokenFile = path.join(dir, 'token');
  const caFile = path.join(dir, 'ca.crt');
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return new KubeClient({
    ...rest,
    baseUrl: `https://${hostPart}:${port}`,
    tokenFile: existsSync(tokenFile) ? tokenFile : undefined,
    ca: existsSync(caFile) ? readFileSync(caFile, 'utf8') : undefined,
  });
}

/** The pod's namespace as the kubelet mounts it, or undefined outside a pod. */
export function inClusterNamespace(dir = SERVICE_ACCOUNT_DIR): string | undefined {
  try {
    return readFileSync(path.join(dir, 'namespace'), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * The client of a kubelab system process (node agent, DNS, ingress): in a pod, the in-cluster config; in a
 * node container, KUBELAB_API_URL with KUBELAB_TOKEN (or KUBELAB_TOKEN_FILE) and KUBELAB_CA_DATA (base64 PEM,
 * like a kubeconfig's certificate-authority-data) or KUBELAB_CA_FILE, as `cluster up` sets them.
 */
export function componentClient(env: NodeJS.ProcessEnv = process.env, opts: InClusterOptions = {}): KubeClient {
  if (env.KUBELAB_API_URL) {
    const ca = env.KUBELAB_CA_DATA
      ? Buffer.from(env.KUBELAB_CA_DATA, 'base64').toString('utf8')
      : env.KUBELAB_CA_FILE
        ? readFileSync(env.KUBELAB_CA_FILE, 'utf8')
        : undefined;
    return new KubeClient({
      ...opts,
      baseUrl: env.KUBELAB_API_URL,
      token: env.KUBELAB_TOKEN || undefined,
      tokenFile: env.KUBELAB_TOKEN_FILE,
      ca,
    });
  }
  return inClusterClient({ ...opts, env });
}
