// The node's network role (DESIGN.md §3, one network model per node): informers for Nodes, Services,
// EndpointSlices and this node's Pods only mark the state dirty and poke a rate-limited sync. Each sync
// builds the model, sets the pod routes, renders every table and hands them to the RuleSyncer, which
// restores only what changed in one `iptables-restore --noflush` call (kube-proxy's partial sync); stale
// per-service chains are deleted in the same call. A failure forces a full resync: every table rewritten
// and every jump re-checked. This is the only loop writing these tables.
import type { Logger } from 'pino';
import type { Pod, Service } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import type { AgentConfig } from '../config';
import { staleUdpFlows } from './conntrack';
import { chainOwners, DropLog, toDropRecord, type ChainOwner } from './drop-log';
import { readNflog } from './nflog';
import { NFLOG_GROUP } from './policy-rules';
import {
  addHostAddress,
  announceAddress,
  conntrack,
  deleteHostAddress,
  deleteRoute,
  ensureForwarding,
  ensureJump,
  interfaceWithAddress,
  iptablesRestore,
  listChains,
  listHostAddresses,
  listRoutes,
  replaceRoute,
  supportsNflog,
} from './host';
import { NetworkInformers } from './informers';
import { renderTables, type RenderedTables } from './iptables';
import { RuleSyncer } from './rule-syncer';
import { StartingPods } from './starting-pods';
import { buildNetworkModel, type NetworkModel, type NodeFacts } from './model';
import { diffRoutes } from './routes';
import type { TableName } from './table-buffer';

const MIN_INTERVAL_MS = 200;
const RESYNC_MS = 30_000;
const RETRY_MS = 2000;
const FULL_SYNC_EVERY = 10;
/** On a fresh node, after this long without every cache listed (no Services served?), render anyway. */
const SYNC_GRACE_MS = 10_000;
/** A pod's containers wait at most this long for its policy rules (then start anyway, logged). */
const POD_RULES_WAIT_MS = 5000;

export interface SyncStats {
  /** Tables restored by the last sync (empty when nothing changed). */
  applied: TableName[];
  renderMs: number;
  applyMs: number;
}

export class NodeNetwork {
  private readonly informers: NetworkInformers;
  private timer?: NodeJS.Timeout;
  private resync?: NodeJS.Timeout;
  private running = false;
  private dirty = false;
  private lastRun = 0;
  private stopped = false;
  private readonly rules = new RuleSyncer({ listChains, restore: iptablesRestore, ensureJump });
  private rendered?: RenderedTables;
  private checkJumps = false;
  private model?: NetworkModel;
  /** The model whose rules are in the kernel: stale UDP flows are computed against it. */
  private appliedModel?: NetworkModel;
  private readonly startedAt = Date.now();
  private graceMs = SYNC_GRACE_MS;
  /** NetworkPolicy drops seen on this node (NFLOG), newest last: what `kubelab netpol drops` shows. */
  readonly drops = new DropLog();
  private nflog?: { close(): void };
  private owners = new Map<string, ChainOwner>();
  /** Sandbox IPs the kubelet handed out whose pod status may not say so yet. */
  private readonly starting = new StartingPods();
  private requested = 0;
  private appliedRequest = 0;
  private waiters: { seq: number; resolve: () => void }[] = [];

  private constructor(
    private readonly facts: NodeFacts,
    client: KubeClient,
    private readonly log: Logger,
  ) {
    this.informers = new NetworkInformers(client, facts.name, log, () => this.poke());
  }

  static async start(config: AgentConfig, client: KubeClient, log: Logger): Promise<NodeNetwork> {
    const netLog = log.child({ role: 'network' });
    if (!(await ensureForwarding()))
      netLog.warn('net.ipv4.ip_forward is 0 and cannot be changed here: pods on other nodes are unreachable');
    const facts: NodeFacts = {
      name: config.nodeName,
      ip: config.nodeIp,
      nodeInterface: await interfaceWithAddress(config.nodeIp),
      podCidr: config.podCidr,
      clusterPodCidr: config.clusterPodCidr,
      serviceCidr: config.serviceCidr,
      nflog: await supportsNflog(NFLOG_GROUP),
    };
    if (!facts.nflog) netLog.warn('this kernel has no NFLOG target: NetworkPolicy drops are counted but not logged');
    const net = new NodeNetwork(facts, client, netLog);
    // A restarted agent finds its rules in place and keeps them until every cache has listed; only a fresh
    // node renders without Services after the grace period (pods need their egress rules to reach the API).
    net.graceMs = (await listChains('nat').catch((): string[] => [])).includes('KUBE-SERVICES') ? Number.POSITIVE_INFINITY : SYNC_GRACE_MS;
    net.startDropLog();
    net.informers.start();
    void net.informers.nodes.waitForSync().then(() => net.poke());
    void net.informers.waitForSync().then(() => net.poke());
    setTimeout(() => net.poke(), SYNC_GRACE_MS + 100).unref?.();
    // Periodic check: re-insert a jump someone removed (then re-apply everything), repair routes.
    let ticks = 0;
    net.resync = setInterval(() => {
      net.checkJumps = true;
      // Partial syncs trust what this agent applied; now and then rewrite everything (kube-proxy: hourly).
      if (++ticks % FULL_SYNC_EVERY === 0) net.rules.requireFullSync();
      net.poke();
    }, RESYNC_MS);
    netLog.info({ nodeInterface: facts.nodeInterface, podCidr: facts.podCidr }, 'node network started');
    return net;
  }

  private startDropLog(): void {
    if (this.facts.nflog === false) return;
    let warned = false;
    this.nflog = readNflog(
      NFLOG_GROUP,
      (p) => {
        const r = toDropRecord(p, this.facts.name, this.owners, this.model?.policy.podsByIP ?? new Map());
        if (r) this.drops.add(r);
      },
      (err) => {
        if (!warned) this.log.warn({ err: err.message }, 'NetworkPolicy drop log: cannot read NFLOG (drops are still counted)');
        warned = true;
      },
    );
  }

  /**
   * The kubelet calls this before a pod's containers start (the sandbox has its IP): resolves once rules
   * that know the pod by that IP are in the kernel, so a policy selecting it holds from its first packet.
   * Without any policy in the pod's namespace there is nothing to wait for.
   */
  async podStarting(pod: Pod, ip: string): Promise<void> {
    const key = `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
    const inModel = this.model?.policy.podsByIP.get(ip) === key && this.appliedModel === this.model;
    const before = this.starting.add(pod, ip);
    if (inModel && before === ip) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), POD_RULES_WAIT_MS)));
    // Right after the agent starts the policies may not be listed yet: no policy seen is not no policy.
    if (!this.informers.policies.hasSynced) await Promise.race([this.informers.policies.waitForSync(), timeout]);
    if (!this.informers.policies.list().some((p) => p.metadata.namespace === pod.metadata.namespace)) {
      clearTimeout(timer);
      return;
    }
    const seq = ++this.requested;
    const done = new Promise<void>((resolve) => this.waiters.push({ seq, resolve }));
    this.poke();
    const result = await Promise.race([done, timeout]);
    clearTimeout(timer);
    if (result === 'timeout') this.log.warn({ pod: key, ip }, 'policy rules for a starting pod not applied in time; starting it anyway');
  }

  /** Services in the informer cache, for the kubelet's service environment variables. */
  listServices(): Service[] {
    return this.informers.services.list();
  }

  get servicesSynced(): boolean {
    return this.informers.services.hasSynced;
  }

  /** The model of the last sync: what `node iptables` and a packet trace will read. */
  get currentModel(): NetworkModel | undefined {
    return this.model;
  }

  /** The tables last rendered, each rule indexed to the object that made it. */
  get currentTables(): RenderedTables | undefined {
    return this.rendered;
  }

  private poke(): void {
    if (this.stopped) return;
    this.dirty = true;
    if (this.running || this.timer) return;
    const wait = Math.max(0, this.lastRun + MIN_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sync();
    }, wait);
  }

  private async sync(): Promise<void> {
    if (!this.informers.nodesSynced || this.stopped) return;
    this.running = true;
    this.dirty = false;
    this.lastRun = Date.now();
    try {
      const seq = this.requested;
      const snap = this.informers.snapshot();
      const { pods, localIPs } = this.starting.merge(snap.pods);
      const model = buildNetworkModel({ node: this.facts, ...snap, pods, localIPs });
      this.model = model;
      await this.syncRoutes(model);
      // Rules wait for every cache (bounded): rendering an empty Service list would delete live rules on restart.
      if (this.informers.synced || Date.now() - this.startedAt > this.graceMs) {
        // Owners first: a drop logged the moment the new rules are in must find whose chain it was.
        for (const [chain, owner] of chainOwners(model.policy)) this.owners.set(chain, owner);
        if (this.owners.size > 20_000) this.owners = chainOwners(model.policy);
        const stats = await this.syncRules(model);
        this.resolveWaiters(seq);
        if (stats.applied.length)
          this.log.info(
            { servicePorts: model.servicePorts.length, isolatedPods: model.policy.ingress.length + model.policy.egress.length, ...stats },
            'iptables rules applied',
          );
        await this.clearStaleUdpFlows(model);
        await this.syncLoadBalancerAddresses(model);
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'network sync failed, full resync soon');
      this.rules.requireFullSync();
      setTimeout(() => this.poke(), RETRY_MS).unref?.();
    } finally {
      this.running = false;
      if (this.dirty) this.poke();
    }
  }

  private resolveWaiters(seq: number): void {
    this.appliedRequest = Math.max(this.appliedRequest, seq);
    const ready = this.waiters.filter((w) => w.seq <= this.appliedRequest);
    this.waiters = this.waiters.filter((w) => w.seq > this.appliedRequest);
    for (const w of ready) w.resolve();
  }

  private async syncRoutes(model: NetworkModel): Promise<void> {
    const { replace, remove } = diffRoutes(await listRoutes(), model.routes, this.facts.clusterPodCidr, this.facts.podCidr);
    for (const r of replace) {
      await replaceRoute(r, this.facts.nodeInterface);
      this.log.info({ cidr: r.cidr, via: r.via }, 'pod route set');
    }
    for (const r of remove) {
      await deleteRoute(r);
      this.log.info({ cidr: r.dst, via: r.gateway }, 'pod route removed');
    }
  }

  private async syncRules(model: NetworkModel): Promise<SyncStats> {
    const t0 = performance.now();
    const tables = renderTables(model);
    const renderMs = performance.now() - t0;
    if (this.checkJumps) await this.rules.checkJumps();
    this.checkJumps = false;
    const t1 = performance.now();
    const applied = await this.rules.sync(tables);
    this.rendered = tables;
    return { applied, renderMs: round(renderMs), applyMs: round(performance.now() - t1) };
  }

  /** After the rules changed: UDP flows still DNATed to endpoints that are gone (conntrack.ts). */
  private async clearStaleUdpFlows(model: NetworkModel): Promise<void> {
    const flows = staleUdpFlows(this.appliedModel, model);
    this.appliedModel = model;
    for (const args of flows) if (await conntrack(args)) this.log.info({ conntrack: args.join(' ') }, 'stale UDP flows deleted');
  }

  /** The LoadBalancer IPs this node owns are /32 addresses on its node-network interface (it answers ARP). */
  private async syncLoadBalancerAddresses(model: NetworkModel): Promise<void> {
    const dev = this.facts.nodeInterface;
    const have = new Set(await listHostAddresses(dev));
    const want = new Set(model.ownedLoadBalancerIPs);
    for (const ip of want)
      if (!have.has(ip)) {
        await addHostAddress(ip, dev);
        this.log.info({ ip, dev }, 'LoadBalancer IP added: this node answers ARP for it');
        // Not awaited: the announcements take two seconds and the sync loop must not wait for them.
        announceAddress(ip, dev).then(
          () => this.log.info({ ip, dev }, 'LoadBalancer IP announced (gratuitous ARP)'),
          (err: Error) =>
            this.log.warn(
              { ip, dev, err: err.message },
              'LoadBalancer IP not announced: neighbours learn the new owner only when their ARP entry expires',
            ),
        );
      }
    for (const ip of have)
      if (!want.has(ip)) {
        await deleteHostAddress(ip, dev);
        this.log.info({ ip, dev }, 'LoadBalancer IP removed');
      }
  }

  /** Stops watching. Routes and rules stay: pods and Services keep working while the agent restarts. */
  close(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.resync) clearInterval(this.resync);
    this.nflog?.close();
    this.informers.stop();
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
