// Where the host finds a cluster's credentials: the state volume's pki/, read through the control-plane
// container with Docker's archive API (as kind reads admin.conf from its control plane), never copied to
// anything a pod can reach. `cluster up` writes them there before the control plane first starts.
import { KubeClient, type ClientOptions } from '@kubelab/client';
import { clusterCredentials } from './credentials-read';
import { STATE_DIR } from './names';
import type { ClusterPki } from './pki';
import { PKI_DIR } from './pki-tokens';
import { createTar } from './tar';
import type { ClusterInfo } from './types';

export {
  type ClusterCredentials,
  clusterCredentials,
  prefetchCredentials,
  readCredentials,
  readTar,
} from './credentials-read';

/** A client for the cluster as its administrator (what the kubeconfig holds), over HTTPS with the cluster CA. */
export async function clusterClient(info: ClusterInfo, opts: Omit<ClientOptions, 'baseUrl' | 'token' | 'ca'> = {}): Promise<KubeClient> {
  if (!info.apiUrl) throw new Error(`cluster "${info.name}" has no published API port (is the control plane running?)`);
  const creds = info.apiUrl.startsWith('https:') ? await clusterCredentials(info) : undefined;
  return new KubeClient({ ...opts, baseUrl: info.apiUrl, token: creds?.adminToken, ca: creds?.ca });
}

/** Puts pki/ on the state volume through the (created, not yet started) control-plane container. */
export async function writeCredentials(containerId: string, pki: ClusterPki): Promise<void> {
  const tar = createTar(
    Object.entries(pki.files).map(([f, content]) => ({
      name: `${PKI_DIR}/${f}`,
      content,
      mode: f.endsWith('.crt') || f.endsWith('.pub') ? 0o644 : 0o600,
    })),
  );
  const { docker } = await import('./docker');
  await docker().getContainer(containerId).putArchive(tar, { path: STATE_DIR });
}
