// One cluster per test file: created in beforeAll through the CLI, removed in afterAll.
import { clusterClient, clusterCredentials, findCluster } from '@kubelab/cluster';
import { Agent, fetch as undiciFetch } from 'undici';
import type { KubeClient } from '@kubelab/client';
import { resolveResource, type KubeList, type Pod } from '@kubelab/api';
import { kubelab, kubelabOk } from './cli';
import { eventually } from './docker';

export interface TestCluster {
  name: string;
  client: KubeClient;
  /** `kubelab --cluster NAME ...args`, failing on a non-zero exit. */
  run(args: string[], input?: string): Promise<string>;
  /** The same, returning the exit code and both streams. */
  try(args: string[], input?: string): Promise<{ stdout: string; stderr: string; code: number }>;
  pod(name: string, namespace?: string): Promise<Pod>;
  waitPod(name: string, what: string, check: (p: Pod) => boolean, timeoutMs?: number): Promise<Pod>;
  waitReady(name: string, timeoutMs?: number): Promise<Pod>;
  pods(selector?: string): Promise<Pod[]>;
  down(): Promise<void>;
}

const pods = resolveResource('pods');

export const podReady = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

export async function startCluster(name: string, opts: { workers?: number; env?: NodeJS.ProcessEnv } = {}): Promise<TestCluster> {
  await kubelabOk(['cluster', 'up', '--name', name, '--workers', String(opts.workers ?? 2)], { env: opts.env });
  const info = await findCluster(name);
  if (!info) throw new Error(`cluster ${name} not found after up`);
  // The cluster admin's client (token and CA from the state volume), as the CLI and the kubeconfig have it.
  const client = await clusterClient(info);
  const cl: TestCluster = {
    name,
    client,
    run: (args, input) => kubelabOk(['--cluster', name, ...args], { input }),
    try: (args, input) => kubelab(['--cluster', name, ...args], { input }),
    pod: (n, ns = 'default') => client.get<Pod>(pods!, n, ns),
    waitPod: (n, what, check, timeoutMs = 60_000) =>
      eventually(
        `pod ${n} ${what}`,
        async () => {
          const p = await cl.pod(n);
          return check(p) ? p : undefined;
        },
        timeoutMs,
      ),
    waitReady: (n, timeoutMs) => cl.waitPod(n, 'Ready', podReady, timeoutMs),
    pods: async (selector) => (await client.list<Pod>(pods!, 'default', { labelSelector: selector })).items as Pod[],
    down: async () => {
      await client.close();
      await kubelab(['cluster', 'down', '--name', name]);
    },
  };
  return cl;
}

export type { KubeList };

/**
 * `fetch` against a cluster's API as its administrator (bearer token, the cluster CA): for tests that must see
 * raw HTTP answers. Paths are relative to the API server (`/api/v1/namespaces`).
 */
export async function adminFetch(name: string): Promise<(path: string, init?: RequestInit) => Promise<Response>> {
  const info = await findCluster(name);
  if (!info) throw new Error(`cluster ${name} not found`);
  const creds = await clusterCredentials(info);
  const dispatcher = new Agent(creds ? { connect: { ca: creds.ca } } : {});
  return (path, init = {}) =>
    undiciFetch(info.apiUrl + path, {
      ...(init as object),
      dispatcher,
      headers: { ...(init.headers as Record<string, string>), ...(creds ? { authorization: `Bearer ${creds.adminToken}` } : {}) },
    }) as unknown as Promise<Response>;
}
