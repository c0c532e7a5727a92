// undici's Agent and request() without undici's index: the index loads all of undici (fetch, cookies, mock
// agents, cache stores, WebSocket), and its cookies module's `globalThis.Headers` makes Node load its own copy
// of undici as well: ~35 ms of CPU at the start of every CLI command. request() is the index's
// `request(url, opts)` for callers that always name their dispatcher.
import type { Dispatcher, request as undiciRequest } from 'undici';
import AgentClass from 'undici/lib/dispatcher/agent.js';
import dispatchRequest from 'undici/lib/api/api-request.js';

export const Agent = AgentClass;

type RequestOptions = NonNullable<Parameters<typeof undiciRequest>[1]> & { dispatcher: Dispatcher };

export function request(url: string, opts: RequestOptions): Promise<Dispatcher.ResponseData> {
  const u = new URL(url);
  const { dispatcher, ...rest } = opts;
  return dispatchRequest.call(dispatcher, {
    ...rest,
    origin: u.origin,
    path: `${u.pathname}${u.search}`,
    method: opts.method ?? (opts.body ? 'PUT' : 'GET'),
  }) as Promise<Dispatcher.ResponseData>;
}
