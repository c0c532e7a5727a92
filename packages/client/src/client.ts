// A typed REST client for the kubelab API (undici), used by the CLI, the node agents and the other
// in-cluster components. Failures come back as StatusError, exactly as the server described them.
import { readFileSync } from 'node:fs';
import type { Dispatcher } from 'undici';
import { Agent, request } from './undici-lite';
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
  /** https://host:port (or http:// for an API server without TLS, as in unit tests). */
  baseUrl: string;
  /** Bearer token sent on every request (a kubeconfig's `user.token`). */
  token?: string;
  /**
   * A file holding the bearer token, re-read when older than a minute, as client-go's cached file token
   * source does: the kubelet rotates projected ServiceAccount tokens in place.
   */
  tokenFile?: string;
  /** PEM of the CA that signed the API server's certificate (a kubeconfig's certificate-authority-data). */
  ca?: string;
  /** Act as another user (kubectl --as / --as-group): Impersonate-User and Impersonate-Group headers. */
  impersonate?: { user: string; groups?: string[] };
  /** Per-request timeout for non-watch calls. */
  timeoutMs?: number;
  dispatcher?: Dispatcher;
}

const TOKEN_FILE_TTL_MS = 60_000;

export class KubeClient {
  readonly baseUrl: string;
  /** The CA bundle the client trusts (undefined: the system's), for other transports (WebSockets). */
  readonly ca?: string;
  private readonly timeoutMs: number;
  readonly dispatcher: Dispatcher;
  private readonly token?: string;
  private readonly tokenFile?: string;
  private readonly impersonate?: { user: string; groups?: string[] };
  private fileToken?: { value: string; readAt: number };

  constructor(opts: ClientOptions) {
    if (!/^https?:\/\//.test(opts.baseUrl)) throw new TypeError(`KubeClient: baseUrl must be an http(s) URL, got "${opts.baseUrl}"`);
    this.baseUrl = opts.baseUrl.replace(/\/$/, '');
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.ca = opts.ca;
    this.token = opts.token;
    this.tokenFile = opts.tokenFile;
    this.impersonate = opts.impersonate;
    this.dispatcher =
      opts.dispatcher ?? new Agent({ keepAliveTimeout: 30_000, connections: 16, ...(opts.ca ? { connect: { ca: opts.ca } } : {}) });
  }

  /** The bearer token in use (re-read from tokenFile when due), or undefined. */
  bearerToken(): string | undefined {
    if (this.token) return this.token;
    if (!this.tokenFile) return undefined;
    const now = Date.now();
    if (!this.fileToken || now - this.fileToken.readAt > TOKEN_FILE_TTL_MS) {
      try {
        this.fileToken = { value: readFileSync(this.tokenFile, 'utf8').trim(), readAt: now };
      } catch (err) {
        // Keep the last token when the file is briefly missing (an atomic swap); fail only without one.
        if (!this.fileToken)
          throw new StatusError('Unauthorized', `cannot read the token file ${this.tokenFile}: ${(err as Error).message}`);
      }
    }
    return this.fileToken?.value;
  }

  /** The headers that authenticate a request: `authorization: Bearer ...` when there is a token, impersonation. */
  authHeaders(): Record<string, string | string[]> {
    const token = this.bearerToken();
    const out: Record<string, string | string[]> = token ? { authorization: `Bearer ${token}` } : {};
    if (this.impersonate) {
      out['impersonate-user'] = this.impersonate.user;
      if (this.impersonate.groups?.length) out['impersonate-group'] = this.impersonate.groups;
    }
    return out;
  }

  async raw<T>(method: Dispatcher.HttpMethod, path: string, body?: unknown, contentType = 'application/json'): Promise<WriteResponse<T>> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(this.baseUrl + path, {
        method,
        dispatcher: this.dispatcher,
        headers: {
          ...this.authHeaders(),
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': contentType }),
        },
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
