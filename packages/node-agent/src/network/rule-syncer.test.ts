import { describe, expect, it } from 'vitest';
import { ep, input, slice, svc } from './fixtures.test-util';
import { JUMPS, renderTables, type JumpRule } from './iptables';
import { buildNetworkModel } from './model';
import { RuleSyncer, type IptablesHost } from './rule-syncer';
import type { TableName } from './table-buffer';

class FakeHost implements IptablesHost {
  restores: string[] = [];
  jumps = new Set<string>();
  chains: Record<TableName, string[]> = { nat: ['PREROUTING', 'KUBE-SEP-LEFTOVERLEFTOVER'], filter: ['INPUT'] };
  fail = false;

  async listChains(table: TableName): Promise<string[]> {
    return this.chains[table];
  }
  async restore(text: string): Promise<void> {
    if (this.fail) throw new Error('iptables-restore: line 3 failed');
    this.restores.push(text);
  }
  async ensureJump(j: JumpRule): Promise<boolean> {
    const key = `${j.table} ${j.chain} ${j.spec.join(' ')}`;
    if (this.jumps.has(key)) return false;
    this.jumps.add(key);
    return true;
  }
}

const http = [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' as const }];
const tables = (...ips: string[]) =>
  renderTables(
    buildNetworkModel(
      input({
        services: [svc('web', { ports: http })],
        slices: [
          slice(
            'web',
            [{ name: 'http', port: 8080, protocol: 'TCP' }],
            ips.map((ip) => ep(ip)),
          ),
        ],
      }),
    ),
  );

describe('RuleSyncer', () => {
  it('restores everything once, deleting leftovers and ensuring the jumps, then nothing while unchanged', async () => {
    const host = new FakeHost();
    const rules = new RuleSyncer(host);
    expect(await rules.sync(tables('10.244.1.5@kt-worker'))).toEqual(['filter', 'nat']);
    expect(host.restores).toHaveLength(1);
    expect(host.restores[0]).toContain('*filter');
    expect(host.restores[0]).toContain('-X KUBE-SEP-LEFTOVERLEFTOVER');
    expect(host.jumps.size).toBe(JUMPS.length);
    expect(await rules.sync(tables('10.244.1.5@kt-worker'))).toEqual([]);
    expect(host.restores).toHaveLength(1);
  });

  it('restores only the changed chains of the changed table', async () => {
    const host = new FakeHost();
    const rules = new RuleSyncer(host);
    await rules.sync(tables('10.244.1.5@kt-worker'));
    expect(await rules.sync(tables('10.244.1.5@kt-worker', '10.244.2.7@kt-worker2'))).toEqual(['nat']);
    const partial = host.restores[1];
    expect(partial.startsWith('*nat\n:KUBE-SVC-')).toBe(true);
    expect(partial).not.toContain('-A KUBE-SERVICES');
    expect(partial).toContain('--to-destination 10.244.2.7:8080');
  });

  it('goes back to a full sync after a failed restore', async () => {
    const host = new FakeHost();
    const rules = new RuleSyncer(host);
    await rules.sync(tables('10.244.1.5@kt-worker'));
    host.fail = true;
    await expect(rules.sync(tables('10.244.2.7@kt-worker2'))).rejects.toThrow('line 3');
    host.fail = false;
    await rules.sync(tables('10.244.2.7@kt-worker2'));
    expect(host.restores[1]).toContain('*filter');
    expect(host.restores[1]).toContain('-A KUBE-SERVICES');
  });

  it('rewrites everything when a jump went missing', async () => {
    const host = new FakeHost();
    const rules = new RuleSyncer(host);
    await rules.sync(tables('10.244.1.5@kt-worker'));
    await rules.checkJumps();
    expect(await rules.sync(tables('10.244.1.5@kt-worker'))).toEqual([]);
    host.jumps.clear();
    await rules.checkJumps();
    expect(await rules.sync(tables('10.244.1.5@kt-worker'))).toEqual(['filter', 'nat']);
  });
});
