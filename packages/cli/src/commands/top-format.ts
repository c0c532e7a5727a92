// What `kubelab top pods|nodes` prints, as kubectl's top printer does (pkg/cmd/top, metricsutil
// TopCmdPrinter): CPU in whole millicores rounded up (Quantity.MilliValue), memory in whole Mi rounded down
// (Value / 2^20), percentages of the node's allocatable, columns aligned by tabwriter with padding 3 and a
// trailing tab. Pure.
import { parseQuantity } from '@kubelab/api';
import { tabwrite } from '../printers/tabwriter';

export interface Usage {
  cpu?: string;
  memory?: string;
}

export interface PodMetrics {
  metadata: { name: string; namespace?: string };
  containers: Array<{ name: string; usage: Usage }>;
}

export interface NodeMetrics {
  metadata: { name: string };
  usage: Usage;
}

function milli(q: string | undefined): number {
  return Math.ceil((parseQuantity(q) ?? 0) * 1000 - 1e-9);
}

function bytes(q: string | undefined): number {
  return Math.ceil(parseQuantity(q) ?? 0);
}

export function cpuCell(q: string | undefined): string {
  return `${milli(q)}m`;
}

export function memoryCell(q: string | undefined): string {
  return `${Math.floor(bytes(q) / 2 ** 20)}Mi`;
}

function rows(lines: string[][]): string {
  return tabwrite(lines.map((cells) => `${cells.join('\t')}\t`).join('\n'), { padding: 3 });
}

function podTotal(p: PodMetrics): { cpu: number; memory: number } {
  return p.containers.reduce(
    (t, c) => ({ cpu: t.cpu + (parseQuantity(c.usage.cpu) ?? 0), memory: t.memory + (parseQuantity(c.usage.memory) ?? 0) }),
    { cpu: 0, memory: 0 },
  );
}

export function formatTopPods(items: PodMetrics[], opts: { allNamespaces?: boolean; containers?: boolean } = {}): string {
  const ns = opts.allNamespaces ? ['NAMESPACE'] : [];
  const head = [...ns, ...(opts.containers ? ['POD', 'NAME'] : ['NAME']), 'CPU(cores)', 'MEMORY(bytes)'];
  const body: string[][] = [];
  for (const p of items) {
    const nsCell = opts.allNamespaces ? [p.metadata.namespace ?? ''] : [];
    if (opts.containers) {
      for (const c of p.containers) body.push([...nsCell, p.metadata.name, c.name, cpuCell(c.usage.cpu), memoryCell(c.usage.memory)]);
    } else {
      const t = podTotal(p);
      body.push([...nsCell, p.metadata.name, cpuCell(String(t.cpu)), memoryCell(String(t.memory))]);
    }
  }
  return rows([head, ...body]);
}

export interface NodeCapacity {
  name: string;
  allocatable?: Usage;
}

export function formatTopNodes(items: NodeMetrics[], nodes: NodeCapacity[]): string {
  const byName = new Map(items.map((m) => [m.metadata.name, m]));
  const body: string[][] = [];
  const listed: NodeCapacity[] = nodes.length ? nodes : items.map((m) => ({ name: m.metadata.name }));
  for (const n of listed) {
    const m = byName.get(n.name);
    if (!m) {
      // kubectl prints nodes without metrics last, with <unknown> cells.
      continue;
    }
    const cpuAlloc = milli(n.allocatable?.cpu);
    const memAlloc = bytes(n.allocatable?.memory);
    const pct = (used: number, of: number): string => (of > 0 ? `${Math.floor((used * 100) / of)}%` : '<unknown>');
    body.push([
      n.name,
      cpuCell(m.usage.cpu),
      pct(milli(m.usage.cpu), cpuAlloc),
      memoryCell(m.usage.memory),
      pct(bytes(m.usage.memory), memAlloc),
    ]);
  }
  for (const n of listed) if (!byName.has(n.name)) body.push([n.name, '<unknown>', '<unknown>', '<unknown>', '<unknown>']);
  return rows([['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)'], ...body]);
}
