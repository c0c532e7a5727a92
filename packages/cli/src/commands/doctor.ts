// `kubelab doctor`: checks the cluster the way a learner debugging a Service would, each finding on a ✓/✗/!
// line with what to read next; exits 1 when anything failed. API objects through the API; policy enforcement
// and DNS through each node container (iptables-save, and a real query with dig from the node).
import type { Command } from 'commander';
import Docker from 'dockerode';
import { type Pod, resolveResource, type Service } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { withClient, type CliEnv } from '../command-kit';
import {
  dnsFinding,
  enforcementFindings,
  type Finding,
  formatFindings,
  type PolicyLike,
  policyFindings,
  serviceFindings,
} from '../doctor/checks';
import { AlreadyReported } from '../command-kit';
import { execIn, nodeContainer } from '../inspect/node-docker';

const DNS_IP = '10.96.0.10';

async function policies(client: KubeClient): Promise<PolicyLike[] | undefined> {
  try {
    return (await client.raw<{ items: PolicyLike[] }>('GET', '/apis/networking.k8s.io/v1/networkpolicies')).object.items ?? [];
  } catch {
    return undefined; // not served by this API server
  }
}

export function registerDoctor(program: Command, env: CliEnv, docker: () => Docker = () => new Docker()): void {
  program
    .command('doctor')
    .description('check Services, NetworkPolicies, policy enforcement and DNS; exit 1 when something is wrong')
    .option('-n, --namespace <ns>', 'only Services and policies of this namespace')
    .action(async (o: { namespace?: string }) => {
      const d = docker();
      const findings = await withClient(env, async (client) => {
        const pods = (await client.list<Pod>(resolveResource('pods')!, undefined)).items;
        const services = (await client.list<Service>(resolveResource('services')!, o.namespace)).items.filter(
          (s) => !(s.metadata.namespace === 'default' && s.metadata.name === 'kubernetes'),
        );
        const nps = await policies(client);
        const nodes = (await client.list(resolveResource('nodes')!, undefined)).items.map((n) => n.metadata.name!);
        const out: Finding[] = [];
        const saves = await Promise.all(
          nodes.map(async (node) => {
            const id = await nodeContainer(d, env.clusterName(), node);
            const filter = (await execIn(d, id, ['iptables-save', '-t', 'filter'])).out;
            return { node, id, filter };
          }),
        );
        const scoped = (nps ?? []).filter((p) => !o.namespace || p.metadata.namespace === o.namespace);
        out.push(...enforcementFindings(saves, nps?.length ?? 0));
        out.push(...policyFindings(scoped, pods));
        out.push(...serviceFindings(services, pods));
        const name = 'kubernetes.default.svc.cluster.local';
        const expected = (await client.get<Service>(resolveResource('services')!, 'kubernetes', 'default')).spec.clusterIP ?? '10.96.0.1';
        for (const s of saves) {
          const r = await execIn(d, s.id, ['dig', '+noall', '+answer', '+stats', '+time=2', '+tries=2', `@${DNS_IP}`, name, 'A']);
          out.push(dnsFinding(s.node, name, expected, r.out));
        }
        return out;
      });
      env.io.out(formatFindings(findings));
      const failed = findings.filter((f) => f.verdict === 'fail').length;
      env.io.out(failed ? `\n${failed} ${failed === 1 ? 'problem' : 'problems'} found.` : '\nNo problems found.');
      if (failed) throw new AlreadyReported(1);
    });
}
