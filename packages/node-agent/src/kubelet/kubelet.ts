// The kubelet role: watches this node's pods (fieldSelector spec.nodeName), keeps one serialized sync per
// pod, reacts to Docker events and probe flips, and resyncs everything periodically, which also sweeps
// containers and volumes of pods that no longer exist. On restart it adopts what Docker already runs: all
// state is in Docker labels, so nothing is recreated and pod IPs are kept.
import os from 'node:os';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import type { Pod, Service } from '@kubelab/api';
import { Informer, type KubeClient } from '@kubelab/client';
import type { AgentConfig } from '../config';
import { Backoff } from './backoff';
import { ConfigSources } from './config-sources';
import { PodMemory, type KubeletContext } from './context';
import { watchPodContainerEvents, type DockerEventWatch } from './docker-events';
import { DockerRuntime } from './docker-runtime';
import { EventRecorder } from './events';
import { ImageManager } from './images';
import { Ipam } from './ipam';
import { LABEL } from './names';
import { PodWorkers } from './pod-workers';
import { syncPod, terminatePod } from './pod-sync';
import { ProbeManager } from './probe-manager';
import { PODS } from './resources';
import { StatusManager } from './status-manager';
import { TokenManager } from './token-manager';
import { thawLeftovers } from './subpath-resolver';
import { stableJson } from '@kubelab/api';

export interface KubeletOptions {
  config: AgentConfig;
  client: KubeClient;
  docker: Docker;
  log: Logger;
  /** The node network's Service cache (undefined until it has listed once), for service env vars. */
  services?: () => Service[] | undefined;
  /** The node network, told of a pod's sandbox IP before its containers start (NetworkPolicy coverage). */
  network?: KubeletContext['network'];
}

/** The pause image: KUBELAB_NODE_IMAGE, or whatever image this node container runs (hostname = its name). */
export async function sandboxImage(docker: Docker, config: AgentConfig): Promise<string> {
  if (config.nodeImage) return config.nodeImage;
  const self = os.hostname();
  try {
    const info = await docker.getContainer(self).inspect();
    return info.Config.Image || info.Image;
  } catch (err) {
    throw new Error(
      `kubelet: cannot find the node image by inspecting container "${self}" (set KUBELAB_NODE_IMAGE): ${(err as Error).message}`,
    );
  }
}

function specChanged(a: Pod, b: Pod): boolean {
  return (
    a.metadata.uid !== b.metadata.uid ||
    a.metadata.deletionTimestamp !== b.metadata.deletionTimestamp ||
    stableJson(a.spec) !== stableJson(b.spec)
  );
}

export class Kubelet {
  private readonly byUid = new Map<string, Pod>();
  /** Pods seen deleted whose containers are still being torn down (for grace period and names). */
  private readonly gone = new Map<string, Pod>();
  private readonly informer: Informer<Pod>;
  private readonly workers: PodWorkers;
  private events?: DockerEventWatch;
  private resync?: NodeJS.Timeout;

  private constructor(private readonly ctx: KubeletContext) {
    const { config, log } = ctx;
    this.workers = new PodWorkers((uid) => this.sync(uid), {
      concurrency: config.syncConcurrency,
      // A termination waits out the pod's grace period (30 s by default): it must not hold a slot other pods need.
      unlimited: (uid) => this.terminating(uid),
      onError: (uid, err) => {
        const pod = this.byUid.get(uid) ?? this.gone.get(uid);
        log.warn({ pod: pod ? `${pod.metadata.namespace}/${pod.metadata.name}` : uid, err: (err as Error).message }, 'pod sync failed');
      },
    });
    this.informer = new Informer<Pod>(ctx.client, PODS, {
      fieldSelector: `spec.nodeName=${config.nodeName}`,
      onError: (err) => log.warn({ err: (err as Error).message }, 'pod watch failed, re-listing'),
    });
    this.informer.on((type, pod, old) => {
      const uid = pod.metadata.uid ?? '';
      if (old && old.metadata.uid !== uid && old.metadata.uid) this.forgetPod(old);
      if (type === 'DELETED') return this.forgetPod(pod);
      this.byUid.set(uid, pod);
      if (type === 'ADDED' || !old || specChanged(old, pod)) this.workers.enqueue(uid);
    });
  }

  static async start(opts: KubeletOptions): Promise<Kubelet> {
    const { config, client, docker, log } = opts;
    const owner = { cluster: config.cluster, node: config.nodeName };
    const runtime = new DockerRuntime(docker, owner);
    let kubelet: Kubelet | undefined;
    const poke = (uid: string): void => kubelet?.workers.enqueue(uid);
    const events = new EventRecorder(client, config.nodeName, log);
    const ctx: KubeletContext = {
      config,
      client,
      owner,
      sandboxImage: await sandboxImage(docker, config),
      runtime,
      images: new ImageManager(runtime, config, { pulling: () => undefined, pullDone: () => kubelet?.enqueueAll() }),
      sources: new ConfigSources(client),
      events,
      probes: new ProbeManager(runtime, {
        changed: poke,
        unhealthy: (ref, name, _kind, message) => events.record(ref, 'Warning', 'Unhealthy', message, { name }),
        error: (err) => log.error({ err }, 'probe run failed'),
      }),
      status: new StatusManager(client),
      ipam: new Ipam(config.podCidr),
      backoff: new Backoff({ baseMs: config.backoffBaseMs, maxMs: config.backoffMaxMs }),
      memory: Object.assign(new PodMemory(), { tokens: new TokenManager(client) }),
      log: log.child({ role: 'kubelet' }),
      services: opts.services,
      network: opts.network,
    };
    // An agent that died while it resolved a subPath left the pod's other containers frozen.
    await thawLeftovers(ctx).catch((err) => ctx.log.error({ err }, 'thawing paused pod containers failed'));
    // IPAM recovery: every sandbox, running or not, keeps its address until its pod is gone.
    const existing = await runtime.listPodContainers();
    ctx.ipam.recover(
      existing
        .filter((c) => c.Labels[LABEL.kind] === 'pause' && c.Labels[LABEL.podIp])
        .map((c) => ({ ip: c.Labels[LABEL.podIp], owner: c.Labels[LABEL.podUid], createdAt: c.Created * 1000 })),
    );
    kubelet = new Kubelet(ctx);
    kubelet.run();
    ctx.log.info({ sandboxImage: ctx.sandboxImage, adopted: existing.length, podIPs: ctx.ipam.inUse().length }, 'kubelet started');
    return kubelet;
  }

  private run(): void {
    this.informer.start();
    this.events = watchPodContainerEvents(this.ctx.runtime.docker, this.ctx.owner, this.ctx.log, (uid) => this.workers.enqueue(uid));
    void this.informer.waitForSync().then(() => this.tick());
    this.resync = setInterval(() => void this.tick(), this.ctx.config.resyncMs);
  }

  private forgetPod(pod: Pod): void {
    const uid = pod.metadata.uid ?? '';
    this.byUid.delete(uid);
    this.gone.set(uid, pod);
    this.workers.enqueue(uid);
  }

  /** A pod being torn down: marked for deletion, or gone from the API. */
  private terminating(uid: string): boolean {
    const pod = this.byUid.get(uid);
    return !pod || !!pod.metadata.deletionTimestamp;
  }

  enqueueAll(): void {
    for (const uid of this.byUid.keys()) this.workers.enqueue(uid);
  }

  /** Periodic resync: every pod, plus pods that only Docker still knows (orphans) so they get torn down. */
  private async tick(): Promise<void> {
    if (!this.informer.hasSynced) return;
    this.enqueueAll();
    try {
      const uids = new Set<string>();
      for (const c of await this.ctx.runtime.listPodContainers()) uids.add(c.Labels[LABEL.podUid]);
      for (const v of await this.ctx.runtime.listVolumes()) uids.add(v.uid);
      for (const uid of uids) if (uid && !this.byUid.has(uid)) this.workers.enqueue(uid);
    } catch (err) {
      this.ctx.log.warn({ err: (err as Error).message }, 'orphan sweep failed');
    }
  }

  private async sync(uid: string): Promise<void> {
    // Until the first list completes, an unknown pod may simply not be known yet: never tear down then.
    if (!this.informer.hasSynced) return this.workers.enqueueAfter(uid, 500);
    const pod = this.byUid.get(uid);
    if (pod && !pod.metadata.deletionTimestamp) {
      await syncPod(this.ctx, pod, { requeue: (u, ms) => this.workers.enqueueAfter(u, ms) });
      return;
    }
    await terminatePod(this.ctx, uid, pod ?? this.gone.get(uid));
    if (!pod) this.gone.delete(uid);
  }

  /**
   * Stops watching and syncing. Pod containers keep running: the next agent adopts them. Syncs under way
   * (a termination may wait out a pod's whole grace period) get a bounded time to finish, then are left
   * behind: a shutdown must end well before Docker's own kill timeout (10 s by default) whatever the pods do.
   */
  async close(): Promise<void> {
    if (this.resync) clearInterval(this.resync);
    this.informer.stop();
    this.events?.stop();
    const waitMs = 5_000;
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      this.workers.stop().then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), waitMs);
      }),
    ]);
    clearTimeout(timer);
    if (!drained) this.ctx.log.warn({ busy: this.workers.busy, waitMs }, 'pod syncs still running at shutdown; leaving them');
    this.ctx.probes.stop();
  }
}
