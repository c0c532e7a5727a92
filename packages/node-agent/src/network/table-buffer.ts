// One iptables-restore table being written: chain declarations first, then rules, each rule remembering the
// object it was made for (the rule -> object index a packet trace and `node iptables` read). Pure.
import type { RuleSource } from './model';

export type TableName = 'nat' | 'filter';

export interface IndexedRule {
  chain: string;
  /** The rule as written after "-A CHAIN ". */
  spec: string;
  source?: RuleSource;
}

export interface RenderedTable {
  table: TableName;
  /** iptables-restore input for this table, from "*nat" to "COMMIT\n". */
  text: string;
  /** Chains this text declares (and therefore flushes under --noflush), in order. */
  chains: string[];
  rules: IndexedRule[];
}

/** `-m comment --comment X`, quoted the way kube-proxy writes it (only when it has spaces). */
export function comment(text: string): string {
  const clean = text.replace(/"/g, "'");
  return `-m comment --comment ${/\s/.test(clean) ? `"${clean}"` : clean}`;
}

export class TableBuffer {
  private readonly chainList: string[] = [];
  private readonly declared = new Set<string>();
  private readonly rules: IndexedRule[] = [];

  constructor(readonly table: TableName) {}

  chain(name: string): this {
    if (!this.declared.has(name)) {
      this.declared.add(name);
      this.chainList.push(name);
    }
    return this;
  }

  has(name: string): boolean {
    return this.declared.has(name);
  }

  rule(chain: string, spec: string, source?: RuleSource): this {
    this.rules.push(source ? { chain, spec, source } : { chain, spec });
    return this;
  }

  render(): RenderedTable {
    const lines = [`*${this.table}`];
    for (const c of this.chainList) lines.push(`:${c} - [0:0]`);
    for (const r of this.rules) lines.push(`-A ${r.chain} ${r.spec}`);
    lines.push('COMMIT', '');
    return { table: this.table, text: lines.join('\n'), chains: [...this.chainList], rules: this.rules };
  }
}
