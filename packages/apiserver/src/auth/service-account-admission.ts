// The ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount): a pod runs as
// spec.serviceAccountName (default `default`), which must exist; unless automountServiceAccountToken is false
// on the pod (or else on the ServiceAccount), it gets the projected `kube-api-access-XXXXX` volume (a bound
// token, the cluster CA from the kube-root-ca.crt ConfigMap, the namespace) mounted read-only at
// /var/run/secrets/kubernetes.io/serviceaccount in every container.
import { randomInt } from 'node:crypto';
import { StatusError, type KubeObject, type Pod } from '@kubelab/api';

export const SERVICE_ACCOUNT_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
/** The kubelet refreshes well before this; 3607 s is what kube-apiserver gives kube-api-access volumes. */
export const TOKEN_EXPIRATION_SECONDS = 3607;

const alphabet = 'bcdfghjklmnpqrstvwxz2456789';

export interface ServiceAccountLookup {
  /** The ServiceAccount, or undefined when missing (after trying to create `default` in a live namespace). */
  serviceAccount(namespace: string, name: string): (KubeObject & { automountServiceAccountToken?: boolean }) | undefined;
}

/** `mountToken`: false on an API server without token signing (unit tests), which could not issue the token. */
export function admitPod(pod: Pod, lookup: ServiceAccountLookup, mountToken = true): void {
  const spec = pod.spec as Pod['spec'] & { serviceAccountName?: string; serviceAccount?: string; automountServiceAccountToken?: boolean };
  // A malformed spec is left to validation, which names the field.
  if (!spec || typeof spec !== 'object' || !Array.isArray(spec.containers)) return;
  if (spec.initContainers !== undefined && !Array.isArray(spec.initContainers)) return;
  if (spec.volumes !== undefined && !Array.isArray(spec.volumes)) return;
  if (typeof spec.serviceAccountName !== 'string' && spec.serviceAccountName !== undefined) return;
  const ns = pod.metadata.namespace ?? 'default';
  if (!spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount || 'default';
  spec.serviceAccount = spec.serviceAccountName;
  const name = spec.serviceAccountName;
  const sa = lookup.serviceAccount(ns, name);
  if (!sa) {
    const pods = pod.metadata.name ? `pods "${pod.metadata.name}"` : 'pods';
    throw new StatusError(
      'Forbidden',
      `${pods} is forbidden: error looking up service account ${ns}/${name}: serviceaccount "${name}" not found`,
      {
        name: pod.metadata.name,
        kind: 'pods',
      },
    );
  }
  const automount = spec.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true;
  if (!automount || !mountToken) return;
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  // A pod that mounts something at the path itself keeps it (the plugin skips such containers).
  const volumeName = `kube-api-access-${Array.from({ length: 5 }, () => alphabet[randomInt(alphabet.length)]).join('')}`;
  let used = false;
  for (const c of containers) {
    if (!c || typeof c !== 'object' || (c.volumeMounts !== undefined && !Array.isArray(c.volumeMounts))) return;
  }
  for (const c of containers) {
    if ((c.volumeMounts ?? []).some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT)) continue;
    c.volumeMounts = [...(c.volumeMounts ?? []), { name: volumeName, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT }];
    used = true;
  }
  if (!used) return;
  spec.volumes = [
    ...(spec.volumes ?? []),
    {
      name: volumeName,
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } },
          { configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    } as never,
  ];
}
