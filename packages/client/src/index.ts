export * from './client';
export * from './watch';
export * from './informer';
export * from './in-cluster';
export * from './resource-info';
// undici's request() on a named dispatcher (a KubeClient's), without loading all of undici.
export { request } from './undici-lite';
