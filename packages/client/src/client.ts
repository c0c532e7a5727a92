// A typed REST client for the kubelab API (undici), used by the CLI, the node agents and the other
// in-cluster components. Failures come back as StatusError, exactly as the server described them.
import { Agent, request, type Dispatcher } from 'undici';
import { collectionPath, objectPath, StatusError, type KubeList, type KubeObject, type ResourceInfo, type Status } from '@kubelab/api';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface WriteResponse<T> {
  object: T;
  warnings: string[];
}

export interface ClientOptions {
  baseUrl: string;
  /** Per-request timeout for non-watch calls. */
  timeoutMs?: number;
  dispatcher?: Dispatcher;
}

export class KubeClient {
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  readonly dispatcher: Dispatcher;

  constructor(opts: ClientOptions) {
    if (!/^https?:\/\//.test(opts.baseUrl)) throw new TypeError(`KubeClient: baseUrl must be an http(s) URL, got "${opts.baseUrl}"`);
    this.baseUrl = opts.baseUrl.replace(/\/$/, '');
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.dispatcher = opts.dispatcher ?? new Agent({ keepAliveTimeout: 30_000, connections: 16 });
  }

  async raw<T>(method: Dispatcher.HttpMethod, path: string, body?: unknown, contentType = 'application/json'): Promise<WriteResponse<T>> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(this.baseUrl + path, {
        method,
        dispatcher: this.dispatcher,
        headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': contentType },
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (err) {
      throw new StatusError('ServiceUnavailable', `cannot reach the kubelab API at ${this.baseUrl}: ${(err as Error).message}`);
    }
    const text = await res.body.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.statusCode >= 400) {
      const status =
        parsed && (parsed as Status).kind === 'Status'
          ? (parsed as Status)
          : { code: res.statusCode, message: text.trim() || `HTTP ${res.statusCode}` };
      throw StatusError.fromStatus(status, res.statusCode);
    }
    const warningHeader = res.headers.warning;
    const warnings = (Array.isArray(warningHeader) ? warningHeader : warningHeader ? [warningHeader] : []).flatMap(parseWarnings);
    return { object: (parsed ?? text) as T, warnings };
  }

  async get<T extends KubeObject = KubeObject>(r: ResourceInfo, name: string, namespace?: string): Promise<T> {
    return (await this.raw<T>('GET', objectPath(r, name, namespace))).object;
  }

  async list<T extends KubeObject = KubeObject>(r: ResourceInfo, namespace?: string, opts: ListOptions = {}): Promise<KubeList<T>> {
    return (await this.raw<KubeList<T>>('GET', collectionPath(r, namespace) + queryString({ ...opts }))).object;
  }

  async create<T extends KubeObject = KubeObject>(r: ResourceInfo, obj: KubeObject, namespace?: string): Promise<WriteResponse<T>> {
    return this.raw<T>('POST', collectionPath(r, namespace ?? obj.metadata.namespace), obj);
  }

  async update<T extends KubeObject = KubeObject>(r: ResourceInfo, obj: KubeObject, subresource?: string): Promise<WriteResponse<T>> {
    const path = objectPath(r, obj.metadata.name!, obj.metadata.namespace) + (subresource ? `/${subresource}` : '');
    return this.raw<T>('PUT', path, obj);
  }

  async patch<T extends KubeObject = KubeObject>(
    r: ResourceInfo,
    name: string,
    patch: unknown,
    namespace?: string,
    subresource?: string,
  ): Promise<T> {
    const path = objectPath(r, name, namespace) + (subresource ? `/${subresource}` : '');
    return (await this.raw<T>('PATCH', path, patch, 'application/merge-patch+json')).object;
  }

  /** DELETE; `options` go in the body as DeleteOptions (e.g. propagationPolicy), as kubectl sends them. */
  async delete<T extends KubeObject = KubeObject>(
    r: ResourceInfo,
    name: string,
    namespace?: string,
    options?: { propagationPolicy?: 'Background' | 'Foreground' | 'Orphan'; gracePeriodSeconds?: number },
  ): Promise<T> {
    const body = options ? { kind: 'DeleteOptions', apiVersion: 'v1', ...options } : undefined;
    return (await this.raw<T>('DELETE', objectPath(r, name, namespace), body)).object;
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

export function queryString(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** `299 - "text"` -> text (RFC 7234 warn-text). */
export function parseWarnings(header: string): string[] {
  const out: string[] = [];
  const re = /\d{3} [^ ]+ "((?:[^"\\]|\\.)*)"/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(header))) out.push(JSON.parse(`"${m[1]}"`) as string);
  return out;
}
