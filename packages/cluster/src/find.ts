// @kubelab/cluster/find: finding a cluster's containers and starting to read its credentials, with the Docker
// socket only (no dockerode, no API client): what the CLI starts first, while the rest of its code loads.
export { findCluster } from './cluster-list';
export { prefetchCredentials } from './credentials-read';
