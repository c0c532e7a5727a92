// What the kubelet's I/O steps share: configuration, the Docker runtime, API helpers and per-pod memory.
import type { Logger } from 'pino';
import type { Pod, Service } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import type { AgentConfig } from '../config';
import type { Backoff } from './backoff';
import type { ConfigSources } from './config-sources';
import type { DockerRuntime } from './docker-runtime';
import type { EventSink } from './events';
import type { ImageManager } from './images';
import type { Ipam } from './ipam';
import type { OwnerLabels } from './names';
import type { Waiting } from './pod-actions';
import type { ProbeManager } from './probe-manager';
import type { StatusManager } from './status-manager';
import type { TokenManager } from './token-manager';

export interface KubeletContext {
  config: AgentConfig;
  client: KubeClient;
  owner: OwnerLabels;
  /** Image of the pause containers (this node's own image). */
  sandboxImage: string;
  runtime: DockerRuntime;
  images: ImageManager;
  sources: ConfigSources;
  events: EventSink;
  probes: ProbeManager;
  status: StatusManager;
  ipam: Ipam;
  /** Container restart back-off, keyed `${podUid}/${container}`. */
  backoff: Backoff;
  memory: PodMemory;
  log: Logger;
  /** Every Service (the node's Service cache), or undefined until it has listed once: for service env vars. */
  services?: () => Service[] | undefined;
  /**
   * The node's network role: resolves once the pod's NetworkPolicy rules know its sandbox IP. Called before
   * any container of the pod starts, so a pod selected by a policy is covered from its first packet.
   */
  network?: { podStarting(pod: Pod, ip: string): Promise<void> };
}

/** Per-pod facts only this agent knows, forgotten when the pod goes. */
export class PodMemory {
  /** Why a container could not be started on the last try, by pod UID then container name. */
  readonly startErrors = new Map<string, Map<string, Waiting>>();
  /** Hash of the files last written into each configMap/secret volume, by pod UID then volume name. */
  readonly volumeHashes = new Map<string, Map<string, string>>();

  errorsOf(uid: string): Map<string, Waiting> {
    let m = this.startErrors.get(uid);
    if (!m) this.startErrors.set(uid, (m = new Map()));
    return m;
  }

  hashesOf(uid: string): Map<string, string> {
    let m = this.volumeHashes.get(uid);
    if (!m) this.volumeHashes.set(uid, (m = new Map()));
    return m;
  }

  forget(uid: string): void {
    this.startErrors.delete(uid);
    this.volumeHashes.delete(uid);
    this.tokens?.forget(uid);
  }

  /** ServiceAccount tokens for projected volumes (token-manager.ts), set once the kubelet has a client. */
  tokens?: TokenManager;
}

export function backoffKey(uid: string, container: string): string {
  return `${uid}/${container}`;
}
