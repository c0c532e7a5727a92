// Wires authentication and RBAC into an API server: the kinds (ServiceAccount, Role, ClusterRole,
// RoleBinding, ClusterRoleBinding), the bootstrap policy, the ServiceAccount admission plugin, the
// ServiceAccount and root-CA controllers (a `default` ServiceAccount and a kube-root-ca.crt ConfigMap in
// every namespace, as kube-controller-manager's serviceaccount-controller and root-ca-cert-publisher do).
import type { KubeObject, Pod } from '@kubelab/api';
import type { Logger } from 'pino';
import type { ObjectService } from '../registry/object-service';
import type { Registry, Strategy } from '../registry/strategy';
import { Authenticator } from './authenticator';
import {
  clusterRoleBindingStrategy,
  clusterRoleStrategy,
  roleBindingStrategy,
  roleStrategy,
  serviceAccountStrategyWith,
} from './auth-kinds';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from './bootstrap-policy';
import { RequestAuth } from './request-auth';
import { admitPod, ROOT_CA_CONFIGMAP } from './service-account-admission';
import type { ServiceAccountTokens } from './service-account-tokens';
import type { UserInfo } from './types';

export interface AuthConfig {
  staticTokens: Map<string, UserInfo>;
  serviceAccountTokens: ServiceAccountTokens;
  /** PEM of the cluster CA, published as kube-root-ca.crt in every namespace. */
  caCert: string;
}

/** Registers the kinds; returns the ServiceAccount strategy (its TokenRequest needs the object service). */
export function registerAuthKinds(registry: Registry, tokens: ServiceAccountTokens | undefined, service: () => ObjectService): Strategy {
  const lookup = (kind: string, ns: string, name: string): KubeObject | undefined => {
    const s = service();
    const st = s.registry.all().find((x) => x.info.kind === kind && x.info.group === '');
    if (!st) return undefined;
    try {
      return s.get(st, st.info.namespaced ? ns : undefined, name);
    } catch {
      return undefined;
    }
  };
  const sa = serviceAccountStrategyWith(tokens ? { tokens, lookup } : undefined);
  registry.add(sa).add(roleStrategy).add(clusterRoleStrategy).add(roleBindingStrategy).add(clusterRoleBindingStrategy);
  return sa;
}

function tryGet(service: ObjectService, s: Strategy, ns: string | undefined, name: string): KubeObject | undefined {
  try {
    return service.get(s, ns, name);
  } catch {
    return undefined;
  }
}

/** Creates the bootstrap ClusterRoles/Bindings when missing and brings their rules up to date (autoupdate). */
export function ensureBootstrapPolicy(service: ObjectService): void {
  for (const role of bootstrapClusterRoles) {
    const existing = tryGet(service, clusterRoleStrategy, undefined, role.metadata.name!);
    if (!existing) service.create(clusterRoleStrategy, undefined, structuredClone(role));
    else if (JSON.stringify((existing as { rules?: unknown }).rules) !== JSON.stringify(role.rules))
      service.update(clusterRoleStrategy, undefined, role.metadata.name!, { ...existing, rules: role.rules });
  }
  for (const b of bootstrapClusterRoleBindings) {
    if (!tryGet(service, clusterRoleBindingStrategy, undefined, b.metadata.name!))
      service.create(clusterRoleBindingStrategy, undefined, structuredClone(b));
  }
}

export interface AuthRuntime {
  requestAuth?: RequestAuth;
  stop(): void;
}

/**
 * Admission and controllers (always on, so pods look as in Kubernetes), and the request filter when `config`
 * is given (an API server without it, as in unit tests, serves everyone as an administrator).
 */
export function startAuth(
  service: ObjectService,
  strategies: { serviceAccounts: Strategy; namespaces: Strategy; pods: Strategy; configMaps: Strategy },
  config: AuthConfig | undefined,
  log: Logger,
): AuthRuntime {
  ensureBootstrapPolicy(service);
  const ensureNamespace = (ns: string): void => {
    if (!tryGet(service, strategies.serviceAccounts, ns, 'default')) {
      service.create(strategies.serviceAccounts, ns, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'default', namespace: ns },
      });
    }
    if (config && !tryGet(service, strategies.configMaps, ns, ROOT_CA_CONFIGMAP)) {
      service.create(strategies.configMaps, ns, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: ROOT_CA_CONFIGMAP,
          namespace: ns,
          annotations: {
            'kubernetes.io/description':
              'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
          },
        },
        data: { 'ca.crt': config.caCert },
      });
    }
  };
  const live = (ns: string): boolean => {
    const n = tryGet(service, strategies.namespaces, undefined, ns) as (KubeObject & { status?: { phase?: string } }) | undefined;
    return !!n && n.status?.phase !== 'Terminating';
  };
  const sync = (): void => {
    for (const n of service.list(strategies.namespaces, undefined)) {
      const ns = n.metadata.name!;
      if (!live(ns)) continue;
      try {
        ensureNamespace(ns);
      } catch (err) {
        log.warn({ err: (err as Error).message, namespace: ns }, 'serviceaccount controller');
      }
    }
  };
  service.admission.push((s, obj) => {
    if (s.info.plural !== 'pods' || s.info.group !== '') return;
    // A pod created in the same second as its namespace (cluster up's add-ons are) would otherwise reach its
    // kubelet before the controller's next tick made kube-root-ca.crt, and wait out a FailedMount backoff.
    const ns = obj.metadata.namespace;
    if (ns && live(ns)) {
      try {
        ensureNamespace(ns);
      } catch (err) {
        log.warn({ err: (err as Error).message, namespace: ns }, 'serviceaccount controller');
      }
    }
    admitPod(
      obj as Pod,
      {
        serviceAccount: (ns, name) => {
          return tryGet(service, strategies.serviceAccounts, ns, name);
        },
      },
      !!config,
    );
  });
  sync();
  const timer = setInterval(sync, 1000);
  timer.unref();
  const requestAuth = config
    ? new RequestAuth(
        service,
        new Authenticator({
          staticTokens: config.staticTokens,
          serviceAccountTokens: config.serviceAccountTokens,
          stillValid: (t) => {
            const sa = tryGet(service, strategies.serviceAccounts, t.claim.namespace, t.claim.serviceaccount.name);
            if (!sa || sa.metadata.uid !== t.claim.serviceaccount.uid) return false;
            if (t.claim.pod) {
              const pod = tryGet(service, strategies.pods, t.claim.namespace, t.claim.pod.name);
              if (!pod || pod.metadata.uid !== t.claim.pod.uid) return false;
            }
            return true;
          },
        }),
        {
          roles: roleStrategy,
          clusterRoles: clusterRoleStrategy,
          roleBindings: roleBindingStrategy,
          clusterRoleBindings: clusterRoleBindingStrategy,
          pods: strategies.pods,
        },
      )
    : undefined;
  return { requestAuth, stop: () => clearInterval(timer) };
}
