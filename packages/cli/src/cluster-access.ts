// What connect() needs from @kubelab/cluster, through its light `connect` entry (the index would bring
// dockerode and node-forge into every command's start-up); context.ts loads this when a command first talks
// to a cluster.
export { clusterClient, controlPlaneProblem, findCluster, prefetchCredentials } from '@kubelab/cluster/connect';
