// `kubelab expose pod|deployment|replicaset|service NAME --port --target-port --type --name --protocol
// --selector`, as kubectl expose: the Service's selector and ports come from the object unless given, and
// the answer is `service/NAME exposed`.
import type { Command } from 'commander';
import { resolveResource } from '@kubelab/api';
import { printWarnings, withClient, type CliEnv } from '../command-kit';
import { CliError } from '../errors';
import { formatObjects, parseOutputFormat } from '../printers/output';
import { namespaceOf, parseResourceArgs } from '../resource-args';
import { buildExposedService, type ExposeFlags } from './expose-builder';

interface ExposeOptions extends ExposeFlags {
  namespace?: string;
  dryRun?: string | boolean;
  output?: string;
}

export function registerExpose(program: Command, env: CliEnv): void {
  program
    .command('expose')
    .description('take a pod, deployment, replica set or service and expose it as a new Kubernetes service')
    .argument('<resource...>', 'TYPE NAME or TYPE/NAME')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .option('--port <port>', 'the port that the service should serve on (default: the ports of the exposed object)')
    .option('--target-port <port>', 'name or number of the port on the container that the service should direct traffic to')
    .option('--type <type>', 'type of the service: ClusterIP, NodePort, LoadBalancer or ExternalName (default "ClusterIP")')
    .option('--name <name>', 'the name of the new service (default: the name of the exposed object)')
    .option('--protocol <protocol>', 'the network protocol of the service: TCP, UDP or SCTP')
    .option('--selector <selector>', 'a label selector for the service (default: the selector of the exposed object)')
    .option('-l, --labels <labels>', 'labels of the service (default: the labels of the exposed object)')
    .option('--external-ip <ip>', 'an external IP address the service also accepts traffic on')
    .option('--cluster-ip <ip>', 'the ClusterIP to ask for; "None" makes a headless service')
    .option('--session-affinity <affinity>', 'None or ClientIP')
    .option('--load-balancer-ip <ip>', 'the IP to ask for when --type=LoadBalancer')
    .option('--dry-run [strategy]', 'only "client": print the service that would be created')
    .option('-o, --output <format>', 'print the service (yaml, json, name) instead of the "exposed" line')
    .action(async (args: string[], o: ExposeOptions) => {
      const [req, ...more] = parseResourceArgs(args);
      if (more.length || req.names.length !== 1)
        throw new CliError(
          "You must provide one resource by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--resource=rsrc.json'",
        );
      const ns = namespaceOf(o);
      const dryRun = o.dryRun === true || o.dryRun === 'client';
      if (o.dryRun && !dryRun && o.dryRun !== 'none')
        throw new CliError(`--dry-run=${o.dryRun} is not supported by kubelab (only "client")`);
      const format = o.output ? parseOutputFormat(o.output) : undefined;
      await withClient(env, async (client) => {
        const obj = await client.get(req.resource, req.names[0], ns);
        let svc = buildExposedService(obj, o);
        if (!dryRun) {
          const services = resolveResource('services')!;
          const res = await client.create(services, svc, ns);
          printWarnings(env.io, res.warnings);
          svc = res.object as typeof svc;
        }
        if (format && format !== 'table' && format !== 'wide')
          env.io.out(formatObjects([svc], 'Service', format, { single: true, output: o.output }));
        else env.io.out(`service/${svc.metadata.name} exposed${dryRun ? ' (dry run)' : ''}`);
      });
    });
}
