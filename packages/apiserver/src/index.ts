export { startApiServer, type ApiServerOptions, type RunningApiServer } from './api-server';
export { runApiServerFromEnv } from './main';
export type { Strategy } from './registry/strategy';
export { parseRequestPath } from './rest/request-info';
