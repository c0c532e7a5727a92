// One contiguous range of values (service IPs, node ports, load-balancer IPs) handed out by offset, as
// k8s.io/kubernetes pkg/registry/core/service/allocator does with its bitmap: explicit requests take any
// free offset; dynamic allocation starts at a random offset of the upper band and only falls back to the
// lower "static" band when the upper one is full, so values users pick by hand (10.96.0.10 for DNS, a
// NodePort like 30080) stay free (KEP-3070 for ClusterIPs, KEP-3668 for NodePorts).

export interface RangeBand {
  /** How many values the range holds (offsets 0..size-1). */
  size: number;
  /** Offsets below this form the static band, used by dynamic allocation only when the rest is full. */
  staticBand: number;
}

/**
 * kube-apiserver's calculateRangeOffset: min(max(min, size/step), max), and 0 for ranges of `min` or less.
 * ClusterIPs use (16, 256, 16) on the CIDR size; NodePorts (16, 128, 32) on the port count.
 */
export function staticBandSize(size: number, min: number, max: number, step: number): number {
  if (size <= min) return 0;
  const offset = Math.floor(size / step);
  return Math.min(Math.max(offset, min), max);
}

export class RangeAllocator {
  private readonly used = new Set<number>();

  constructor(
    readonly band: RangeBand,
    private readonly random: () => number = Math.random,
  ) {}

  get count(): number {
    return this.used.size;
  }

  has(offset: number): boolean {
    return this.used.has(offset);
  }

  contains(offset: number): boolean {
    return Number.isInteger(offset) && offset >= 0 && offset < this.band.size;
  }

  /** Takes `offset`; false when it is taken already. */
  allocate(offset: number): boolean {
    if (!this.contains(offset) || this.used.has(offset)) return false;
    this.used.add(offset);
    return true;
  }

  /** A free offset (upper band first, from a random start), taken; undefined when the range is full. */
  allocateNext(): number | undefined {
    const { size, staticBand } = this.band;
    const found = this.scan(staticBand, size) ?? this.scan(0, staticBand);
    if (found !== undefined) this.used.add(found);
    return found;
  }

  release(offset: number): void {
    this.used.delete(offset);
  }

  /** A free offset in [from, to), scanning forward from a random start and wrapping once. */
  private scan(from: number, to: number): number | undefined {
    const n = to - from;
    if (n <= 0) return undefined;
    const start = Math.floor(this.random() * n);
    for (let i = 0; i < n; i++) {
      const offset = from + ((start + i) % n);
      if (!this.used.has(offset)) return offset;
    }
    return undefined;
  }
}
