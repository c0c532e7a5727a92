// Request bodies as kube-apiserver reads them: at most 3 MiB (413 beyond: MaxRequestBodyBytes), in a media
// type it can decode (415 otherwise: negotiation.NewUnsupportedMediaTypeError), never nested deeper than
// kubelab can store (checked where the kind is known: resource-handler.ts). An empty Content-Type means
// JSON, as Kubernetes' input negotiation falls back to its first serializer.
//
// YAML bodies are refused (415) rather than read: the yaml library takes seconds on a 3 MiB body (4.5 s for
// 60 000 list items; 90 s with its duplicate-key check) and aborts the process out of memory on 20 000
// nesting levels, so one request could freeze or kill the API server. kubelab's CLI, kubectl and the client libraries all
// send JSON.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { StatusError } from '@kubelab/api';
import { decodeKubeProtobuf, protobufMediaType } from './protobuf/kube-protobuf';

/** kube-apiserver's default --max-request-body-bytes (k8s.io/apiserver/pkg/server/config.go). */
export const maxRequestBodyBytes = 3 * 1024 * 1024;

const jsonTypes = new Set([
  'application/json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/json-patch+json',
]);
/** Server-side apply's body: YAML, or JSON (which kubectl sends); read as text, parsed by the PATCH handler. */
export const applyPatchMediaType = 'application/apply-patch+yaml';

/** What a create or update body may be sent as (kubectl 1.32+ sends typed creates as protobuf). */
export const acceptedMediaTypes = ['application/json', protobufMediaType];

function mediaType(req: Request): string {
  return (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return length !== undefined ? Number(length) > 0 : req.headers['transfer-encoding'] !== undefined;
}

/** errors.NewRequestEntityTooLargeError(fmt.Sprintf("limit is %d", limit)), as limitedReadBody answers. */
export function tooLarge(): StatusError {
  return new StatusError('RequestEntityTooLarge', `Request entity too large: limit is ${maxRequestBodyBytes}`);
}

export function unsupportedMediaType(accepted: string[]): StatusError {
  return new StatusError(
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

function limitSize(req: Request, _res: Response, next: NextFunction): void {
  // Judged from Content-Length before a byte is read; a chunked body is cut off by the parser instead.
  if (Number(req.headers['content-length'] ?? 0) > maxRequestBodyBytes) throw tooLarge();
  next();
}

/**
 * Bodies of other types are left unread and refused. PATCH bodies are checked by their patch type instead
 * (resource-handler.ts), with the list of patch types.
 */
function requireKnownType(req: Request, _res: Response, next: NextFunction): void {
  if (req.body === undefined && req.method !== 'PATCH' && hasBody(req)) throw unsupportedMediaType(acceptedMediaTypes);
  next();
}

/**
 * A protobuf body becomes the object it encodes, so the handlers read one form. PATCH has no protobuf
 * form (its body is a patch document): left as bytes, it is refused by its patch type.
 */
function decodeProtobuf(req: Request, _res: Response, next: NextFunction): void {
  if (Buffer.isBuffer(req.body) && req.method !== 'PATCH' && mediaType(req) === protobufMediaType) req.body = decodeKubeProtobuf(req.body);
  next();
}

/** Size first, then type, then JSON (or protobuf) decoding. */
export function bodyParsers(): RequestHandler[] {
  return [
    limitSize,
    express.json({
      // An empty body stays undefined (body-parser would make it {}), so it is refused as no object at all.
      type: (req) => {
        const t = mediaType(req as Request);
        return hasBody(req as Request) && (t === '' || jsonTypes.has(t));
      },
      limit: maxRequestBodyBytes,
      strict: false,
    }),
    express.raw({ type: (req) => hasBody(req as Request) && mediaType(req as Request) === protobufMediaType, limit: maxRequestBodyBytes }),
    express.text({
      type: (req) => hasBody(req as Request) && (req as Request).method === 'PATCH' && mediaType(req as Request) === applyPatchMediaType,
      limit: maxRequestBodyBytes,
    }),
    decodeProtobuf,
    requireKnownType,
  ];
}
