// What `kubelab node iptables` prints, from `iptables-save -c` of a node container. Pure. With a Service,
// only the rules that Service made: those whose comment names "ns/svc" (kube-proxy comments every rule
// with the service port name), plus every rule of the chains they jump to (KUBE-EXT -> KUBE-SVC has none).

export interface SavedRule {
  table: string;
  chain: string;
  packets: number;
  bytes: number;
  /** The rule as iptables-save writes it after "-A CHAIN ". */
  spec: string;
}

export function parseIptablesSave(text: string): SavedRule[] {
  const rules: SavedRule[] = [];
  let table = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim();
    const m = line.match(/^(?:\[(\d+):(\d+)\] )?-A (\S+) (.*)$/);
    if (m) rules.push({ table, chain: m[3], packets: Number(m[1] ?? 0), bytes: Number(m[2] ?? 0), spec: m[4] });
  }
  return rules;
}

function commentOf(spec: string): string | undefined {
  const m = spec.match(/--comment (?:"((?:[^"\\]|\\.)*)"|(\S+))/);
  return m ? (m[1] ?? m[2]) : undefined;
}

function jumpTarget(spec: string): string | undefined {
  return spec.match(/(?:^| )-j (\S+)/)?.[1];
}

/** Does this comment name the Service: "ns/svc", "ns/svc:port ...", "... for ns/svc:port ..." */
function namesService(comment: string, svc: string): boolean {
  return comment.split(/\s+/).some((word) => word === svc || word.startsWith(`${svc}:`));
}

/** Rules made for `namespace/name`, and the rules of every chain they lead to. */
export function rulesOfService(rules: SavedRule[], namespace: string, name: string): SavedRule[] {
  const svc = `${namespace}/${name}`;
  const picked = new Set<SavedRule>();
  const chains = new Set<string>();
  for (const r of rules) {
    const c = commentOf(r.spec);
    if (c && namesService(c, svc)) picked.add(r);
  }
  // Close over jumps: a chain reached from a picked rule belongs to the Service (KUBE-SVC, KUBE-SEP, ...).
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of picked) {
      const t = jumpTarget(r.spec);
      if (t?.startsWith('KUBE-') && /^KUBE-(SVC|SVL|EXT|FW|SEP)-/.test(t) && !chains.has(t)) {
        chains.add(t);
        grew = true;
      }
    }
    for (const r of rules)
      if (chains.has(r.chain) && !picked.has(r)) {
        picked.add(r);
        grew = true;
      }
  }
  return rules.filter((r) => picked.has(r));
}

/** kubelab's and kube-proxy's rules, with the jumps into them from the built-in chains. */
export function ownRules(rules: SavedRule[]): SavedRule[] {
  const own = (chain?: string) => !!chain && /^(KUBE|KUBELAB)-/.test(chain);
  return rules.filter((r) => own(r.chain) || own(jumpTarget(r.spec)));
}

function human(bytes: number): string {
  if (bytes < 1024) return `${bytes}`;
  const units = ['K', 'M', 'G', 'T'];
  let v = bytes;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)}${units[u]}`;
}

// The order a packet meets the chains, so the printout reads from the top like the packet's path.
const FLOW = [
  /^PREROUTING$/,
  /^INPUT$/,
  /^FORWARD$/,
  /^OUTPUT$/,
  /^POSTROUTING$/,
  /^KUBE-SERVICES$/,
  /^KUBE-EXTERNAL-SERVICES$/,
  /^KUBE-NODEPORTS$/,
  /^KUBE-(EXT|FW)-/,
  /^KUBE-SVC-/,
  /^KUBE-SVL-/,
  /^KUBE-SEP-/,
  /^KUBELAB-HOSTPORTS$/,
  /^KUBE-MARK-MASQ$/,
  /^KUBE-POSTROUTING$/,
  /^KUBELAB-POSTROUTING$/,
];

function flowRank(chain: string): number {
  const i = FLOW.findIndex((re) => re.test(chain));
  return i < 0 ? FLOW.length : i;
}

/**
 * Per table, per chain in the order a packet meets them: one line per rule, its packet and byte
 * counters first (like `iptables -L -v`), then the rule as iptables-save writes it.
 */
export function formatRules(rules: SavedRule[]): string {
  const out: string[] = [];
  const tables = [...new Set(rules.map((r) => r.table))];
  for (const table of tables) {
    out.push(`*${table}`);
    const inTable = rules
      .map((r, i) => ({ r, i }))
      .filter(({ r }) => r.table === table)
      .sort((a, b) => flowRank(a.r.chain) - flowRank(b.r.chain) || a.i - b.i)
      .map(({ r }) => r);
    const width = Math.max(4, ...inTable.map((r) => String(r.packets).length));
    const bwidth = Math.max(5, ...inTable.map((r) => human(r.bytes).length));
    out.push(`${'PKTS'.padStart(width)} ${'BYTES'.padStart(bwidth)}  RULE`);
    let last = '';
    for (const r of inTable) {
      if (r.chain !== last) {
        if (last) out.push('');
        last = r.chain;
      }
      out.push(`${String(r.packets).padStart(width)} ${human(r.bytes).padStart(bwidth)}  -A ${r.chain} ${r.spec}`);
    }
    out.push('');
  }
  return out.join('\n');
}
