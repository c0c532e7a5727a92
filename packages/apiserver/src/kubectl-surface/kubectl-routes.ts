// Endpoints kubectl needs beyond the registry's kinds: POST pods/{name}/eviction (policy/v1 Eviction, what
// `kubectl drain` sends: a graceful delete, as there are no PodDisruptionBudgets to consult), and the
// authorization reviews `kubectl auth can-i` creates. kubelab does not authenticate or authorize (its API
// listens on 127.0.0.1 and the node network only), so every review answers allowed, saying why.
import { type NextFunction, type Request, type Response, Router } from 'express';
import { badRequest, type KubeObject } from '@kubelab/api';
import { type DeleteOptions, parseDeleteOptions } from '../registry/delete-options';
import type { ObjectService } from '../registry/object-service';
import { podStrategy } from '../registry/workload-kinds';
import './protobuf-kinds';

const REASON = 'kubelab serves every request: it has no authentication or authorization';

interface Eviction extends KubeObject {
  deleteOptions?: DeleteOptions;
}

function evict(service: ObjectService, namespace: string, name: string, body: unknown): object {
  const ev = (body ?? {}) as Eviction;
  if (typeof ev !== 'object' || Array.isArray(ev)) throw badRequest('the request body must be an Eviction object');
  if (ev.kind && ev.kind !== 'Eviction') throw badRequest(`the request body must be an Eviction object, not ${ev.kind}`);
  if (ev.metadata?.name && ev.metadata.name !== name) throw badRequest('name in URL does not match name in Eviction object');
  if (ev.metadata?.namespace && ev.metadata.namespace !== namespace) {
    throw badRequest('namespace in URL does not match namespace in Eviction object');
  }
  const options = parseDeleteOptions(ev.deleteOptions ?? {}, {});
  if (options.gracePeriodSeconds !== undefined && options.gracePeriodSeconds < 0) options.gracePeriodSeconds = 1;
  const pod = service.get(podStrategy, namespace, name);
  // Already terminating: nothing to do, as the eviction REST handler answers for a pod with a deletionTimestamp.
  if (!pod.metadata.deletionTimestamp) service.deleteObject(podStrategy, namespace, name, options);
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
}

function review(body: unknown, kind: string): object {
  const b = (body ?? {}) as KubeObject & { spec?: object };
  if (typeof b !== 'object' || Array.isArray(b)) throw badRequest(`the request body must be a ${kind} object`);
  const base = { kind, apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec: b.spec ?? {} };
  if (kind === 'SelfSubjectAccessReview') return { ...base, status: { allowed: true, reason: REASON } };
  return {
    ...base,
    status: {
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    },
  };
}

export function kubectlRoutes(service: ObjectService): Router {
  const r = Router();
  const wrap =
    (fn: (req: Request) => object) =>
    (req: Request, res: Response, next: NextFunction): void => {
      try {
        res.status(201).json(fn(req));
      } catch (err) {
        next(err);
      }
    };
  r.post(
    '/api/v1/namespaces/:namespace/pods/:name/eviction',
    wrap((req) => evict(service, String(req.params.namespace), String(req.params.name), req.body)),
  );
  r.post(
    '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    wrap((req) => review(req.body, 'SelfSubjectAccessReview')),
  );
  r.post(
    '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
    wrap((req) => review(req.body, 'SelfSubjectRulesReview')),
  );
  return r;
}
