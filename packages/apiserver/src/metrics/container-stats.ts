// metrics.k8s.io from Docker's stats, the way metrics-server derives it from the kubelet's summary API.
// Pure: a stats document becomes a cumulative sample, two samples become a usage over a window, and usages
// become the NodeMetrics and PodMetrics objects metrics-server serves (pkg/api/{node,pod}.go).
//
// CPU is a rate: (cumulative CPU ns at t2 - at t1) / (t2 - t1), in nanocores, as metrics-server's
// `resource.NewScaledQuantity(nanocores, -9)`. Memory is the working set (usage minus inactive file pages,
// what the kubelet calls working_set_bytes and the OOM killer counts), in Ki as a BinarySI quantity.

/** One cumulative reading of a container. */
export interface StatsSample {
  /** Cumulative CPU time, nanoseconds. */
  cpuNs: number;
  /** When Docker read it, nanoseconds since the epoch (Docker reports ns precision). */
  atNs: number;
  workingSetBytes: number;
}

/** The parts of Docker's `GET /containers/{id}/stats` document that are used. */
export interface DockerStats {
  read?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}

/** RFC 3339 with up to nanoseconds -> ns since the epoch (Date.parse keeps only ms). */
export function parseTimeNs(text: string): number | undefined {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!m) return undefined;
  const secondsMs = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(secondsMs)) return undefined;
  const frac = Number((m[2] ?? '').padEnd(9, '0').slice(0, 9));
  return secondsMs * 1e6 + frac;
}

/** undefined for a container that is not running (Docker answers zeros and a zero time). */
export function sampleOf(stats: DockerStats): StatsSample | undefined {
  const atNs = stats.read ? parseTimeNs(stats.read) : undefined;
  const cpuNs = stats.cpu_stats?.cpu_usage?.total_usage;
  const mem = stats.memory_stats;
  if (!atNs || atNs <= 0 || cpuNs === undefined || !mem || mem.usage === undefined) return undefined;
  // cgroup v1 names it total_inactive_file (hierarchical), v2 inactive_file; the kubelet subtracts the same.
  const inactive = mem.stats?.total_inactive_file ?? mem.stats?.inactive_file ?? 0;
  return { cpuNs, atNs, workingSetBytes: Math.max(0, mem.usage - inactive) };
}

export interface Usage {
  nanocores: number;
  workingSetBytes: number;
  /** The end of the window, ns since the epoch. */
  atNs: number;
  windowNs: number;
}

/** The usage between two samples of one container; undefined when they cannot make a rate. */
export function usageBetween(before: StatsSample, after: StatsSample): Usage | undefined {
  const windowNs = after.atNs - before.atNs;
  if (windowNs <= 0 || after.cpuNs < before.cpuNs) return undefined;
  return {
    nanocores: Math.round(((after.cpuNs - before.cpuNs) / windowNs) * 1e9),
    workingSetBytes: after.workingSetBytes,
    atNs: after.atNs,
    windowNs,
  };
}

/** Usages of several containers as one (a pod's, a node's): rates and bytes add up, the window is the widest. */
export function sumUsage(usages: Usage[]): Usage | undefined {
  if (usages.length === 0) return undefined;
  return {
    nanocores: usages.reduce((s, u) => s + u.nanocores, 0),
    workingSetBytes: usages.reduce((s, u) => s + u.workingSetBytes, 0),
    atNs: Math.max(...usages.map((u) => u.atNs)),
    windowNs: Math.max(...usages.map((u) => u.windowNs)),
  };
}

export function cpuQuantity(nanocores: number): string {
  return `${Math.max(0, Math.round(nanocores))}n`;
}

export function memoryQuantity(bytes: number): string {
  return `${Math.max(0, Math.round(bytes / 1024))}Ki`;
}

/** A Go time.Duration's String() for the window ("10.5s", "1.002s"), as metrics-server writes it. */
export function windowText(ns: number): string {
  const s = (Math.round(ns / 1e6) / 1000).toFixed(3).replace(/\.?0+$/, '');
  return `${s}s`;
}

/** RFC 3339 in whole seconds, as metav1.Time serializes. */
export function timestampText(ns: number): string {
  return new Date(Math.floor(ns / 1e9) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface ContainerUsage {
  name: string;
  usage: Usage;
}

export interface PodUsage {
  namespace: string;
  name: string;
  labels?: Record<string, string>;
  containers: ContainerUsage[];
}

export interface NodeUsage {
  name: string;
  labels?: Record<string, string>;
  usage: Usage;
}

const API_VERSION = 'metrics.k8s.io/v1beta1';

export function podMetrics(p: PodUsage): object {
  const total = sumUsage(p.containers.map((c) => c.usage));
  return {
    kind: 'PodMetrics',
    apiVersion: API_VERSION,
    metadata: {
      name: p.name,
      namespace: p.namespace,
      creationTimestamp: timestampText(Date.now() * 1e6),
      ...(p.labels ? { labels: p.labels } : {}),
    },
    timestamp: timestampText(total?.atNs ?? Date.now() * 1e6),
    window: windowText(total?.windowNs ?? 0),
    containers: p.containers.map((c) => ({
      name: c.name,
      usage: { cpu: cpuQuantity(c.usage.nanocores), memory: memoryQuantity(c.usage.workingSetBytes) },
    })),
  };
}

export function nodeMetrics(n: NodeUsage): object {
  return {
    kind: 'NodeMetrics',
    apiVersion: API_VERSION,
    metadata: {
      name: n.name,
      creationTimestamp: timestampText(Date.now() * 1e6),
      ...(n.labels ? { labels: n.labels } : {}),
    },
    timestamp: timestampText(n.usage.atNs),
    window: windowText(n.usage.windowNs),
    usage: { cpu: cpuQuantity(n.usage.nanocores), memory: memoryQuantity(n.usage.workingSetBytes) },
  };
}

export function metricsList(kind: 'NodeMetricsList' | 'PodMetricsList', items: object[]): object {
  return { kind, apiVersion: API_VERSION, metadata: {}, items };
}
