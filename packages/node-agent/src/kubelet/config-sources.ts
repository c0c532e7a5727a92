// Reads the ConfigMaps and Secrets a pod's containers and volumes reference, straight from the API on every
// sync, without a cache: a fresh read is what makes `kubectl create configmap` then a restart work, and what
// refreshes mounted configMap files on the periodic resync.
import { StatusError, type ConfigMap, type Secret } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import type { ConfigObjects } from './env';
import { CONFIGMAPS, SECRETS } from './resources';

export class ConfigSources {
  constructor(private readonly client: KubeClient) {}

  private async getOrNull<T extends ConfigMap | Secret>(kind: typeof CONFIGMAPS, namespace: string, name: string): Promise<T | null> {
    try {
      return await this.client.get<T>(kind, name, namespace);
    } catch (err) {
      if (err instanceof StatusError && err.reason === 'NotFound') return null;
      throw new Error(`reading ${kind.singular} ${namespace}/${name}: ${(err as Error).message}`);
    }
  }

  configMap(namespace: string, name: string): Promise<ConfigMap | null> {
    return this.getOrNull<ConfigMap>(CONFIGMAPS, namespace, name);
  }

  secret(namespace: string, name: string): Promise<Secret | null> {
    return this.getOrNull<Secret>(SECRETS, namespace, name);
  }

  async fetch(namespace: string, refs: { configMaps: Iterable<string>; secrets: Iterable<string> }): Promise<ConfigObjects> {
    const cms = [...new Set(refs.configMaps)];
    const secrets = [...new Set(refs.secrets)];
    const [cmObjs, secretObjs] = await Promise.all([
      Promise.all(cms.map((n) => this.configMap(namespace, n))),
      Promise.all(secrets.map((n) => this.secret(namespace, n))),
    ]);
    return {
      configMaps: new Map(cms.map((n, i) => [n, cmObjs[i]])),
      secrets: new Map(secrets.map((n, i) => [n, secretObjs[i]])),
    };
  }
}
