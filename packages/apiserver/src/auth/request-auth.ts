// The authentication and authorization filters of kube-apiserver's handler chain, in its order: authenticate
// (401 for a token nobody recognises), impersonate (Impersonate-User/-Group, gated on the `impersonate`
// verb), authorize (system:masters, then RBAC; 403 in kube-apiserver's words), then NodeRestriction for node
// agents' writes. The same check guards the streaming upgrades (exec, attach, portforward), which never
// reach express.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { StatusError, type KubeObject } from '@kubelab/api';
import type { ObjectService } from '../registry/object-service';
import type { Strategy } from '../registry/strategy';
import { forbiddenDetails, forbiddenMessage, requestAttributes } from './attributes';
import type { Authenticator, TokenReviewResult } from './authenticator';
import { checkEscalation } from './escalation';
import { admitNodeRequest } from './node-restriction';
import { authorize, rulesFor, type Decision, type RuleSource } from './rbac-authorizer';
import {
  ANONYMOUS,
  AUTHENTICATED,
  MASTERS,
  type Attributes,
  type BindingObject,
  type PolicyRule,
  type RoleObject,
  type UserInfo,
} from './types';

export interface RbacStrategies {
  roles: Strategy;
  clusterRoles: Strategy;
  roleBindings: Strategy;
  clusterRoleBindings: Strategy;
  pods: Strategy;
}

const users = new WeakMap<IncomingMessage, UserInfo>();
const attributes = new WeakMap<IncomingMessage, Attributes>();
const finalHooks = new WeakMap<IncomingMessage, (obj: KubeObject, created: boolean) => void>();

/**
 * The admission of a PATCH's or apply's result, once merged (ObjectService runs it before the write): absent
 * when auth is off or the request needs none.
 */
export function finalAdmission(req: IncomingMessage): ((obj: KubeObject, created: boolean) => void) | undefined {
  return finalHooks.get(req);
}

/** The user a request was authenticated (and possibly impersonated) as; admin when auth is off. */
export function requestUser(req: IncomingMessage): UserInfo {
  return users.get(req) ?? { name: 'system:admin', groups: [MASTERS, AUTHENTICATED] };
}

export function unauthorized(): StatusError {
  return new StatusError('Unauthorized', 'Unauthorized');
}

export class RequestAuth {
  readonly rules: RuleSource;

  constructor(
    private readonly service: ObjectService,
    private readonly authenticator: Authenticator,
    private readonly s: RbacStrategies,
  ) {
    const list = (st: Strategy, ns?: string): KubeObject[] => service.list(st, ns);
    const find = (st: Strategy, ns: string | undefined, name: string): KubeObject | undefined => {
      try {
        return service.get(st, ns, name);
      } catch {
        return undefined;
      }
    };
    this.rules = {
      clusterRoleBindings: () => list(s.clusterRoleBindings) as BindingObject[],
      roleBindings: (ns) => list(s.roleBindings, ns) as BindingObject[],
      clusterRole: (name) => find(s.clusterRoles, undefined, name) as RoleObject | undefined,
      role: (ns, name) => find(s.roles, ns, name) as RoleObject | undefined,
    };
  }

  /** The authorizer chain: the system:masters group is allowed everything before RBAC is asked. */
  authorize(a: Attributes): Decision {
    if (a.user.groups.includes(MASTERS)) return { allowed: true, reason: '' };
    return authorize(this.rules, a);
  }

  rulesFor(user: UserInfo, namespace: string | undefined): PolicyRule[] {
    if (user.groups.includes(MASTERS))
      return [
        { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
        { verbs: ['*'], nonResourceURLs: ['*'] },
      ];
    return rulesFor(this.rules, user, namespace);
  }

  /** A TokenReview of `token` for `audiences` (authenticator.ts). */
  reviewToken(token: string, audiences: string[]): Promise<TokenReviewResult> {
    return this.authenticator.review(token, audiences);
  }

  /** Authenticates, impersonates and authorizes one request; throws 401/403 StatusErrors. */
  async check(req: IncomingMessage, upgrade: boolean): Promise<UserInfo> {
    const result = await this.authenticator.authenticate(header(req.headers, 'authorization'));
    if ('invalid' in result) throw unauthorized();
    const user = this.impersonate(result.user, req.headers);
    const a = requestAttributes(user, req.method ?? 'GET', req.url ?? '/', upgrade);
    const decision = this.authorize(a);
    if (!decision.allowed) throw new StatusError('Forbidden', forbiddenMessage(a, decision.reason), forbiddenDetails(a));
    users.set(req, user);
    attributes.set(req, a);
    return user;
  }

  /**
   * NodeRestriction and RBAC escalation prevention, once the body is read (it names the Node a node agent
   * creates, the pod a token is for, the rules a Role would grant).
   */
  admit(req: IncomingMessage, body: unknown): void {
    const a = attributes.get(req);
    if (!a) return;
    if (a.verb === 'patch') finalHooks.set(req, (obj, created) => this.admitFinal(a, obj, created));
    this.escalation(a, body);
    this.nodeRestriction(a, body);
  }

  /**
   * A patch or server-side apply, on the object it would store: escalation prevention sees the merged Role or
   * binding, and an apply that creates needs the `create` verb and passes NodeRestriction as a create, as
   * kube-apiserver authorizes create when a patch creates (handlers/patch.go).
   */
  admitFinal(a: Attributes, obj: KubeObject, created: boolean): void {
    if (created) {
      const c: Attributes = { ...a, verb: 'create' };
      const decision = this.authorize(c);
      if (!decision.allowed) throw new StatusError('Forbidden', forbiddenMessage(c, decision.reason), forbiddenDetails(c));
      this.nodeRestriction(c, obj);
    }
    this.escalation({ ...a, verb: created ? 'create' : 'update' }, obj);
  }

  private escalation(a: Attributes, body: unknown): void {
    if (a.user.groups.includes(MASTERS)) return;
    checkEscalation(a, body, {
      allowed: (x) => this.authorize(x).allowed,
      rulesFor: (user, ns) => this.rulesFor(user, ns),
      roleRules: (kind, ns, name) => (kind === 'Role' && ns ? this.rules.role(ns, name) : this.rules.clusterRole(name))?.rules,
    });
  }

  private nodeRestriction(a: Attributes, body: unknown): void {
    admitNodeRequest(a, body, {
      pod: (ns, name) => {
        try {
          return this.service.get(this.s.pods, ns, name);
        } catch {
          return undefined;
        }
      },
    });
  }

  /** Before the body is read, as kube-apiserver's filters run before decoding: 401/403 first. */
  middleware() {
    return (req: Request, _res: Response, next: NextFunction): void => {
      this.check(req, false).then(
        () => next(),
        (err) => next(err),
      );
    };
  }

  /** After the body parsers: the admission step (node-restriction.ts). */
  admission() {
    return (req: Request, _res: Response, next: NextFunction): void => {
      try {
        this.admit(req, req.body);
        next();
      } catch (err) {
        next(err);
      }
    };
  }

  /** Impersonation (filters/impersonation.go): each requested identity must be allowed the `impersonate` verb. */
  private impersonate(user: UserInfo, headers: IncomingHttpHeaders): UserInfo {
    const asUser = header(headers, 'impersonate-user');
    const asGroups = list(headers['impersonate-group']);
    const asUid = header(headers, 'impersonate-uid');
    const extraKeys = Object.keys(headers).filter((k) => k.startsWith('impersonate-extra-'));
    if (!asUser) {
      if (asGroups.length || asUid || extraKeys.length)
        throw new StatusError(
          'BadRequest',
          `requested ${[...asGroups.map((g) => `group ${g}`), ...(asUid ? [`uid ${asUid}`] : [])].join(', ') || 'extra'} without impersonating a user`,
        );
      return user;
    }
    const check = (a: Omit<Attributes, 'user' | 'verb' | 'resourceRequest'>): void => {
      const attrs: Attributes = { user, verb: 'impersonate', resourceRequest: true, ...a };
      if (!this.authorize(attrs).allowed) throw new StatusError('Forbidden', forbiddenMessage(attrs), forbiddenDetails(attrs));
    };
    const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(asUser);
    if (sa) check({ apiGroup: '', resource: 'serviceaccounts', namespace: sa[1], name: sa[2] });
    else check({ apiGroup: '', resource: 'users', name: asUser });
    for (const g of asGroups) check({ apiGroup: '', resource: 'groups', name: g });
    if (asUid) check({ apiGroup: 'authentication.k8s.io', resource: 'uids', name: asUid });
    const extra: Record<string, string[]> = {};
    for (const k of extraKeys) {
      const key = decodeURIComponent(k.slice('impersonate-extra-'.length));
      const values = list(headers[k]);
      for (const v of values) check({ apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: key, name: v });
      extra[key] = values;
    }
    const groups = [...asGroups];
    if (sa && groups.length === 0) groups.push('system:serviceaccounts', `system:serviceaccounts:${sa[1]}`);
    if (asUser === ANONYMOUS.name) {
      if (!groups.includes('system:unauthenticated')) groups.push('system:unauthenticated');
    } else if (!groups.includes(AUTHENTICATED)) groups.push(AUTHENTICATED);
    return { name: asUser, groups, ...(asUid ? { uid: asUid } : {}), ...(extraKeys.length ? { extra } : {}) };
  }
}

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function list(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v])
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter(Boolean);
}
