// The node's routing role: routes to other nodes' pod CIDRs (host-gw) and the egress masquerade. Node watch
// events only mark the state dirty and poke a rate-limited sync; each sync reads the kernel's routes, diffs
// and applies, and re-renders the NAT chain. A failed sync retries; a periodic resync repairs drift.
import type { Logger } from 'pino';
import type { Node } from '@kubelab/api';
import { Informer, type KubeClient } from '@kubelab/client';
import type { AgentConfig } from '../config';
import { NODES } from '../kubelet/resources';
import {
  deleteRoute,
  ensureForwarding,
  ensurePostroutingJump,
  interfaceWithAddress,
  iptablesRestore,
  listRoutes,
  replaceRoute,
} from './host';
import { renderNatRules } from './iptables';
import { desiredRoutes, diffRoutes } from './routes';

const MIN_INTERVAL_MS = 200;
const RESYNC_MS = 30_000;

export class NodeNetwork {
  private readonly informer: Informer<Node>;
  private timer?: NodeJS.Timeout;
  private resync?: NodeJS.Timeout;
  private running = false;
  private dirty = false;
  private lastRun = 0;
  private lastRules = '';
  private stopped = false;

  private constructor(
    private readonly config: AgentConfig,
    client: KubeClient,
    private readonly log: Logger,
    private readonly nodeInterface: string,
  ) {
    this.informer = new Informer<Node>(client, NODES, {
      onError: (err) => log.warn({ err: (err as Error).message }, 'node watch failed, re-listing'),
    });
    this.informer.on((type, node, old) => {
      if (
        type === 'MODIFIED' &&
        old &&
        old.spec?.podCIDR === node.spec?.podCIDR &&
        JSON.stringify(old.status?.addresses) === JSON.stringify(node.status?.addresses)
      )
        return;
      this.poke();
    });
  }

  static async start(config: AgentConfig, client: KubeClient, log: Logger): Promise<NodeNetwork> {
    const netLog = log.child({ role: 'network' });
    if (!(await ensureForwarding()))
      netLog.warn('net.ipv4.ip_forward is 0 and cannot be changed here: pods on other nodes are unreachable');
    const nodeInterface = await interfaceWithAddress(config.nodeIp);
    const net = new NodeNetwork(config, client, netLog, nodeInterface);
    await net.applyNat();
    net.informer.start();
    void net.informer.waitForSync().then(() => net.poke());
    net.resync = setInterval(() => net.poke(true), RESYNC_MS);
    netLog.info({ nodeInterface, podCidr: config.podCidr }, 'node network started');
    return net;
  }

  private poke(force = false): void {
    if (this.stopped) return;
    if (force) this.lastRules = '';
    this.dirty = true;
    if (this.running || this.timer) return;
    const wait = Math.max(0, this.lastRun + MIN_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sync();
    }, wait);
  }

  private async sync(): Promise<void> {
    if (!this.informer.hasSynced || this.stopped) return;
    this.running = true;
    this.dirty = false;
    this.lastRun = Date.now();
    try {
      await this.syncRoutes();
      await this.applyNat();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'network sync failed, retrying');
      this.lastRules = '';
      setTimeout(() => this.poke(), 2000).unref?.();
    } finally {
      this.running = false;
      if (this.dirty) this.poke();
    }
  }

  private async syncRoutes(): Promise<void> {
    const { config } = this;
    const desired = desiredRoutes(this.informer.list(), config.nodeName, config.podCidr);
    const { replace, remove } = diffRoutes(await listRoutes(), desired, config.clusterPodCidr, config.podCidr);
    for (const r of replace) {
      await replaceRoute(r, this.nodeInterface);
      this.log.info({ cidr: r.cidr, via: r.via }, 'pod route set');
    }
    for (const r of remove) {
      await deleteRoute(r);
      this.log.info({ cidr: r.dst, via: r.gateway }, 'pod route removed');
    }
  }

  private async applyNat(): Promise<void> {
    const rules = renderNatRules({
      podCidr: this.config.podCidr,
      clusterPodCidr: this.config.clusterPodCidr,
      nodeInterface: this.nodeInterface,
    });
    if (rules === this.lastRules) return;
    await iptablesRestore(rules);
    await ensurePostroutingJump();
    this.lastRules = rules;
  }

  /** Stops watching. Routes and rules stay: pods keep working while the agent restarts. */
  close(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.resync) clearInterval(this.resync);
    this.informer.stop();
  }
}
