// A NetworkPolicy truth table, in the style of the upstream e2e "reachability matrix"
// (kubernetes test/e2e/network/netpol: Model, Reachability, TruthTable): three namespaces x, y, z with three
// labelled pods a, b, c each, spread over the nodes, every pod serving TCP and UDP echo on ports 9000 and
// 9001 (two echo containers; named ports serve-9000-tcp, serve-9000-udp, serve-9001-tcp, serve-9001-udp).
// A probe round runs one shell per source pod (docker exec into its sandbox, which owns the pod's network
// namespace) that probes every destination and port in parallel with nc (1 s timeouts). The whole matrix
// is compared with the expected one; differing cells are printed as grids.
import { resolveResource, type Pod } from '@kubelab/api';
import type { TestCluster } from './cluster';
import { docker, eventually, execIn } from './docker';

export const NAMESPACES = ['x', 'y', 'z'] as const;
export const POD_NAMES = ['a', 'b', 'c'] as const;
export type Protocol = 'TCP' | 'UDP';

export interface ProbeCase {
  protocol: Protocol;
  port: number;
}

export const ALL_CASES: ProbeCase[] = [
  { protocol: 'TCP', port: 9000 },
  { protocol: 'TCP', port: 9001 },
  { protocol: 'UDP', port: 9000 },
  { protocol: 'UDP', port: 9001 },
];

export interface MatrixPod {
  /** "ns/name" */
  key: string;
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ip: string;
  node: string;
  /** The pod's sandbox container: probes run in its network namespace. */
  sandbox: string;
}

/** Expected verdict of one probe. */
export type Expectation = (from: MatrixPod, to: MatrixPod, c: ProbeCase) => boolean;

const POD = resolveResource('pods')!;
const NS = resolveResource('namespaces')!;
const caseName = (c: ProbeCase): string => `${c.protocol.toLowerCase()}/${c.port}`;

function echoContainer(port: number, http: number) {
  return {
    name: `s${port}`,
    image: 'kubelab/echo:latest',
    env: [
      { name: 'PORT', value: String(http) },
      { name: 'ECHO_PORT', value: String(port) },
    ],
    ports: [
      { name: `serve-${port}-tcp`, containerPort: port, protocol: 'TCP' },
      { name: `serve-${port}-udp`, containerPort: port, protocol: 'UDP' },
    ],
  };
}

export class NetpolMatrix {
  private constructor(
    private readonly c: TestCluster,
    readonly pods: MatrixPod[],
  ) {}

  /** Creates the namespaces (labelled ns=<name>) and the nine pods, spread over `nodes`, and waits for them. */
  static async create(c: TestCluster, nodes: string[]): Promise<NetpolMatrix> {
    for (const ns of NAMESPACES)
      await c.client.create(NS, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { ns } } }).catch(() => undefined);
    let i = 0;
    for (const ns of NAMESPACES)
      for (const name of POD_NAMES) {
        const pod = {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, namespace: ns, labels: { pod: name } },
          spec: {
            nodeName: nodes[i++ % nodes.length],
            terminationGracePeriodSeconds: 1,
            containers: [echoContainer(9000, 8080), echoContainer(9001, 8081)],
          },
        };
        await c.client.create(POD, pod, ns);
      }
    const pods: MatrixPod[] = [];
    for (const ns of NAMESPACES)
      for (const name of POD_NAMES) {
        const p = await eventually(
          `pod ${ns}/${name} Ready`,
          async () => {
            const got = await c.client.get<Pod>(POD, name, ns);
            return got.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ? got : undefined;
          },
          120_000,
        );
        const [sandbox] = await docker.listContainers({
          filters: {
            label: [`kubelab.cluster=${c.name}`, `kubelab.namespace=${ns}`, `kubelab.pod=${name}`, 'kubelab.container-kind=pause'],
          },
        });
        pods.push({
          key: `${ns}/${name}`,
          namespace: ns,
          name,
          labels: p.metadata.labels ?? {},
          ip: p.status?.podIP ?? '',
          node: p.spec.nodeName ?? '',
          sandbox: sandbox.Id,
        });
      }
    return new NetpolMatrix(c, pods);
  }

  pod(key: string): MatrixPod {
    const p = this.pods.find((x) => x.key === key);
    if (!p) throw new Error(`no matrix pod ${key}`);
    return p;
  }

  /** Probes `targets` from `from` in one shell: "host port proto" -> reachable. */
  async probeFrom(from: MatrixPod, targets: { host: string; port: number; protocol: Protocol }[], timeoutS = 1): Promise<boolean[]> {
    const lines = targets.map((t, i) =>
      t.protocol === 'TCP'
        ? `(nc -z -w${timeoutS} ${t.host} ${t.port} >/dev/null 2>&1 && echo "${i} 1" || echo "${i} 0") &`
        : `(r=$(echo ping | nc -u -w${timeoutS} ${t.host} ${t.port} 2>/dev/null); [ "$r" = ping ] && echo "${i} 1" || echo "${i} 0") &`,
    );
    const res = await execIn(from.sandbox, ['sh', '-c', `${lines.join('\n')}\nwait`]);
    const ok = new Array<boolean>(targets.length).fill(false);
    for (const l of res.stdout.split('\n')) {
      const [i, v] = l.trim().split(' ');
      if (i !== undefined && v !== undefined) ok[Number(i)] = v === '1';
    }
    return ok;
  }

  /** One round: every pod to every pod on every case. observed[case][from][to]. */
  async probeAll(cases: ProbeCase[] = ALL_CASES): Promise<Map<string, boolean[][]>> {
    const targets = cases.flatMap((c) => this.pods.map((to) => ({ host: to.ip, port: c.port, protocol: c.protocol })));
    const rows = await Promise.all(this.pods.map((from) => this.probeFrom(from, targets)));
    const out = new Map<string, boolean[][]>();
    cases.forEach((c, ci) => {
      out.set(
        caseName(c),
        rows.map((row) => row.slice(ci * this.pods.length, (ci + 1) * this.pods.length)),
      );
    });
    return out;
  }

  /**
   * Probes until the matrix equals the expected one (policies take effect within about a second, so up to
   * `attempts` rounds, 1 s apart); cells expected open but closed are probed again once, with a longer
   * timeout, before they count (a loaded machine can be slow to answer). Throws the grids of the last round.
   */
  async expect(expected: Expectation, cases: ProbeCase[] = ALL_CASES, attempts = 3): Promise<void> {
    let report = '';
    for (let a = 0; a < attempts; a++) {
      const observed = await this.probeAll(cases);
      await this.recheckClosed(observed, expected, cases);
      report = this.diff(observed, expected, cases);
      if (!report) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error(`reachability differs from the expected truth table:\n${report}`);
  }

  private async recheckClosed(observed: Map<string, boolean[][]>, expected: Expectation, cases: ProbeCase[]): Promise<void> {
    const work = new Map<number, { ci: number; ti: number; c: ProbeCase }[]>();
    cases.forEach((c, ci) => {
      const grid = observed.get(caseName(c))!;
      this.pods.forEach((from, fi) =>
        this.pods.forEach((to, ti) => {
          if (!grid[fi][ti] && expected(from, to, c)) {
            if (!work.has(fi)) work.set(fi, []);
            work.get(fi)!.push({ ci, ti, c });
          }
        }),
      );
    });
    await Promise.all(
      [...work].map(async ([fi, items]) => {
        const ok = await this.probeFrom(
          this.pods[fi],
          items.map((w) => ({ host: this.pods[w.ti].ip, port: w.c.port, protocol: w.c.protocol })),
          3,
        );
        items.forEach((w, k) => {
          if (ok[k]) observed.get(caseName(w.c))![fi][w.ti] = true;
        });
      }),
    );
  }

  /** "" when equal; else, per case with differences, the expected, observed and diff grids (upstream style). */
  diff(observed: Map<string, boolean[][]>, expected: Expectation, cases: ProbeCase[]): string {
    const parts: string[] = [];
    for (const c of cases) {
      const obs = observed.get(caseName(c))!;
      const exp = this.pods.map((from) => this.pods.map((to) => expected(from, to, c)));
      const wrong = exp.reduce((n, row, i) => n + row.filter((v, j) => v !== obs[i][j]).length, 0);
      if (wrong === 0) continue;
      parts.push(
        `${caseName(c)}: ${wrong} wrong cell(s) ('.' = connected, 'X' = blocked; in the diff 'X' marks a wrong cell)`,
        this.grid('expected', (i, j) => (exp[i][j] ? '.' : 'X')),
        this.grid('observed', (i, j) => (obs[i][j] ? '.' : 'X')),
        this.grid('diff', (i, j) => (exp[i][j] === obs[i][j] ? '.' : 'X')),
      );
    }
    return parts.join('\n');
  }

  private grid(title: string, cell: (from: number, to: number) => string): string {
    const w = Math.max(...this.pods.map((p) => p.key.length));
    const head = `${title.padEnd(w)} | ${this.pods.map((p) => p.key.padEnd(w)).join(' ')}`;
    const rows = this.pods.map((from, i) => `${from.key.padEnd(w)} | ${this.pods.map((_, j) => cell(i, j).padEnd(w)).join(' ')}`);
    return [head, '-'.repeat(head.length), ...rows, ''].join('\n');
  }

  /** Deletes every NetworkPolicy in the matrix namespaces (between cases). */
  async clearPolicies(): Promise<void> {
    const r = resolveResource('networkpolicies')!;
    for (const ns of NAMESPACES) {
      const list = await this.c.client.list(r, ns);
      for (const p of list.items) await this.c.client.delete(r, p.metadata.name!, ns);
    }
  }
}

/** Helpers for writing expectations. */
export const allow: Expectation = () => true;
export const nsOf = (p: MatrixPod): string => p.namespace;
