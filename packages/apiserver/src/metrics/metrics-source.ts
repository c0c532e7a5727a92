// Where metrics.k8s.io's numbers come from: Docker's one-shot stats of every running container of the
// cluster, read through the control-plane container's Docker socket (the same engine every node drives; see
// streams/pod-runtime.ts). metrics-server scrapes each kubelet every 15 s and keeps the last two points;
// here the scrape happens when someone asks, reusing the previous reading as the window's start when it is
// recent, else reading twice a second apart. An interface, so the routes are tested with a fake.
import Docker from 'dockerode';
import { DOCKER_LABEL } from '@kubelab/api';
import { type DockerStats, type StatsSample, sampleOf, type Usage, usageBetween } from './container-stats';

export interface ContainerMetrics {
  node?: string;
  /** Set for a pod's containers; absent for the node container itself. */
  namespace?: string;
  pod?: string;
  /** The pod's container name; "POD" for the pause container. */
  container?: string;
  usage: Usage;
}

export interface MetricsSource {
  /** Usage of every running container of the cluster (node containers and pods' containers). */
  containers(): Promise<ContainerMetrics[]>;
}

/** A reading older than this is no window start: metrics-server's own scrape interval is 15 s. */
const MAX_WINDOW_NS = 90e9;
/** A fresh result is served again for this long, as metrics-server serves its last scrape. */
const REUSE_MS = 5_000;
const SECOND_READ_MS = 1_000;

interface Listed {
  id: string;
  labels: Record<string, string>;
}

export class DockerMetricsSource implements MetricsSource {
  private readonly last = new Map<string, StatsSample>();
  private cached?: { at: number; value: ContainerMetrics[] };
  private inflight?: Promise<ContainerMetrics[]>;

  constructor(
    private readonly cluster: string,
    private readonly docker: Docker = new Docker(),
    private readonly now: () => number = Date.now,
  ) {}

  containers(): Promise<ContainerMetrics[]> {
    if (this.cached && this.now() - this.cached.at < REUSE_MS) return Promise.resolve(this.cached.value);
    this.inflight ??= this.collect().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async read(id: string): Promise<StatsSample | undefined> {
    try {
      const stats = (await this.docker.getContainer(id).stats({ stream: false, 'one-shot': true } as { stream: false })) as DockerStats;
      return sampleOf(stats);
    } catch {
      return undefined; // gone between the list and the read
    }
  }

  private async collect(): Promise<ContainerMetrics[]> {
    const listed: Listed[] = (
      await this.docker.listContainers({ filters: { label: [`${DOCKER_LABEL.cluster}=${this.cluster}`], status: ['running'] } })
    )
      .filter((c) => c.Labels?.[DOCKER_LABEL.node])
      .map((c) => ({ id: c.Id, labels: c.Labels }));
    const samples = await Promise.all(listed.map((c) => this.read(c.id)));
    const usages = new Map<string, Usage>();
    const again: number[] = [];
    listed.forEach((c, i) => {
      const cur = samples[i];
      const prev = this.last.get(c.id);
      const u = cur && prev && cur.atNs - prev.atNs <= MAX_WINDOW_NS && cur.atNs - prev.atNs >= 0.5e9 ? usageBetween(prev, cur) : undefined;
      if (u) usages.set(c.id, u);
      else if (cur) again.push(i);
    });
    if (again.length) {
      await new Promise((r) => setTimeout(r, SECOND_READ_MS));
      const second = await Promise.all(again.map((i) => this.read(listed[i].id)));
      again.forEach((i, k) => {
        const u = second[k] && usageBetween(samples[i]!, second[k]);
        if (u) usages.set(listed[i].id, u);
        if (second[k]) samples[i] = second[k];
      });
    }
    this.last.clear();
    listed.forEach((c, i) => {
      if (samples[i]) this.last.set(c.id, samples[i]);
    });
    const value = listed.flatMap((c) => {
      const usage = usages.get(c.id);
      if (!usage) return [];
      const l = c.labels;
      return [
        {
          node: l[DOCKER_LABEL.node],
          namespace: l[DOCKER_LABEL.pod] ? l[DOCKER_LABEL.namespace] : undefined,
          pod: l[DOCKER_LABEL.pod],
          container: l[DOCKER_LABEL.pod] ? l[DOCKER_LABEL.container] : undefined,
          usage,
        },
      ];
    });
    this.cached = { at: this.now(), value };
    return value;
  }
}
