// @kubelab/cluster/connect: what a client needs to reach a running cluster, apart from the package's index,
// so a bundle split at `import('@kubelab/cluster/connect')` loads these files only (no dockerode, no
// node-forge): the CLI's every command starts with them.
export { findCluster } from './cluster-list';
export { controlPlaneProblem } from './control-plane-status';
export { clusterClient, clusterCredentials, prefetchCredentials } from './credentials';
