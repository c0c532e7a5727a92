// Routes every /api and /apis resource request to the object service: one handler for all kinds, as the
// Kubernetes generic registry does. Errors become Status objects; the server never dies of a bad request.
import type { NextFunction, Request, Response } from 'express';
import { apiVersionOf, StatusError, type KubeObject } from '@kubelab/api';
import { parseDeleteOptions } from '../registry/delete-options';
import type { ObjectService, PatchType, WriteOptions } from '../registry/object-service';
import { resourceKey, type Strategy } from '../registry/strategy';
import { assertNestingDepth, decodeError } from '../registry/decode';
import { buildFilter } from './filters';
import { checkFields, parseFieldValidation } from './field-validation';
import { type OptionsKind, parseDryRun, queryBool, queryValues } from './query-params';
import { paginate, sendList } from './list-page';
import { parseRequestPath } from './request-info';
import { type TableRequest, tableRequest, toTable } from './table';
import { serveWatch, watchTimeoutSeconds } from './watch';
import { managerOrUserAgent } from '../fieldmanager';
import { parseApplyBody, patchOptions, writeFieldManager } from './apply-body';
import { finalAdmission } from '../auth/request-auth';

function query(req: Request, name: string): string | undefined {
  const v = req.query[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * ?dryRun= of a write, checked against the options kind the verb decodes (422 for a value other than All),
 * and the manager its changes are recorded under in managedFields (?fieldManager=, else the User-Agent).
 */
function dryRun(req: Request, kind: OptionsKind): WriteOptions {
  const query = req.query as Record<string, unknown>;
  const given =
    kind === 'CreateOptions' || kind === 'UpdateOptions'
      ? writeFieldManager(query, kind)
      : kind === 'PatchOptions'
        ? patchOptions(query, false).fieldManager
        : undefined;
  return { dryRun: parseDryRun(queryValues(req.query.dryRun), kind), fieldManager: managerOrUserAgent(given, req.headers['user-agent']) };
}

function notFoundPath(req: Request): StatusError {
  return new StatusError('NotFound', `the server could not find the requested resource (${req.method} ${req.path})`);
}

/**
 * A body of the wrong JSON shape (a string where a list belongs) can trip a strategy before validation names
 * the field. Kubernetes refuses such bodies at decode time with 400 and this wording; so do we, instead of
 * answering 500.
 */
function decoded<T>(strategy: Strategy, write: () => T): T {
  try {
    return write();
  } catch (err) {
    if (err instanceof TypeError) throw decodeError(strategy.info, err.message);
    throw err;
  }
}

/**
 * ?fieldValidation= applied to a write's body, before anything is written: Strict refuses unknown fields,
 * Warn returns them as warnings. A Scale (scale sub-resource) is checked as a Scale.
 */
function checkBodyFields(req: Request, strategy: Strategy, kind: OptionsKind, subresource?: string): string[] {
  const mode = parseFieldValidation(req.query.fieldValidation, kind);
  if (subresource && subresource !== 'status' && subresource !== 'scale') return [];
  const k = subresource === 'scale' ? 'Scale' : strategy.info.kind;
  return checkFields(k, subresource === 'scale' ? 'autoscaling/v1' : apiVersionOf(strategy.info), req.body, mode);
}

/**
 * Watch events as Tables: column definitions on the first event only, as kube-apiserver's watch encoder
 * sets TableOptions.NoHeaders after it.
 */
function tableEvents(kind: string, table: TableRequest): (o: KubeObject) => object {
  let sent = false;
  return (o) => {
    const t = toTable(kind, [o], table, { resourceVersion: o.metadata.resourceVersion }, Date.now(), sent);
    sent = true;
    return t;
  };
}

/** The patch media types kubelab serves, in kube-apiserver's order. */
const patchTypes: Record<string, PatchType | 'apply'> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** PATCH is read by its Content-Type, as Kubernetes does; any other type is 415 Unsupported Media Type. */
function patchType(req: Request): PatchType | 'apply' {
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const type = patchTypes[mediaType];
  if (!type) {
    throw new StatusError(
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${Object.keys(patchTypes).join(', ')}`,
    );
  }
  return type;
}

/**
 * The body of a DELETE: the deleted object for kinds whose Kubernetes storage sets ReturnDeletedObject
 * (pods) or finalizes asynchronously (namespaces), else a Success Status naming it, as the generic
 * registry's finalizeDelete answers (details.kind is the resource, as there).
 */
function deleteResponse(strategy: Strategy, gone: KubeObject, deleted: boolean): object {
  // An object left for its finalizers (e.g. foreground deletion) comes back as it now is, for every kind.
  if (strategy.returnDeletedObject || !deleted) return gone;
  const { group, plural } = strategy.info;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: gone.metadata.name, ...(group ? { group } : {}), kind: plural, uid: gone.metadata.uid },
  };
}

function sendWrite(res: Response, code: number, result: { object: KubeObject; warnings: string[] }, fieldWarnings: string[] = []): void {
  // Kubernetes sends warnings as RFC 7234 Warning headers: `299 - "message"`.
  for (const w of [...fieldWarnings, ...result.warnings]) res.append('Warning', `299 - ${JSON.stringify(w)}`);
  res.status(code).json(result.object);
}

export function resourceHandler(service: ObjectService) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const info = parseRequestPath(req.path);
    if (!info) return next();
    const strategy: Strategy | undefined = service.registry.find(info.group, info.version, info.resource);
    if (!strategy) throw notFoundPath(req);
    if (info.namespace !== undefined && !strategy.info.namespaced) throw notFoundPath(req);
    const { namespace, name, subresource } = info;

    if (subresource && !(strategy.info.subresources ?? []).includes(subresource)) throw notFoundPath(req);
    // Refused before anything reads it: a body nested deeper than the store can serialize (issue 6).
    if (req.body !== undefined) assertNestingDepth(strategy.info, req.body);

    switch (req.method) {
      case 'GET': {
        const table = subresource ? undefined : tableRequest(req.headers.accept, req.query.includeObject);
        const kind = strategy.info.kind;
        if (name) {
          if (table) {
            const obj = service.get(strategy, namespace, name);
            res.json(toTable(kind, [obj], table, { resourceVersion: obj.metadata.resourceVersion }));
            return;
          }
          res.json(subresource ? service.getSubresource(strategy, namespace, name, subresource) : service.get(strategy, namespace, name));
          return;
        }
        const filter = buildFilter(query(req, 'labelSelector'), query(req, 'fieldSelector'), strategy.info.kind);
        if (queryBool(req.query.watch)) {
          serveWatch(service.store, req, res, {
            resource: resourceKey(strategy.info),
            namespace: strategy.info.namespaced ? namespace : undefined,
            resourceVersion: query(req, 'resourceVersion'),
            timeoutSeconds: watchTimeoutSeconds(query(req, 'timeoutSeconds')),
            filter,
            initial: () => service.list(strategy, namespace),
            transform: table ? tableEvents(kind, table) : undefined,
          });
          return;
        }
        const items = service.list(strategy, namespace).filter(filter);
        const page = paginate(items, service.store.resourceVersion, query(req, 'limit'), query(req, 'continue'));
        if (table) {
          const { items: rows, ...meta } = page;
          res.json(toTable(kind, rows, table, meta));
          return;
        }
        sendList(res, `${strategy.info.kind}List`, apiVersionOf(strategy.info), page);
        return;
      }
      case 'POST':
        if (name && subresource) {
          sendWrite(res, 201, service.createSubresource(strategy, namespace, name, subresource, req.body, dryRun(req, 'CreateOptions')));
          return;
        }
        if (name) throw new StatusError('MethodNotAllowed', `POST is not supported on a named ${strategy.info.kind}`);
        {
          const fieldWarnings = checkBodyFields(req, strategy, 'CreateOptions');
          sendWrite(
            res,
            201,
            decoded(strategy, () => service.create(strategy, namespace, req.body, dryRun(req, 'CreateOptions'))),
            fieldWarnings,
          );
        }
        return;
      case 'PUT':
        if (!name) throw new StatusError('MethodNotAllowed', 'PUT needs an object name');
        {
          const fieldWarnings = checkBodyFields(req, strategy, 'UpdateOptions', subresource);
          sendWrite(
            res,
            200,
            decoded(strategy, () => service.update(strategy, namespace, name, req.body, subresource, dryRun(req, 'UpdateOptions'))),
            fieldWarnings,
          );
        }
        return;
      case 'PATCH':
        if (!name) throw new StatusError('MethodNotAllowed', 'PATCH needs an object name');
        {
          const type = patchType(req);
          if (type === 'apply') {
            if (subresource)
              throw new StatusError('MethodNotAllowed', `server-side apply is not supported on ${strategy.info.plural}/${subresource}`);
            const { fieldManager, force } = patchOptions(req.query as Record<string, unknown>, true);
            const dry = parseDryRun(queryValues(req.query.dryRun), 'PatchOptions');
            req.body = parseApplyBody(req.body);
            assertNestingDepth(strategy.info, req.body);
            const fieldWarnings = checkBodyFields(req, strategy, 'PatchOptions');
            const result = decoded(strategy, () =>
              service.apply(strategy, namespace, name, req.body, { dryRun: dry, fieldManager, force, admitFinal: finalAdmission(req) }),
            );
            sendWrite(res, result.created ? 201 : 200, result, fieldWarnings);
            return;
          }
          // A merge or strategic patch has the object's shape; a JSON patch's values are not checked.
          const fieldWarnings = type === 'json' ? [] : checkBodyFields(req, strategy, 'PatchOptions', subresource);
          sendWrite(
            res,
            200,
            decoded(strategy, () =>
              service.patch(strategy, namespace, name, req.body, subresource, type, {
                ...dryRun(req, 'PatchOptions'),
                admitFinal: finalAdmission(req),
              }),
            ),
            fieldWarnings,
          );
        }
        return;
      case 'DELETE': {
        const options = parseDeleteOptions(req.body, req.query as Record<string, unknown>);
        // kubectl sends dryRun in the DeleteOptions body; the query form counts as well.
        const bodyDryRun = Array.isArray(options.dryRun) ? options.dryRun.map(String) : [];
        const dry = parseDryRun([...queryValues(req.query.dryRun), ...bodyDryRun], 'DeleteOptions');
        options.dryRun = dry ? ['All'] : undefined;
        // "Negative values will be treated as the value `1s` on the delete path" (rest.BeforeDelete).
        if (options.gracePeriodSeconds !== undefined && options.gracePeriodSeconds < 0) options.gracePeriodSeconds = 1;
        if (!name) {
          const filter = buildFilter(query(req, 'labelSelector'), query(req, 'fieldSelector'), strategy.info.kind);
          const deleted = service
            .list(strategy, namespace)
            .filter(filter)
            .map((o) => service.delete(strategy, namespace, o.metadata.name!, options));
          res.json({ kind: `${strategy.info.kind}List`, apiVersion: apiVersionOf(strategy.info), metadata: {}, items: deleted });
          return;
        }
        const result = service.deleteObject(strategy, namespace, name, options);
        res.json(deleteResponse(strategy, result.object, result.deleted));
        return;
      }
      default:
        throw new StatusError('MethodNotAllowed', `method ${req.method} is not supported`);
    }
  };
}
