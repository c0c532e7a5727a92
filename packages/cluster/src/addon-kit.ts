// What the DNS and ingress add-ons share: their Deployment of one node-image role (probes, hash annotation),
// creating what is missing, rolling the Deployment when the spec `cluster up` asks for changed, and waiting
// for the rollout as `kubectl rollout status` judges it.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { StatusError, type Deployment, type KubeObject, type Pod } from '@kubelab/api';
import { resourceInfo as kind, type KubeClient } from '@kubelab/client';
import { NODE_ENTRY } from './names';

/** Hash of the Deployment spec `cluster up` applied: a change (new image, upstream, log level) rolls the pods. */
export const TEMPLATE_HASH = 'kubelab.dev/applied-spec-hash';

export interface AddonDeployment {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  replicas: number;
  /** The pod spec's fields before `containers` (dnsPolicy, serviceAccountName, tolerations, ...), in this order. */
  pod: Record<string, unknown>;
  container: {
    name: string;
    image: string;
    /** The node image's role the container runs (`node kubelab-node.mjs ROLE`). */
    role: string;
    env: unknown[];
    ports: { name: string; containerPort: number; protocol: string }[];
    liveness: { path: string; port: number };
    readiness: { path: string; port: number };
  };
}

/** The add-on's Deployment, annotated with the hash of its spec. */
export function addonDeployment(o: AddonDeployment): Deployment {
  const c = o.container;
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: o.name, namespace: o.namespace, labels: { ...o.labels } },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: { ...o.labels } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels: { ...o.labels } },
        spec: {
          ...o.pod,
          containers: [
            {
              name: c.name,
              image: c.image,
              imagePullPolicy: 'IfNotPresent',
              command: ['node', NODE_ENTRY, c.role],
              env: c.env,
              ports: c.ports,
              livenessProbe: {
                httpGet: { path: c.liveness.path, port: c.liveness.port },
                initialDelaySeconds: 10,
                periodSeconds: 10,
                timeoutSeconds: 5,
                failureThreshold: 5,
              },
              readinessProbe: {
                httpGet: { path: c.readiness.path, port: c.readiness.port },
                periodSeconds: 1,
                timeoutSeconds: 1,
                failureThreshold: 3,
              },
            },
          ],
        },
      },
    },
  } as unknown as Deployment;
  const hash = createHash('sha256').update(JSON.stringify(deployment.spec)).digest('hex').slice(0, 16);
  deployment.metadata.annotations = { [TEMPLATE_HASH]: hash };
  return deployment;
}

export { kind };

export async function getOrUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof StatusError && err.code === 404) return undefined;
    throw err;
  }
}

/** Creates each of the add-on's ServiceAccount and RBAC objects that does not exist yet. */
export async function createMissingRbac(client: KubeClient, objects: KubeObject[]): Promise<void> {
  for (const obj of objects) {
    const r = kind(obj.kind === 'ServiceAccount' ? 'serviceaccounts' : `${obj.kind.toLowerCase()}s.rbac.authorization.k8s.io`);
    if (!(await getOrUndefined(client.get(r, obj.metadata.name!, obj.metadata.namespace))))
      await client.create(r, obj, obj.metadata.namespace);
  }
}

/** Creates the Deployment, or updates it when the spec this code asks for changed since the last apply. */
export async function applyAddonDeployment(client: KubeClient, wanted: Deployment, existing: Deployment | undefined): Promise<void> {
  const deployments = kind('deployments');
  if (!existing) await client.create(deployments, wanted, wanted.metadata.namespace);
  // The API server fills defaults into the stored template, so compare what this code asked for last time.
  else if (existing.metadata.annotations?.[TEMPLATE_HASH] !== wanted.metadata.annotations?.[TEMPLATE_HASH]) {
    await client.update(deployments, { ...wanted, metadata: { ...wanted.metadata, resourceVersion: existing.metadata.resourceVersion } });
  }
}

export interface RolloutWait {
  name: string;
  namespace: string;
  /** Pods wanted; default the Deployment's spec.replicas (1 when unset). */
  replicas?: number;
  /** Selects the add-on's pods, listed in the error when the wait times out. */
  labelSelector: string;
  timeoutMs: number;
  /** Lists a pod as `NAME PHASE Ready` in that error, not only `NAME PHASE`. */
  showReady?: boolean;
  /** The timeout's error text, given the Deployment status (JSON) and the pods seen. */
  notReady(status: string, pods: string): string;
}

function isReady(p: Pod): boolean {
  return !p.metadata.deletionTimestamp && !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Rolled out as `kubectl rollout status` judges it: the current template's pods all Ready, no old ones left. */
export async function waitForRollout(client: KubeClient, w: RolloutWait): Promise<void> {
  const deadline = Date.now() + w.timeoutMs;
  for (;;) {
    const d = await client.get<Deployment>(kind('deployments'), w.name, w.namespace);
    const st = (d.status ?? {}) as { observedGeneration?: number; replicas?: number; updatedReplicas?: number; readyReplicas?: number };
    const want = w.replicas ?? (d.spec as { replicas?: number }).replicas ?? 1;
    const observed = (st.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
    if (observed && st.updatedReplicas === want && st.readyReplicas === want && st.replicas === want) return;
    if (Date.now() >= deadline) {
      const pods = await client.list<Pod>(kind('pods'), w.namespace, { labelSelector: w.labelSelector });
      const seen =
        pods.items
          .map((p) => `${p.metadata.name} ${p.status?.phase ?? 'Pending'}${w.showReady && isReady(p) ? ' Ready' : ''}`)
          .join(', ') || 'no pods';
      throw new Error(w.notReady(JSON.stringify(st), seen));
    }
    await sleep(250);
  }
}
