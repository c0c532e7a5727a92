// Lists as kube-apiserver serves them at scale: each stored object is serialized once and its JSON text
// reused by every later list and watch (stored objects are never changed in place), and `limit` with
// `continue` cuts a list into pages (kubectl get asks for 500 at a time), so listing 10 000 pods is many
// short pieces of work instead of one long one.
import type { Response } from 'express';
import { StatusError, type KubeObject } from '@kubelab/api';

const encodings = new WeakMap<object, string>();

/** JSON.stringify(object), computed once per stored object. */
export function encoded(object: object): string {
  let text = encodings.get(object);
  if (text === undefined) {
    text = JSON.stringify(object);
    encodings.set(object, text);
  }
  return text;
}

export interface Page {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

const orderKey = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/**
 * One page of `items` (already in key order and filtered). The continue token names the list's
 * resourceVersion and the key to go on after, like the apiserver's storage continue keys; kubelab keeps
 * no old revisions, so later pages show objects as they are now, after that key.
 */
export function paginate(items: KubeObject[], currentRv: number, limitParam?: string, continueParam?: string): Page {
  let rv = currentRv;
  let start = 0;
  if (continueParam) {
    let token: ContinueToken;
    try {
      token = JSON.parse(Buffer.from(continueParam, 'base64url').toString('utf8')) as ContinueToken;
      if (token.v !== 'meta.k8s.io/v1' || typeof token.start !== 'string' || !Number.isInteger(token.rv)) throw new Error('bad token');
    } catch {
      throw new StatusError('BadRequest', 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
    }
    rv = token.rv;
    // First item after the token's key (items are in key order).
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (orderKey(items[mid]) <= token.start) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const limit = limitParam === undefined || limitParam === '' ? 0 : Number(limitParam);
  if (!(limit > 0) || start + limit >= items.length) return { items: items.slice(start), resourceVersion: String(rv) };
  const page = items.slice(start, start + limit);
  const token: ContinueToken = { v: 'meta.k8s.io/v1', rv, start: orderKey(page[page.length - 1]) };
  return {
    items: page,
    resourceVersion: String(rv),
    continue: Buffer.from(JSON.stringify(token)).toString('base64url'),
    remainingItemCount: items.length - start - limit,
  };
}

function listHead(kind: string, apiVersion: string, page: Page): string {
  const metadata = {
    resourceVersion: page.resourceVersion,
    ...(page.continue ? { continue: page.continue, remainingItemCount: page.remainingItemCount } : {}),
  };
  return `{"kind":${JSON.stringify(kind)},"apiVersion":${JSON.stringify(apiVersion)},"metadata":${JSON.stringify(metadata)},"items":[`;
}

/** The List body, from the cached JSON of each item. */
export function listBody(kind: string, apiVersion: string, page: Page): string {
  return `${listHead(kind, apiVersion, page)}${page.items.map(encoded).join(',')}]}`;
}

/** Lists up to this many items go out in one piece; longer ones are streamed. */
const streamAbove = 500;

/**
 * Sends a List. A long one (an unpaged list of 10 000 pods: 100 ms and more of JSON.stringify the first
 * time) is written in pieces of about 2 ms of encoding, giving the event loop back in between, so other
 * requests and watches are not held up behind it. The items are a snapshot of immutable objects, so the
 * pieces add up to the same List a single write would have sent.
 */
export function sendList(res: Response, kind: string, apiVersion: string, page: Page): void {
  res.type('application/json');
  if (page.items.length <= streamAbove) {
    res.send(listBody(kind, apiVersion, page));
    return;
  }
  const items = page.items;
  let i = 0;
  res.write(listHead(kind, apiVersion, page));
  const step = (): void => {
    if (res.destroyed) return;
    const started = performance.now();
    const parts: string[] = [];
    while (i < items.length && (parts.length === 0 || performance.now() - started < 2)) {
      parts.push(encoded(items[i]));
      i++;
    }
    const chunk = (i - parts.length > 0 ? ',' : '') + parts.join(',');
    if (i < items.length) {
      res.write(chunk);
      setImmediate(step);
    } else res.end(`${chunk}]}`);
  };
  step();
}
