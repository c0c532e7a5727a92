// Once per `npm test`: a Docker engine, the images, and no stale test clusters left by an earlier run that
// was killed (their subnets would clash). Test clusters are named `kltest-*`; nothing else is touched.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clusterDown, ensureEngine, ensureImages, listClusters } from '@kubelab/cluster';

// `cluster up` merges a context into $KUBECONFIG (else ~/.kube/config): every test run gets its own file, set
// here before the test workers start so they inherit it, and no test ever touches the user's kubeconfig.
let kubeconfigDir: string | undefined;

async function removeTestClusters(): Promise<void> {
  for (const c of await listClusters()) {
    if (c.name.startsWith('kltest-')) await clusterDown(c.name);
  }
}

export async function setup(): Promise<void> {
  kubeconfigDir = mkdtempSync(path.join(os.tmpdir(), 'kubelab-e2e-kubeconfig-'));
  process.env.KUBECONFIG = path.join(kubeconfigDir, 'config');
  await ensureEngine();
  await ensureImages(() => {});
  await removeTestClusters();
}

export async function teardown(): Promise<void> {
  await removeTestClusters();
  if (kubeconfigDir) rmSync(kubeconfigDir, { recursive: true, force: true });
}
