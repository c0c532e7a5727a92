// `kubelab service NAME [--url]`, like `minikube service --url` on a Docker driver: a host URL per TCP service
// port that works on every OS, because each connection rides the API server's pods/portforward (the one
// published port) to a ready pod behind the Service. The pod is chosen per connection from the Service's
// ready endpoints, so the URL keeps working while pods come and go, for as long as the command runs.
import net from 'node:net';
import type { Command } from 'commander';
import { resolveResource, type EndpointSlice, type Pod, type Service, type ServicePort } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { withClient, type CliEnv } from '../command-kit';
import { CliError } from '../errors';
import { namespaceOf } from '../resource-args';
import { ApiStreams } from '../streams/api-streams';
import { servicePortToPod } from './port-forward-args';

/** The ready pods behind a Service, from its EndpointSlices (what the service proxy would spread over). */
export function readyPodNames(slices: EndpointSlice[]): string[] {
  const names = new Set<string>();
  for (const s of slices)
    for (const e of s.endpoints ?? [])
      if (e.conditions?.ready !== false && e.targetRef?.kind === 'Pod' && e.targetRef.name) names.add(e.targetRef.name);
  return [...names].sort();
}

/** The ports `service --url` serves: TCP ones (a URL means a stream), in the Service's order. */
export function urlPorts(svc: Service): ServicePort[] {
  if (svc.spec.type === 'ExternalName') throw new CliError(`service ${svc.metadata.name} is of type ExternalName: it has no pods to reach`);
  if (!svc.spec.selector || Object.keys(svc.spec.selector).length === 0)
    throw new CliError(`service ${svc.metadata.name} has no selector: kubelab cannot pick its pods`);
  const ports = (svc.spec.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP');
  if (ports.length === 0) throw new CliError(`service ${svc.metadata.name} has no TCP port`);
  return ports;
}

async function pickBackend(client: KubeClient, svc: Service, namespace: string, port: number): Promise<{ pod: string; remote: number }> {
  const slices = (
    await client.list<EndpointSlice>(resolveResource('endpointslices.discovery.k8s.io')!, namespace, {
      labelSelector: `kubernetes.io/service-name=${svc.metadata.name}`,
    })
  ).items as EndpointSlice[];
  const ready = readyPodNames(slices);
  if (ready.length === 0) throw new Error(`service ${namespace}/${svc.metadata.name} has no ready endpoints`);
  const name = ready[Math.floor(Math.random() * ready.length)];
  const pod = await client.get<Pod>(resolveResource('pods')!, name, namespace);
  return { pod: name, remote: servicePortToPod(svc, pod, port) };
}

function listen(onConnection: (s: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer(onConnection);
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve(server));
  });
}

export function registerService(program: Command, env: CliEnv): void {
  program
    .command('service')
    .description('reach a Service from this machine: a local URL per TCP port, kept open until interrupted (like minikube service)')
    .argument('<name>', 'the Service')
    .option('--url', 'print only the URLs, one per line')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .action(async (name: string, o: { url?: boolean; namespace?: string }) => {
      const namespace = namespaceOf(o);
      await withClient(env, async (client) => {
        const svc = await client.get<Service>(resolveResource('services')!, name, namespace);
        const ports = urlPorts(svc);
        const api = new ApiStreams(client);
        const servers: net.Server[] = [];
        for (const sp of ports) {
          const server = await listen((socket) => {
            socket.on('error', () => undefined);
            pickBackend(client, svc, namespace, sp.port)
              .then(({ pod, remote }) =>
                api.forward(namespace, pod, remote, (message) => env.io.err(`error forwarding to ${pod}:${remote}: ${message}`)),
              )
              .then(
                (remote) => {
                  socket.pipe(remote).pipe(socket);
                  socket.on('close', () => remote.destroy());
                  remote.on('close', () => socket.destroy());
                },
                (err: Error) => {
                  env.io.err(`error: ${err.message}`);
                  socket.destroy();
                },
              );
          });
          servers.push(server);
          const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
          env.io.out(o.url ? url : `${namespace}/${name} port ${sp.name || sp.port}: ${url}`);
        }
        if (!o.url) env.io.err('Press Ctrl-C to stop.');
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        for (const s of servers) s.close();
      });
    });
}
