// Gathers what this node reports about itself: configuration from the environment the CLI set, facts
// from the container (OS image, kernel) and from the Docker engine (runtime version).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type Docker from 'dockerode';
import { ConfigError } from './config';
import { defaultMaxPods, type NodeIdentity } from './node-object';

function required(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (!v) throw new Error(`node agent: environment variable ${name} is not set (the CLI sets it when it creates the node container)`);
  return v;
}

function osImage(): string {
  try {
    const m = readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]*)"?/m);
    return m ? m[1] : 'Linux';
  } catch {
    return 'Linux';
  }
}

/**
 * machineID and systemUUID as a real node has them, stable across restarts of this node container: every kind
 * of node container shares one image (one /etc/machine-id), so they are derived from the cluster and node
 * names. bootID is the kernel's, as the kubelet reads it (node containers share the host's kernel, as kind's do).
 */
export function machineIdentity(cluster: string, node: string): { machineID: string; systemUUID: string; bootID: string } {
  const h = createHash('sha256').update(`${cluster}/${node}`).digest('hex');
  const u = h.slice(32, 64);
  const systemUUID = `${u.slice(0, 8)}-${u.slice(8, 12)}-4${u.slice(13, 16)}-8${u.slice(17, 20)}-${u.slice(20, 32)}`;
  let bootID = '';
  try {
    bootID = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    bootID = '';
  }
  return { machineID: h.slice(0, 32), systemUUID, bootID };
}

export async function nodeIdentityFromEnv(env: NodeJS.ProcessEnv, docker?: Docker): Promise<NodeIdentity> {
  let runtime = 'docker://unknown';
  if (docker) {
    try {
      runtime = `docker://${(await docker.version()).Version}`;
    } catch {
      /* the socket may be missing in unit setups; the version is informative only */
    }
  }
  const arch = os.arch() === 'x64' ? 'amd64' : os.arch();
  return {
    name: required(env, 'NODE_NAME'),
    ip: required(env, 'NODE_IP'),
    podCIDR: required(env, 'POD_CIDR'),
    role: env.KUBELAB_NODE_ROLE === 'control-plane' ? 'control-plane' : 'worker',
    osImage: osImage(),
    kernelVersion: os.release(),
    containerRuntimeVersion: runtime,
    architecture: arch,
    cpus: os.cpus().length,
    memoryKi: Math.floor(os.totalmem() / 1024),
    maxPods: maxPodsFromEnv(env),
    ...machineIdentity(env.KUBELAB_CLUSTER ?? '', required(env, 'NODE_NAME')),
  };
}

/** KUBELAB_MAX_PODS (set by `cluster up --max-pods N`): the kubelet's --max-pods, 110 when unset. */
export function maxPodsFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.KUBELAB_MAX_PODS;
  if (raw === undefined || raw === '') return defaultMaxPods;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError('KUBELAB_MAX_PODS', `must be a whole number >= 1, got "${raw}"`);
  return n;
}
