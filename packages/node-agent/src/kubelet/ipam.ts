// Pod IPs from this node's pod CIDR. Pure. Round-robin like host-local IPAM: a pod recreated under the same
// name gets a NEW address, so stale conntrack entries, DNS caches and endpoints never point at the wrong pod.
// State lives in Docker (each sandbox carries its IP as a label); recover() rebuilds it after a restart.
import { cidrSize, intToIp, ipToInt, parseCidr, type Cidr } from '@kubelab/api';

export class IpamExhaustedError extends Error {
  readonly code = 'KUBELAB_IPAM_EXHAUSTED';
  constructor(cidr: string, owner: string) {
    super(`no free pod IP in ${cidr} for pod ${owner}: all addresses are in use`);
    this.name = 'IpamExhaustedError';
  }
}

export interface IpamEntry {
  ip: string;
  /** Whoever holds the address, e.g. the pod UID. */
  owner: string;
  /** Allocation time (ms); the newest entry sets where round-robin resumes. */
  createdAt: number;
}

export class Ipam {
  private readonly cidr: Cidr;
  /** Offsets inside the CIDR that may be handed out: .2 to .253 of a /24 (.1 agent, .254 gateway). */
  private readonly first: number;
  private readonly last: number;
  private readonly owners = new Map<number, string>();
  private cursor: number;

  constructor(readonly cidrText: string) {
    this.cidr = parseCidr(cidrText);
    const size = cidrSize(this.cidr);
    if (size < 8) throw new Error(`pod CIDR ${cidrText} is too small for pods`);
    this.first = 2;
    this.last = size - 3;
    this.cursor = this.first - 1;
  }

  get capacity(): number {
    return this.last - this.first + 1;
  }

  private offset(ip: string): number | undefined {
    const off = ipToInt(ip) - this.cidr.base;
    return off >= this.first && off <= this.last ? off : undefined;
  }

  /** Re-marks the addresses existing sandboxes hold; round-robin resumes after the newest one. */
  recover(entries: IpamEntry[]): void {
    let newest = -Infinity;
    for (const e of entries) {
      const off = this.offset(e.ip);
      if (off === undefined) continue;
      this.owners.set(off, e.owner);
      if (e.createdAt >= newest) {
        newest = e.createdAt;
        this.cursor = off;
      }
    }
  }

  allocate(owner: string): string {
    for (let i = 1; i <= this.capacity; i++) {
      const off = this.first + ((this.cursor - this.first + i) % this.capacity);
      if (!this.owners.has(off)) {
        this.owners.set(off, owner);
        this.cursor = off;
        return intToIp(this.cidr.base + off);
      }
    }
    throw new IpamExhaustedError(this.cidrText, owner);
  }

  /** Marks a specific address as used (an adopted sandbox). */
  claim(ip: string, owner: string): void {
    const off = this.offset(ip);
    if (off !== undefined) this.owners.set(off, owner);
  }

  release(ip: string): void {
    const off = this.offset(ip);
    if (off !== undefined) this.owners.delete(off);
  }

  releaseOwner(owner: string): void {
    for (const [off, o] of this.owners) if (o === owner) this.owners.delete(off);
  }

  ownerOf(ip: string): string | undefined {
    const off = this.offset(ip);
    return off === undefined ? undefined : this.owners.get(off);
  }

  inUse(): string[] {
    return [...this.owners.keys()].sort((a, b) => a - b).map((off) => intToIp(this.cidr.base + off));
  }
}
