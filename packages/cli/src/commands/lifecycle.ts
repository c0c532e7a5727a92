// The cluster's lifecycle (cluster up|down|list, images build, get kubeconfig) and `version`.
import { type Command, InvalidArgumentError } from 'commander';
import type { CliEnv } from '../command-kit';
import { connect } from '../context';
import { describeError } from '../errors';
import { clientVersionString } from '../version';
import * as cluster from './cluster';

const print = (line: string): void => void process.stdout.write(`${line}\n`);

function int(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    return n;
  };
}

export function registerCluster(program: Command, env: CliEnv): void {
  const clusterCmd = program.command('cluster').description('create, delete and list clusters');
  clusterCmd
    .command('up')
    .description('create a cluster; a running one is reported as already up, a stopped or crashed one is repaired')
    .option('--name <name>', 'cluster name (default: --cluster, KUBELAB_CLUSTER or "kubelab")')
    .option('--workers <n>', 'worker nodes besides the control plane', int(0, 10), 2)
    .option('--node-subnet <cidr>', 'node network subnet (default: first free of 172.30.N.0/24)')
    .option('--pod-subnet <cidr>', 'cluster pod CIDR, one /24 per node (default: first free of 10.244+N.0.0/16)')
    .option('--api-port <port>', 'host port for the API server on 127.0.0.1 (default: a free port)', int(1, 65535))
    .option('--max-pods <n>', "the kubelet's max-pods on every node: pods a node takes (default 110, or KUBELAB_MAX_PODS)", int(1, 100000))
    .option('--recreate', 'delete an existing cluster of that name first, with its state volume (every object in its API)')
    .option(
      '--dns-upstream <ip[:port]>',
      'resolver the cluster DNS forwards names outside cluster.local to (default: none, they are REFUSED)',
    )
    .option('--no-ingress', 'do not deploy the ingress controller (and publish no ingress ports)')
    .option(
      '--ingress-http-port <port>',
      'host port on 127.0.0.1 for the ingress on HTTP (default 8080, or a free port when taken)',
      int(1, 65535),
    )
    .option(
      '--ingress-https-port <port>',
      'host port on 127.0.0.1 for the ingress on HTTPS (default 8443, or a free port when taken)',
      int(1, 65535),
    )
    .option('--kubeconfig <path>', 'kubeconfig to merge the kubelab-NAME context into (default: first of $KUBECONFIG, else ~/.kube/config)')
    .option('--no-kubeconfig', 'do not touch any kubeconfig')
    .option(
      '--allow-privileged',
      "allow privileged containers, host namespaces, every capability and host paths (kube-apiserver's flag; such pods can take over this machine)",
    )
    .action(
      async (o: {
        name?: string;
        workers: number;
        nodeSubnet?: string;
        podSubnet?: string;
        apiPort?: number;
        maxPods?: number;
        recreate?: boolean;
        allowPrivileged?: boolean;
        dnsUpstream?: string;
        ingress?: boolean;
        ingressHttpPort?: number;
        ingressHttpsPort?: number;
        kubeconfig?: string | false;
      }) => {
        await cluster.up({ ...o, name: o.name ?? env.clusterName() }, print);
      },
    );
  clusterCmd
    .command('down')
    .description('delete a cluster: every container, network and volume labelled with its name')
    .option('--name <name>', 'cluster name')
    .option(
      '--kubeconfig <path>',
      'kubeconfig to remove the kubelab-NAME context from (default: first of $KUBECONFIG, else ~/.kube/config)',
    )
    .option('--no-kubeconfig', 'do not touch any kubeconfig')
    .action(async (o: { name?: string; kubeconfig?: string | false }) => cluster.down(o.name ?? env.clusterName(), print, o.kubeconfig));
  clusterCmd
    .command('list')
    .description('list clusters')
    .action(async () => print(await cluster.list()));

  program
    .command('images')
    .description('build kubelab images (needed before `docker compose up`)')
    .command('build')
    .description('build the base, node, echo and toolbox images when missing or out of date')
    .action(async () => {
      await cluster.buildImages(print);
    });

  // `kubelab get kubeconfig` (kind's spelling) is not a resource type: argv is routed to this command instead.
  program
    .command('get-kubeconfig', { hidden: true })
    .description('print the kubeconfig of a cluster (kubelab get kubeconfig --name NAME)')
    .option('--name <name>', 'cluster name (default: --cluster, KUBELAB_CLUSTER or "kubelab")')
    .option('--internal', "the API server's address inside the cluster's node network instead of the host's")
    .action(async (o: { name?: string; internal?: boolean }) => {
      process.stdout.write(await cluster.getKubeconfig(o.name ?? env.clusterName(), !!o.internal));
    });
}

export function registerVersion(program: Command, env: CliEnv): void {
  program
    .command('version')
    .description('print the client and server versions')
    .option('-o, --output <format>', 'json or yaml')
    .action(async (o: { output?: string }) => {
      const clientVersion = { gitVersion: clientVersionString, platform: `${process.platform}/${process.arch}` };
      let server: Record<string, string> | undefined;
      let problem: string | undefined;
      try {
        const { client } = await connect(env.clusterName());
        server = (await client.raw<Record<string, string>>('GET', '/version')).object;
        await client.close();
      } catch (err) {
        problem = describeError(err);
      }
      if (o.output === 'json') print(JSON.stringify({ clientVersion, serverVersion: server }, null, 2));
      else {
        print(`Client Version: ${clientVersionString}`);
        if (server) print(`Server Version: ${server.gitVersion}`);
        else if (problem) process.stderr.write(`${problem}\n`);
      }
    });
}
