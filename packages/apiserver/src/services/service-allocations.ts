// The cluster's service address pools: ClusterIPs from the service CIDR, NodePorts, and LoadBalancer IPs
// from a band of the node network. Who holds what is a function of the stored Services only: the pools are
// rebuilt from the store at start (an API server restart never hands out an address twice) and follow its
// change events. A write takes values tentatively while it is validated; values the store never confirms
// (the write failed after allocation, e.g. on another field) are given back right after the write, which is
// the rollback of kube-apiserver's allocation transaction (pkg/registry/core/service/storage/alloc.go).
// This relies on ObjectService running validate -> store.put without yielding (no await in between): a
// write that awaited there would see its tentative values handed back before the store confirmed them.
import { cidrContains, field, intToIp, ipToInt, isIPv4, parseCidr, type Cidr, type FieldError, type Service } from '@kubelab/api';
import type { Store, StoredEvent } from '../storage/store';
import { RangeAllocator, staticBandSize } from './range-allocator';

export interface ServiceNetworkConfig {
  /** --service-cluster-ip-range (kubelab: SERVICE_CIDR, default 10.96.0.0/12). */
  serviceCidr: string;
  /** --service-node-port-range, "30000-32767". */
  nodePortRange: string;
  /** First-last addresses handed to LoadBalancer Services ("172.30.0.192-172.30.0.254"); none: they stay pending. */
  loadBalancerPool?: string;
}

export const defaultServiceNetwork: ServiceNetworkConfig = { serviceCidr: '10.96.0.0/12', nodePortRange: '30000-32767' };

const servicesResource = '/services';

/** A range whose offsets are owned by a Service key (`ns/name`), with tentative takes of the current write. */
class OwnedRange {
  private readonly owners = new Map<number, string>();
  private readonly pending = new Set<number>();
  readonly alloc: RangeAllocator;

  constructor(size: number, staticBand: number, random?: () => number) {
    this.alloc = new RangeAllocator({ size, staticBand }, random);
  }

  ownerOf(offset: number): string | undefined {
    return this.owners.get(offset);
  }

  /** Takes `offset` for `owner`; false when another Service holds it. */
  take(offset: number, owner: string): boolean {
    const cur = this.owners.get(offset);
    if (cur !== undefined) return cur === owner;
    if (!this.alloc.allocate(offset)) return false;
    this.owners.set(offset, owner);
    this.pending.add(offset);
    return true;
  }

  next(owner: string): number | undefined {
    const offset = this.alloc.allocateNext();
    if (offset === undefined) return undefined;
    this.owners.set(offset, owner);
    this.pending.add(offset);
    return offset;
  }

  /** The store's word: `owner` now holds exactly `now` (it held `before`). */
  sync(owner: string, before: number[], now: number[]): void {
    for (const o of now) {
      if (this.owners.get(o) !== owner) {
        this.owners.set(o, owner);
        this.alloc.allocate(o);
      }
      this.pending.delete(o);
    }
    const keep = new Set(now);
    for (const o of before) {
      if (keep.has(o) || this.owners.get(o) !== owner) continue;
      this.owners.delete(o);
      this.alloc.release(o);
    }
  }

  /** Gives back what a failed write took. */
  rollback(): void {
    for (const o of this.pending) {
      this.owners.delete(o);
      this.alloc.release(o);
    }
    this.pending.clear();
  }

  get hasPending(): boolean {
    return this.pending.size > 0;
  }
}

function parsePortRange(text: string): { base: number; size: number } {
  const m = /^(\d+)-(\d+)$/.exec(text.trim());
  if (!m || Number(m[1]) > Number(m[2])) throw new Error(`invalid node port range ${JSON.stringify(text)}`);
  return { base: Number(m[1]), size: Number(m[2]) - Number(m[1]) + 1 };
}

function parseIpRange(text: string): { base: number; size: number } {
  const [first, last] = text.split('-').map((s) => s.trim());
  if (!isIPv4(first ?? '') || !isIPv4(last ?? '') || ipToInt(first) > ipToInt(last))
    throw new Error(`invalid load balancer pool ${JSON.stringify(text)}: want FIRST-LAST IPv4 addresses`);
  return { base: ipToInt(first), size: ipToInt(last) - ipToInt(first) + 1 };
}

/**
 * The default LoadBalancer pool on a node subnet: its top quarter, below the broadcast address. Docker hands
 * out container addresses from the bottom and kubelab pins nodes at .2 upwards, so this band stays unused
 * (the same idea as the MetalLB pools kind's documentation suggests).
 */
export function defaultLoadBalancerPool(nodeSubnet: string): string {
  const c = parseCidr(nodeSubnet);
  const size = 2 ** (32 - c.prefix);
  const first = c.base + Math.floor((size * 3) / 4);
  return `${intToIp(first)}-${intToIp(c.base + size - 2)}`;
}

const key = (svc: Service): string => `${svc.metadata.namespace}/${svc.metadata.name}`;

export const needsClusterIP = (svc: Service): boolean => svc.spec?.type !== 'ExternalName';
export const needsNodePort = (svc: Service): boolean => svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer';
const shouldAllocateNodePorts = (svc: Service): boolean =>
  svc.spec.type === 'NodePort' || (svc.spec.type === 'LoadBalancer' && svc.spec.allocateLoadBalancerNodePorts !== false);
export const needsHealthCheckNodePort = (svc: Service): boolean =>
  svc.spec?.type === 'LoadBalancer' && svc.spec.externalTrafficPolicy === 'Local';

export class ServiceAllocations {
  readonly cidr: Cidr;
  readonly portRange: { base: number; size: number };
  readonly lbRange?: { base: number; size: number };
  private readonly ips: OwnedRange;
  private readonly ports: OwnedRange;
  private readonly lbs?: OwnedRange;
  private cleanupQueued = false;
  private readonly unsubscribe: () => void;

  constructor(
    store: Store,
    readonly config: ServiceNetworkConfig,
    random?: () => number,
  ) {
    this.cidr = parseCidr(config.serviceCidr);
    const cidrSize = 2 ** (32 - this.cidr.prefix);
    // Network and broadcast addresses are never handed out: offset 0 is the range's first host address.
    this.ips = new OwnedRange(Math.max(0, cidrSize - 2), staticBandSize(cidrSize, 16, 256, 16), random);
    this.portRange = parsePortRange(config.nodePortRange);
    this.ports = new OwnedRange(this.portRange.size, staticBandSize(this.portRange.size, 16, 128, 32), random);
    if (config.loadBalancerPool) {
      this.lbRange = parseIpRange(config.loadBalancerPool);
      // Lowest free address first, as MetalLB hands them out: predictable for a lab.
      this.lbs = new OwnedRange(this.lbRange.size, 0, () => 0);
    }
    for (const obj of store.list(servicesResource)) this.record(obj as Service, undefined);
    this.unsubscribe = store.subscribe((e) => this.onChange(e));
  }

  close(): void {
    this.unsubscribe();
  }

  /** The first address of the range: the `kubernetes` Service's (kube-apiserver's default service IP). */
  get firstIP(): string {
    return intToIp(this.cidr.base + 1);
  }

  get validRange(): string {
    return `${intToIp(this.cidr.base)}/${this.cidr.prefix}`;
  }

  get validPorts(): string {
    return `${this.portRange.base}-${this.portRange.base + this.portRange.size - 1}`;
  }

  /** Which Service holds a ClusterIP / NodePort (tests, describe). */
  ipOwner(ip: string): string | undefined {
    const o = this.ipOffset(ip);
    return o === undefined ? undefined : this.ips.ownerOf(o);
  }

  portOwner(port: number): string | undefined {
    return this.ports.ownerOf(port - this.portRange.base);
  }

  /**
   * Fills in and takes what a valid Service needs: clusterIP(s), nodePorts, healthCheckNodePort, the
   * LoadBalancer ingress IP. Returns Kubernetes' field errors (the first failure only, as alloc.go does).
   * `old` is the stored version on updates (its values stay held by the same Service).
   */
  allocate(svc: Service, old?: Service): FieldError[] {
    const owner = key(svc);
    this.queueCleanup();
    const spec = svc.spec;
    if (needsClusterIP(svc)) {
      const err = this.allocateClusterIP(svc, owner);
      if (err) return [err];
      spec.ipFamilies = ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
    }
    if (needsNodePort(svc)) {
      const err = this.allocateNodePorts(svc, owner);
      if (err) return [err];
    }
    if (needsHealthCheckNodePort(svc)) {
      const err = this.allocateHealthCheckNodePort(svc, owner, old);
      if (err) return [err];
    }
    if (spec.type === 'LoadBalancer') this.assignLoadBalancerIP(svc, owner);
    return [];
  }

  private allocateClusterIP(svc: Service, owner: string): FieldError | undefined {
    const spec = svc.spec;
    if (spec.clusterIP === 'None') {
      spec.clusterIPs = ['None'];
      return undefined;
    }
    if (!spec.clusterIP) {
      const offset = this.ips.next(owner);
      if (offset === undefined)
        return field.invalid('spec.clusterIPs', spec.clusterIPs ?? [], 'failed to allocate a serviceIP: range is full');
      spec.clusterIP = intToIp(this.cidr.base + 1 + offset);
      spec.clusterIPs = [spec.clusterIP];
      return undefined;
    }
    const ip = spec.clusterIP;
    spec.clusterIPs = spec.clusterIPs?.length ? spec.clusterIPs : [ip];
    const offset = this.ipOffset(ip);
    if (offset === undefined)
      return field.invalid(
        'spec.clusterIPs',
        spec.clusterIPs,
        `failed to allocate IP ${ip}: provided IP is not in the valid range. The range of valid IPs is ${this.validRange}`,
      );
    if (!this.ips.take(offset, owner))
      return field.invalid('spec.clusterIPs', spec.clusterIPs, `failed to allocate IP ${ip}: provided IP is already allocated`);
    return undefined;
  }

  /** initNodePorts/updateNodePorts: one nodePort per service port number (TCP and UDP 53 share one). */
  private allocateNodePorts(svc: Service, owner: string): FieldError | undefined {
    const byPort = new Map<number, number>();
    const ports = svc.spec.ports ?? [];
    for (let i = 0; i < ports.length; i++) {
      const p = ports[i];
      if (!p.nodePort && !shouldAllocateNodePorts(svc)) continue;
      const shared = byPort.get(p.port);
      if (shared !== undefined && (!p.nodePort || p.nodePort === shared)) {
        p.nodePort = shared;
        continue;
      }
      // A later entry for the same port number may carry the value the user asked for.
      const requested = p.nodePort || ports.slice(i).find((q) => q.port === p.port && q.nodePort)?.nodePort;
      if (requested) {
        const err = this.takePort(requested, owner, `spec.ports[${i}].nodePort`);
        if (err) return err;
        p.nodePort = requested;
      } else {
        const offset = this.ports.next(owner);
        if (offset === undefined) return field.invalid(`spec.ports[${i}].nodePort`, 0, 'failed to allocate a nodePort: range is full');
        p.nodePort = this.portRange.base + offset;
      }
      if (shared === undefined) byPort.set(p.port, p.nodePort);
    }
    return undefined;
  }

  private allocateHealthCheckNodePort(svc: Service, owner: string, old?: Service): FieldError | undefined {
    const spec = svc.spec;
    if (!spec.healthCheckNodePort && old && needsHealthCheckNodePort(old)) spec.healthCheckNodePort = old.spec.healthCheckNodePort;
    if (spec.healthCheckNodePort) return this.takePort(spec.healthCheckNodePort, owner, 'spec.healthCheckNodePort');
    const offset = this.ports.next(owner);
    if (offset === undefined) return field.invalid('spec.healthCheckNodePort', 0, 'failed to allocate a nodePort: range is full');
    spec.healthCheckNodePort = this.portRange.base + offset;
    return undefined;
  }

  private takePort(port: number, owner: string, path: string): FieldError | undefined {
    const offset = port - this.portRange.base;
    if (!this.ports.alloc.contains(offset))
      return field.invalid(path, port, `provided port is not in the valid range. The range of valid ports is ${this.validPorts}`);
    if (!this.ports.take(offset, owner)) return field.invalid(path, port, 'provided port is already allocated');
    return undefined;
  }

  /**
   * kubelab's load-balancer controller, run inline: the first ingress IP of the pool (spec.loadBalancerIP
   * when it names a free pool address), or none (EXTERNAL-IP <pending>) when the pool is exhausted or unset.
   * Like the built-in service controller, it leaves Services with a loadBalancerClass alone.
   */
  private assignLoadBalancerIP(svc: Service, owner: string): void {
    const lbs = this.lbs;
    const range = this.lbRange;
    if (!lbs || !range) return;
    const inPool = (ip: string | undefined): number | undefined => {
      if (!ip || !isIPv4(ip)) return undefined;
      const o = ipToInt(ip) - range.base;
      return o >= 0 && o < range.size ? o : undefined;
    };
    // A Service for another load-balancer implementation, or one whose status another controller wrote, is theirs.
    if (svc.spec.loadBalancerClass) return;
    const written = svc.status?.loadBalancer?.ingress ?? [];
    if (written.length && !written.some((i) => inPool(i.ip) !== undefined)) return;
    const current = written.find((i) => inPool(i.ip) !== undefined)?.ip;
    const wanted = svc.spec.loadBalancerIP;
    let ip: string | undefined;
    if (wanted && inPool(wanted) !== undefined) {
      if (lbs.take(inPool(wanted)!, owner)) ip = wanted;
    } else if (current && lbs.take(inPool(current)!, owner)) {
      ip = current;
    } else {
      const offset = lbs.next(owner);
      if (offset !== undefined) ip = intToIp(range.base + offset);
    }
    svc.status = { ...svc.status, loadBalancer: ip ? { ingress: [{ ip, ipMode: 'VIP' }] } : {} };
  }

  private ipOffset(ip: string): number | undefined {
    if (!isIPv4(ip) || !cidrContains(this.cidr, ip)) return undefined;
    const offset = ipToInt(ip) - this.cidr.base - 1;
    return this.ips.alloc.contains(offset) ? offset : undefined;
  }

  private values(svc: Service | undefined): { ips: number[]; ports: number[]; lbs: number[] } {
    const out = { ips: [] as number[], ports: [] as number[], lbs: [] as number[] };
    if (!svc?.spec) return out;
    for (const ip of svc.spec.clusterIPs ?? (svc.spec.clusterIP ? [svc.spec.clusterIP] : [])) {
      const o = this.ipOffset(ip);
      if (o !== undefined) out.ips.push(o);
    }
    const portOffset = (p: unknown): void => {
      if (typeof p === 'number' && this.ports.alloc.contains(p - this.portRange.base)) out.ports.push(p - this.portRange.base);
    };
    for (const p of svc.spec.ports ?? []) portOffset(p?.nodePort);
    portOffset(svc.spec.healthCheckNodePort);
    const range = this.lbRange;
    if (range)
      for (const i of svc.status?.loadBalancer?.ingress ?? []) {
        if (!i?.ip || !isIPv4(i.ip)) continue;
        const o = ipToInt(i.ip) - range.base;
        if (o >= 0 && o < range.size) out.lbs.push(o);
      }
    return out;
  }

  private record(now: Service | undefined, before: Service | undefined): void {
    const svc = now ?? before;
    if (!svc) return;
    const owner = key(svc);
    const a = this.values(before);
    const b = this.values(now);
    this.ips.sync(owner, a.ips, b.ips);
    this.ports.sync(owner, a.ports, b.ports);
    this.lbs?.sync(owner, a.lbs, b.lbs);
  }

  private onChange(e: StoredEvent): void {
    if (e.resource !== servicesResource) return;
    if (e.type === 'DELETED') this.record(undefined, e.object as Service);
    else this.record(e.object as Service, e.previous as Service | undefined);
  }

  /** After the current write: whatever it took that the store did not confirm goes back. */
  private queueCleanup(): void {
    if (this.cleanupQueued) return;
    this.cleanupQueued = true;
    queueMicrotask(() => {
      this.cleanupQueued = false;
      this.ips.rollback();
      this.ports.rollback();
      this.lbs?.rollback();
    });
  }
}
