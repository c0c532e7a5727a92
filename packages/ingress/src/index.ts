export * from './annotations';
export * from './certs';
export * from './route-table';
export * from './run';
export { IngressProxy, type ProxyContext } from './proxy';
export { startServers } from './server';
export { TlsStore } from './tls-store';
export { UpstreamPools } from './upstreams';
export { normalizePath } from './uri';
