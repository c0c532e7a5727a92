export * from './client';
export * from './watch';
export * from './informer';
export * from './in-cluster';
