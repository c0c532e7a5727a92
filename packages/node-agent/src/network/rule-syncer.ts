// Applying rendered tables, the kube-proxy way: the first sync (and one after any failure, a missing jump,
// or every so often) restores every table whole, deleting stale per-service chains it finds; the others
// restore only the chains that changed since the last successful apply (restoreInput), or nothing at all.
// Every changed table goes in one `iptables-restore --noflush` call. The host is an interface, so the state
// machine is tested with a fake (rule-syncer.test.ts).
import { chainContents, JUMPS, restoreInput, type ChainContents, type JumpRule, type RenderedTables } from './iptables';
import type { TableName } from './table-buffer';

export interface IptablesHost {
  /** Chains the table has now. */
  listChains(table: TableName): Promise<string[]>;
  /** One `iptables-restore --noflush` with this input. */
  restore(text: string): Promise<void>;
  /** Inserts the jump unless present; true when it was missing. */
  ensureJump(j: JumpRule): Promise<boolean>;
}

export class RuleSyncer {
  private readonly applied = new Map<TableName, ChainContents>();
  private full = true;

  constructor(private readonly host: IptablesHost) {}

  /** The next sync rewrites every table whole. */
  requireFullSync(): void {
    this.full = true;
  }

  /** A jump that went missing (someone flushed a built-in chain) makes everything suspect: full sync. */
  async checkJumps(): Promise<void> {
    if (this.full) return;
    for (const j of JUMPS) if (await this.host.ensureJump(j)) this.full = true;
  }

  /** Applies `tables`; returns the tables restored. On failure the next sync is a full one. */
  async sync(tables: RenderedTables): Promise<TableName[]> {
    const full = this.full;
    if (full) this.applied.clear();
    // Until this sync succeeds, nothing is known about what the kernel holds.
    this.full = true;
    const inputs: { table: TableName; text: string }[] = [];
    for (const t of [tables.filter, tables.nat]) {
      const previous = this.applied.get(t.table);
      const text = restoreInput(t, previous, previous ? [] : await this.host.listChains(t.table));
      if (text) inputs.push({ table: t.table, text });
    }
    if (inputs.length) await this.host.restore(inputs.map((i) => i.text).join(''));
    // After the restore: the chains the jumps point at exist now. Reverse, as each goes in at position 1.
    if (full) for (const j of [...JUMPS].reverse()) await this.host.ensureJump(j);
    for (const t of [tables.filter, tables.nat]) this.applied.set(t.table, chainContents(t));
    this.full = false;
    return inputs.map((i) => i.table);
  }
}
