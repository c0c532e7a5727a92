// Gathers what this node reports about itself: configuration from the environment the CLI set, facts
// from the container (OS image, kernel) and from the Docker engine (runtime version).
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
