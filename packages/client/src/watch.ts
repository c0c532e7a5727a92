// Watch streams over undici: newline-delimited {"type","object"} events, delivered in order.
import { request } from './undici-lite';
import { collectionPath, LineSplitter, StatusError, type KubeObject, type ResourceInfo, type Status, type WatchEvent } from '@kubelab/api';
import { queryString, type KubeClient, type ListOptions } from './client';

export interface WatchOptions extends ListOptions {
  resourceVersion?: string;
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

/**
 * Calls `onEvent` for each event until the server ends the stream or `signal` aborts. Resolves with the
 * last resourceVersion seen, so the caller can resume. An ERROR event (e.g. 410 Gone) rejects with StatusError.
 */
export async function watch<T extends KubeObject = KubeObject>(
  client: KubeClient,
  r: ResourceInfo,
  namespace: string | undefined,
  opts: WatchOptions,
  onEvent: (e: WatchEvent<T>) => void,
): Promise<string | undefined> {
  const { signal, resourceVersion, timeoutSeconds, ...filters } = opts;
  const q = queryString({
    ...filters,
    watch: 'true',
    resourceVersion,
    timeoutSeconds: timeoutSeconds === undefined ? undefined : String(timeoutSeconds),
  });
  const res = await request(client.baseUrl + collectionPath(r, namespace) + q, {
    dispatcher: client.dispatcher,
    headers: client.authHeaders(),
    signal,
    headersTimeout: 15_000,
    bodyTimeout: 0,
  });
  if (res.statusCode >= 400) {
    const text = await res.body.text();
    let status: Partial<Status> = { code: res.statusCode, message: text };
    try {
      status = JSON.parse(text) as Status;
    } catch {
      /* not a Status */
    }
    throw StatusError.fromStatus(status, res.statusCode);
  }
  let last = resourceVersion;
  const lines = new LineSplitter();
  try {
    for await (const chunk of res.body) {
      for (const line of lines.push(chunk)) {
        const event = JSON.parse(line) as WatchEvent<T>;
        if (event.type === 'ERROR') throw StatusError.fromStatus(event.object as unknown as Status);
        last = event.object.metadata?.resourceVersion ?? last;
        onEvent(event);
      }
    }
  } catch (err) {
    if (signal?.aborted) return last;
    throw err;
  }
  return last;
}
