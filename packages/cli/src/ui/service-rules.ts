// A Service's rules with live counters for the page's Service panel: the same reading as
// `kubelab node iptables NODE --service NAME`, from every node at once.
import type Docker from 'dockerode';
import { iptablesSave } from '../commands/node';
import { formatRules, parseIptablesSave, rulesOfService } from '../commands/node-iptables-view';
import type { NodeRef } from '../flows/collect';

export interface NodeRules {
  node: string;
  /** Formatted as `node iptables` prints them: counters, chain, rule. */
  text: string;
  /** Packets through the Service's rules on this node (sum of its rule counters). */
  packets: number;
}

export async function serviceRules(docker: Docker, nodes: NodeRef[], namespace: string, name: string): Promise<NodeRules[]> {
  return Promise.all(
    nodes.map(async (n) => {
      const picked = rulesOfService(parseIptablesSave(await iptablesSave(docker, n.id)), namespace, name);
      return { node: n.name, text: picked.length ? formatRules(picked) : '(no rules)', packets: picked.reduce((a, r) => a + r.packets, 0) };
    }),
  );
}
