// The controller loop: watch events mark the table dirty; a rebuild (at most every 50 ms, so a change is
// live well within 1 s) builds the route table and the SNI contexts, swaps them atomically (requests in
// flight keep the table they started with), retires pools of departed endpoints, and reports what
// ingress-nginx would report: Sync events, warnings on Ingresses, status.loadBalancer.
import { randomBytes } from 'node:crypto';
import { DEFAULT_INGRESS_CLASS_ANNOTATION, type Event, type Ingress, type LoadBalancerIngress } from '@kubelab/api';
import { resourceInfo as kind, type KubeClient } from '@kubelab/client';
import type { Logger } from 'pino';
import { buildRouteTable, type Problem, type RouteTable } from './route-table';
import type { TlsStore } from './tls-store';
import type { UpstreamPools } from './upstreams';
import type { IngressWatchCache } from './watch-cache';

export interface ControllerOptions {
  className: string;
  controllerName: string;
  /** status.loadBalancer.ingress[0]: an IP or a host name (kind publishes `localhost`). */
  publishAddress: string;
  podName: string;
  minSyncIntervalMs?: number;
  /** Only the elected replica writes status (ingress-nginx's leader election); unset = always. */
  isLeader?: () => boolean;
}

const COMPONENT = 'nginx-ingress-controller';

export class IngressController {
  table: RouteTable;
  private timer: NodeJS.Timeout | undefined;
  private lastSync = 0;
  private readonly reported = new Set<string>();
  private readonly synced = new Map<string, number>();
  /** The Ingresses last reported as this controller's (ingress-nginx's IngressLister), for the shutdown clear. */
  private served = new Set<string>();
  private stopped = false;
  builds = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly cache: IngressWatchCache,
    private readonly tls: TlsStore,
    private readonly pools: UpstreamPools,
    private readonly log: Logger,
    private readonly opts: ControllerOptions,
  ) {
    this.table = buildRouteTable({
      ingresses: [],
      service: () => undefined,
      slices: () => [],
      className: opts.className,
      isDefaultClass: false,
    });
  }

  /** Called on every watch event: one rebuild per burst, no sooner than minSyncIntervalMs after the last. */
  changed(): void {
    if (this.timer || !this.cache.synced || this.stopped) return;
    const wait = Math.max(0, this.lastSync + (this.opts.minSyncIntervalMs ?? 50) - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sync();
    }, wait);
  }

  sync(): void {
    this.lastSync = Date.now();
    const started = performance.now();
    const ours = this.cache.classes.list().filter((c) => c.spec?.controller === this.opts.controllerName);
    const cls = ours.find((c) => c.metadata.name === this.opts.className);
    const table = buildRouteTable({
      ingresses: this.cache.ingresses.list(),
      service: (ns, n) => this.cache.service(ns, n),
      slices: (ns, n) => this.cache.slicesOf(ns, n),
      className: this.opts.className,
      isDefaultClass: cls?.metadata.annotations?.[DEFAULT_INGRESS_CLASS_ANNOTATION] === 'true',
      configMap: (ns, n) => this.cache.configMap(ns, n),
    });
    const owners = new Map<string, string>();
    for (const ing of this.cache.ingresses.list())
      for (const t of ing.spec?.tls ?? [])
        if (t.secretName) owners.set(`${ing.metadata.namespace}/${t.secretName}`, `${ing.metadata.namespace}/${ing.metadata.name}`);
    const tlsProblems = this.tls.update(
      table,
      (k) => this.cache.secret(k),
      (k) => owners.get(k) ?? '',
    );
    this.table = table;
    this.builds++;
    const live = new Set<string>();
    const collect = (l: RouteTable['catchAll']['locations'][number]): void => {
      for (const e of l.upstream?.endpoints ?? []) live.add(e);
      for (const e of l.canary?.upstream.endpoints ?? []) live.add(e);
    };
    for (const s of [table.catchAll, ...table.exact.values(), ...table.wildcard.values()]) for (const l of s.locations) collect(l);
    this.pools.retire(live);
    this.log.debug(
      {
        ms: Math.round((performance.now() - started) * 100) / 100,
        ingresses: table.ingresses.length,
        hosts: table.exact.size + table.wildcard.size,
      },
      'route table rebuilt',
    );
    void this.report([...table.problems, ...tlsProblems], table).catch((err) =>
      this.log.warn({ err: (err as Error).message }, 'reporting to the API failed'),
    );
  }

  private async report(problems: Problem[], table: RouteTable): Promise<void> {
    const ingresses = new Map(this.cache.ingresses.list().map((i) => [`${i.metadata.namespace}/${i.metadata.name}`, i]));
    const served = new Set([...table.ingresses, ...problems.filter((p) => p.reason !== 'Rejected').map((p) => p.ingress)]);
    this.served = served;
    for (const key of served) {
      const ing = ingresses.get(key);
      if (!ing) continue;
      const gen = ing.metadata.generation ?? 0;
      if (this.synced.get(key) !== gen) {
        this.synced.set(key, gen);
        await this.event(ing, 'Normal', 'Sync', 'Scheduled for sync');
      }
      // After stop no status is written ("skipping Ingress status update (shutting down in progress)").
      if (this.opts.isLeader?.() !== false && !this.stopped) await this.publishStatus(ing);
    }
    for (const p of problems) {
      const ing = ingresses.get(p.ingress);
      if (!ing) continue;
      const id = `${ing.metadata.uid}|${ing.metadata.generation}|${p.reason}|${p.message}`;
      if (this.reported.has(id)) continue;
      this.reported.add(id);
      this.log.warn({ ingress: p.ingress, reason: p.reason }, p.message);
      await this.event(ing, p.type, p.reason, p.message);
    }
  }

  private async publishStatus(ing: Ingress): Promise<void> {
    const want: LoadBalancerIngress[] = [
      /^\d+\.\d+\.\d+\.\d+$/.test(this.opts.publishAddress) ? { ip: this.opts.publishAddress } : { hostname: this.opts.publishAddress },
    ];
    if (JSON.stringify(ing.status?.loadBalancer?.ingress ?? []) === JSON.stringify(want)) return;
    // ingress-nginx's status sync logs each write (the leader's log shows it wrote, a follower's never does).
    this.log.info(
      {
        namespace: ing.metadata.namespace,
        ingress: ing.metadata.name,
        currentValue: ing.status?.loadBalancer?.ingress ?? [],
        newValue: want,
      },
      'updating Ingress status',
    );
    await this.client.patch(
      kind('ingresses.networking.k8s.io'),
      ing.metadata.name!,
      { status: { loadBalancer: { ingress: want } } },
      ing.metadata.namespace,
      'status',
    );
  }

  private async event(ing: Ingress, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = new Date().toISOString();
    const ev: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${ing.metadata.name}.${randomBytes(8).toString('hex')}`, namespace: ing.metadata.namespace },
      involvedObject: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        name: ing.metadata.name,
        namespace: ing.metadata.namespace,
        uid: ing.metadata.uid,
        resourceVersion: ing.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: COMPONENT },
      reportingComponent: COMPONENT,
      reportingInstance: this.opts.podName,
    } as Event;
    await this.client.create(kind('events'), ev, ing.metadata.namespace);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /**
   * ingress-nginx's status Shutdown with --update-status-on-shutdown (its default): stops the status sync and,
   * unless other controller pods are running (status-shutdown.ts), sets status.loadBalancer of every Ingress
   * it serves to empty. Returns the number of Ingresses cleared.
   */
  async clearStatusOnShutdown(runningMultiplePods: () => Promise<boolean>): Promise<number> {
    this.stop();
    if (await runningMultiplePods()) {
      this.log.info('skipping Ingress status update (multiple pods running - another one will be elected as master)');
      return 0;
    }
    this.log.info({ address: this.opts.publishAddress }, 'removing value from ingress status');
    let n = 0;
    for (const ing of this.cache.ingresses.list()) {
      const key = `${ing.metadata.namespace}/${ing.metadata.name}`;
      const current = ing.status?.loadBalancer?.ingress ?? [];
      if (!this.served.has(key) || current.length === 0) continue;
      this.log.info(
        { namespace: ing.metadata.namespace, ingress: ing.metadata.name, currentValue: current, newValue: [] },
        'updating Ingress status',
      );
      try {
        // Merge patch null removes the list: `loadBalancer: {}`, what UpdateStatus with an empty slice stores.
        await this.client.patch(
          kind('ingresses.networking.k8s.io'),
          ing.metadata.name!,
          { status: { loadBalancer: { ingress: null } } },
          ing.metadata.namespace,
          'status',
        );
        n++;
      } catch (err) {
        this.log.warn({ ingress: key, err: (err as Error).message }, 'error updating ingress rule');
      }
    }
    return n;
  }
}
