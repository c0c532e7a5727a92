// The first Docker questions of a command (where is the cluster, what are its credentials), through
// @kubelab/cluster's lightest entry: context.ts starts them before the command's own code has loaded.
export { findCluster, prefetchCredentials } from '@kubelab/cluster/find';
