// `kubelab node iptables NODE [--service NAME] [-n NS] [--table nat|filter]`: the rules that make Services
// work, read from the node container itself (`iptables-save -c` through Docker exec), with packet counters,
// so a learner sees that a ClusterIP is only a NAT rule in every node and which rule their packets hit.
import Docker from 'dockerode';
import type { Command } from 'commander';
import type { CliEnv } from '../command-kit';
import { CliError } from '../errors';
import { execText, nodeContainer } from '../inspect/node-docker';
import { namespaceOf } from '../resource-args';
import { formatRules, ownRules, parseIptablesSave, rulesOfService } from './node-iptables-view';

interface NodeIptablesOptions {
  service?: string;
  namespace?: string;
  table?: string;
}

export async function iptablesSave(docker: Docker, id: string, table?: string): Promise<string> {
  return execText(docker, id, ['iptables-save', '-c', ...(table ? ['-t', table] : [])]);
}

export function registerNode(program: Command, env: CliEnv, docker: () => Docker = () => new Docker()): void {
  const node = program.command('node').description("look inside a node's network");
  node
    .command('iptables')
    .description("print a node's Service rules (nat and filter tables) with packet counters")
    .argument('<node>', 'node name, as `kubelab get nodes` prints it')
    .option('--service <name>', 'only the rules of this Service')
    .option('-n, --namespace <ns>', 'namespace of --service (default "default")')
    .option('--table <table>', 'nat or filter (default: both)')
    .action(async (nodeName: string, o: NodeIptablesOptions) => {
      if (o.table && o.table !== 'nat' && o.table !== 'filter') throw new CliError(`--table must be nat or filter, not "${o.table}"`);
      const d = docker();
      const id = await nodeContainer(d, env.clusterName(), nodeName);
      const rules = parseIptablesSave(await iptablesSave(d, id, o.table));
      const picked = o.service ? rulesOfService(rules, namespaceOf(o), o.service) : ownRules(rules);
      const what = o.service ? `Service ${namespaceOf(o)}/${o.service}` : 'Services, hostPorts and pod egress';
      if (picked.length === 0) {
        env.io.err(`No rules for ${what} on node ${nodeName}${o.service ? ' (is the Service there, with a ClusterIP?)' : ''}.`);
        return;
      }
      env.io.out(`# node ${nodeName}: rules for ${what} (iptables-save -c; counters are packets and bytes that matched)`);
      env.io.out(formatRules(picked));
    });
}
