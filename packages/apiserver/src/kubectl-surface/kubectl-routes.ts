// Endpoints kubectl needs beyond the registry's kinds: POST pods/{name}/eviction (policy/v1 Eviction, what
// `kubectl drain` sends: a graceful delete, as there are no PodDisruptionBudgets to consult), and the
// authorization reviews `kubectl auth can-i` creates, answered by the API server's authorizer (RBAC).
import { type NextFunction, type Request, type Response, Router } from 'express';
import { badRequest, field, invalid, type KubeObject } from '@kubelab/api';
import type { TokenReviewResult } from '../auth/authenticator';
import { requestUser, type RequestAuth } from '../auth/request-auth';
import type { Attributes, UserInfo } from '../auth/types';
import { type DeleteOptions, parseDeleteOptions } from '../registry/delete-options';
import type { ObjectService } from '../registry/object-service';
import { podStrategy } from '../registry/workload-kinds';
import './protobuf-kinds';

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

interface ReviewSpec {
  resourceAttributes?: {
    namespace?: string;
    verb?: string;
    group?: string;
    version?: string;
    resource?: string;
    subresource?: string;
    name?: string;
  };
  nonResourceAttributes?: { path?: string; verb?: string };
  user?: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
  namespace?: string;
}

/** The access reviews `kubectl auth can-i` (and controllers) create, answered from the authorizer's real rules. */
function review(req: Request, auth: RequestAuth | undefined, kind: string, namespace?: string): object {
  const b = (req.body ?? {}) as KubeObject & { spec?: ReviewSpec };
  if (typeof b !== 'object' || Array.isArray(b)) throw badRequest(`the request body must be a ${kind} object`);
  const spec: ReviewSpec = b.spec ?? {};
  const base = {
    kind,
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null, ...(namespace ? { namespace } : {}) },
    spec,
  };
  const self = requestUser(req);
  const user: UserInfo =
    kind === 'SubjectAccessReview' || kind === 'LocalSubjectAccessReview'
      ? { name: spec.user ?? '', groups: spec.groups ?? [], uid: spec.uid, extra: spec.extra }
      : self;
  if (kind !== 'SelfSubjectRulesReview' && !spec.resourceAttributes && !spec.nonResourceAttributes)
    throw invalid(kind, 'authorization.k8s.io', '', [
      field.required('spec.resourceAttributes', 'exactly one of nonResourceAttributes or resourceAttributes must be specified'),
    ]);
  if (kind === 'SelfSubjectRulesReview') {
    const rules = auth
      ? auth.rulesFor(user, spec.namespace)
      : [
          { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
          { verbs: ['*'], nonResourceURLs: ['*'] },
        ];
    return {
      ...base,
      status: {
        resourceRules: rules
          .filter((r) => !r.nonResourceURLs?.length)
          .map((r) => ({
            verbs: r.verbs,
            apiGroups: r.apiGroups,
            resources: r.resources,
            ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
          })),
        nonResourceRules: rules
          .filter((r) => r.nonResourceURLs?.length)
          .map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs })),
        incomplete: false,
      },
    };
  }
  const ra = spec.resourceAttributes;
  if (kind === 'LocalSubjectAccessReview' && ra && ra.namespace !== namespace)
    throw invalid(kind, 'authorization.k8s.io', '', [
      field.invalid('spec.resourceAttributes.namespace', ra.namespace ?? '', 'must match metadata.namespace'),
    ]);
  const attrs: Attributes = ra
    ? {
        user,
        verb: ra.verb ?? '',
        resourceRequest: true,
        apiGroup: ra.group ?? '',
        apiVersion: ra.version,
        resource: ra.resource ?? '',
        subresource: ra.subresource,
        namespace: ra.namespace,
        name: ra.name,
      }
    : { user, verb: spec.nonResourceAttributes?.verb ?? '', resourceRequest: false, path: spec.nonResourceAttributes?.path ?? '' };
  const decision = auth ? auth.authorize(attrs) : { allowed: true, reason: 'no authorizer: this API server serves every request' };
  return { ...base, status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) } };
}

/** authentication.k8s.io/v1 TokenReview, as pkg/registry/authentication/tokenreview's REST Create answers it. */
async function tokenReview(req: Request, auth: RequestAuth | undefined): Promise<object> {
  const b = (req.body ?? {}) as KubeObject & { spec?: { token?: unknown; audiences?: unknown } };
  if (typeof b !== 'object' || Array.isArray(b) || (b.kind !== undefined && b.kind !== 'TokenReview'))
    throw badRequest(`not a TokenReview: ${JSON.stringify(b)}`);
  const spec = b.spec ?? {};
  if (typeof spec.token !== 'string' || !spec.token) throw badRequest('token is required for TokenReview in authentication');
  const audiences = Array.isArray(spec.audiences) ? spec.audiences.filter((a): a is string => typeof a === 'string') : [];
  // Without an authenticator (unit tests' API server) the review comes back unanswered, as kube-apiserver's does.
  const result: TokenReviewResult = auth ? await auth.reviewToken(spec.token, audiences) : {};
  const u = result.user;
  return {
    kind: 'TokenReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: { token: spec.token, ...(audiences.length ? { audiences } : {}) },
    status: {
      ...(u ? { authenticated: true } : {}),
      // UserInfo is a struct in TokenReviewStatus: `{}` when nobody was authenticated.
      user: u
        ? {
            username: u.name,
            ...(u.uid ? { uid: u.uid } : {}),
            groups: u.groups,
            ...(u.extra && Object.keys(u.extra).length ? { extra: u.extra } : {}),
          }
        : {},
      ...(result.audiences?.length ? { audiences: result.audiences } : {}),
      ...(result.error ? { error: result.error } : {}),
    },
  };
}

export function kubectlRoutes(service: ObjectService, auth?: RequestAuth): Router {
  const r = Router({ caseSensitive: true });
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
    wrap((req) => review(req, auth, 'SelfSubjectAccessReview')),
  );
  r.post(
    '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
    wrap((req) => review(req, auth, 'SelfSubjectRulesReview')),
  );
  // kubectl auth whoami: the user as authenticated (and impersonated).
  r.post(
    '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    wrap((req) => {
      const u = requestUser(req);
      const userInfo = { username: u.name, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra ? { extra: u.extra } : {}) };
      return {
        kind: 'SelfSubjectReview',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { creationTimestamp: null },
        status: { userInfo },
      };
    }),
  );
  // TokenReview: who a token authenticates as (webhook token authentication, kube-rbac-proxy); RBAC lets
  // only those allowed `create tokenreviews` (system:auth-delegator) ask.
  r.post('/apis/authentication.k8s.io/v1/tokenreviews', (req, res, next) => {
    tokenReview(req, auth).then((o) => res.status(201).json(o), next);
  });
  r.post(
    '/apis/authorization.k8s.io/v1/subjectaccessreviews',
    wrap((req) => review(req, auth, 'SubjectAccessReview')),
  );
  r.post(
    '/apis/authorization.k8s.io/v1/namespaces/:namespace/localsubjectaccessreviews',
    wrap((req) => review(req, auth, 'LocalSubjectAccessReview', String(req.params.namespace))),
  );
  return r;
}
