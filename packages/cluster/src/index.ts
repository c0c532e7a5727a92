// @kubelab/cluster: the Docker shell that builds kubelab's images and creates, reads and removes clusters.
export { ensureEngine } from './engine';
export { ensureImages, type ImageOptions, type Images } from './images';
export { clusterUp, planClusterUp } from './cluster-up';
export type { UpPlan } from './cluster-repair';
export { clusterDown } from './cluster-down';
export {
  contextName,
  kubeconfigFor,
  kubeconfigPath,
  mergeKubeconfig,
  removeFromKubeconfig,
  removeKubeconfig,
  writeKubeconfig,
  type KubeconfigEntry,
} from './kubeconfig';
export { findCluster, listClusters } from './cluster-list';
export { controlPlaneProblem } from './control-plane-status';
export { clusterClient, clusterCredentials, type ClusterCredentials } from './credentials';
export { waitForClusterReady } from './ready';
export { findRepoRoot } from './repo';
export {
  planAddresses,
  defaultNodeSubnet,
  defaultPodSubnet,
  type AddressPlan,
  type ExistingNetwork,
  type NodeAddresses,
} from './addressing';
export { nodeNames, nodeNetworkName, podNetworkName, stateVolumeName, validateClusterName, LABEL, SERVICE_CIDR, API_PORT } from './names';
export { ECHO_IMAGE, TOOLBOX_IMAGE, imageNames, imagePrefixFrom } from './image-recipes';
export type { Report } from './report';
export type { ClusterInfo, ClusterNode, ClusterSummary, ClusterUpOptions, RemovedCounts } from './types';
export { pkiInitConfigFromEnv, runPkiInit } from './pki-init';
