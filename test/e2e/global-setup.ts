// Once per `npm test`: a Docker engine, the images, and no stale test clusters left by an earlier run that
// was killed (their subnets would clash). Test clusters are named `kltest-*`; nothing else is touched.
import { clusterDown, ensureEngine, ensureImages, listClusters } from '@kubelab/cluster';

async function removeTestClusters(): Promise<void> {
  for (const c of await listClusters()) {
    if (c.name.startsWith('kltest-')) await clusterDown(c.name);
  }
}

export async function setup(): Promise<void> {
  await ensureEngine();
  await ensureImages(() => {});
  await removeTestClusters();
}

export async function teardown(): Promise<void> {
  await removeTestClusters();
}
