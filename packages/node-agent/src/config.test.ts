import { describe, expect, it } from 'vitest';
import { agentConfigFromEnv, ConfigError } from './config';

const env = {
  KUBELAB_CLUSTER: 'kt',
  NODE_NAME: 'kt-worker',
  NODE_IP: '172.30.0.3',
  POD_CIDR: '10.244.1.0/24',
  CLUSTER_POD_CIDR: '10.244.0.0/16',
  NODE_SUBNET: '172.30.0.0/24',
  SERVICE_CIDR: '10.96.0.0/12',
};

describe('agentConfigFromEnv', () => {
  it('derives the agent address, DNS IP, pod network and Kubernetes timing defaults', () => {
    expect(agentConfigFromEnv(env)).toMatchObject({
      agentPodIp: '10.244.1.1',
      clusterDns: '10.96.0.10',
      podNetwork: 'kt-pods-kt-worker',
      backoffBaseMs: 10_000,
      backoffMaxMs: 300_000,
    });
  });
  it('shortens the back-off for tests', () => {
    expect(agentConfigFromEnv({ ...env, KUBELAB_BACKOFF_BASE_MS: '200' })).toMatchObject({ backoffBaseMs: 200, backoffMaxMs: 6000 });
  });
  it('allows privileged pods only when the cluster was created with --allow-privileged', () => {
    expect(agentConfigFromEnv(env).allowPrivileged).toBe(false);
    expect(agentConfigFromEnv({ ...env, KUBELAB_ALLOW_PRIVILEGED: 'yes' }).allowPrivileged).toBe(false);
    expect(agentConfigFromEnv({ ...env, KUBELAB_ALLOW_PRIVILEGED: 'true' }).allowPrivileged).toBe(true);
  });
  it('names the variable that is wrong', () => {
    expect(() => agentConfigFromEnv({ ...env, POD_CIDR: 'nope' })).toThrow(ConfigError);
    expect(() => agentConfigFromEnv({ ...env, POD_CIDR: 'nope' })).toThrow('POD_CIDR');
    expect(() => agentConfigFromEnv({ ...env, KUBELAB_BACKOFF_BASE_MS: 'x' })).toThrow('KUBELAB_BACKOFF_BASE_MS');
    expect(() => agentConfigFromEnv({ ...env, NODE_NAME: '' })).toThrow('NODE_NAME');
  });
});
