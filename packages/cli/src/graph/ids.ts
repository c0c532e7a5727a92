// Vertex ids of the cluster map: one scheme, shared by the builder and every reader (page, DOT, tests).
export const vertexId = {
  network: () => 'network',
  node: (name: string) => `node:${name}`,
  podnet: (node: string) => `podnet:${node}`,
  pod: (nsName: string) => `pod:${nsName}`,
  service: (nsName: string) => `svc:${nsName}`,
  ingress: (nsName: string) => `ing:${nsName}`,
  policy: (nsName: string) => `np:${nsName}`,
  external: (ip: string) => `ip:${ip}`,
};
