// `kubelab port-forward pod/NAME|svc/NAME|deployment/NAME [LOCAL:]REMOTE...` with kubectl's syntax and output:
// local listeners on 127.0.0.1 and [::1] (--address), each accepted connection carried to the pod over the
// API server's pods/portforward, so host access works on every OS through the one published API port.
import net from 'node:net';
import type { Command } from 'commander';
import { resolveResource, type Pod, type Service } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { withClient, type CliEnv } from '../command-kit';
import { CliError } from '../errors';
import { namespaceOf } from '../resource-args';
import { ApiStreams } from '../streams/api-streams';
import { pickPod, resolvePod } from './pod-ref';
import { parsePortPairs, servicePortToPod, type PortPair } from './port-forward-args';

interface ForwardOptions {
  namespace?: string;
  address: string;
}

/** The pod behind TYPE/NAME, and the remote ports translated for a Service. */
async function target(
  client: KubeClient,
  ref: string,
  namespace: string,
  pairs: PortPair[],
  env: CliEnv,
): Promise<{ pod: Pod; pairs: PortPair[] }> {
  const slash = ref.indexOf('/');
  const type = slash >= 0 ? ref.slice(0, slash).toLowerCase() : 'pod';
  if (!['svc', 'service', 'services'].includes(type)) return { pod: await resolvePod(client, ref, namespace, env.io), pairs };
  const svc = await client.get<Service>(resolveResource('services')!, ref.slice(slash + 1), namespace);
  const selector = Object.entries(svc.spec.selector ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  if (!selector)
    throw new CliError(`cannot attach to *v1.Service: invalid service '${svc.metadata.name}': Service is defined without a selector`);
  const pods = (await client.list<Pod>(resolveResource('pods')!, namespace, { labelSelector: selector })).items;
  const pod = pickPod(pods);
  if (!pod) throw new CliError(`timed out waiting for the condition`);
  return { pod, pairs: pairs.map((p) => ({ local: p.local || 0, remote: servicePortToPod(svc, pod, p.remote) })) };
}

function hostsOf(address: string): string[] {
  return address.split(',').flatMap((a) => (a.trim() === 'localhost' ? ['127.0.0.1', '::1'] : [a.trim()]));
}

function listen(host: string, port: number, onConnection: (s: net.Socket) => void): Promise<net.Server | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer(onConnection);
    server.once('error', () => resolve(undefined));
    server.listen({ host, port }, () => resolve(server));
  });
}

export function registerPortForward(program: Command, env: CliEnv): void {
  program
    .command('port-forward')
    .description('forward one or more local ports to a pod (pod/NAME, svc/NAME or deployment/NAME)')
    .argument('<target>', 'POD, TYPE/NAME')
    .argument('<ports...>', '[LOCAL_PORT:]REMOTE_PORT')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .option('--address <addresses>', 'addresses to listen on (comma separated); localhost is 127.0.0.1 and ::1', 'localhost')
    .action(async (ref: string, specs: string[], o: ForwardOptions) => {
      const namespace = namespaceOf(o);
      const requested = parsePortPairs(specs);
      await withClient(env, async (client) => {
        const { pod, pairs } = await target(client, ref, namespace, requested, env);
        if (pod.status?.phase !== 'Running') {
          throw new CliError(`unable to forward port because pod is not running. Current status=${pod.status?.phase ?? 'Pending'}`);
        }
        const api = new ApiStreams(client);
        const servers: net.Server[] = [];
        for (const pair of pairs) {
          let local = pair.local;
          for (const host of hostsOf(o.address)) {
            const server = await listen(host, local, (socket) => {
              env.io.out(`Handling connection for ${local}`);
              socket.on('error', () => undefined);
              api
                .forward(namespace, pod.metadata.name!, pair.remote, (message) =>
                  env.io.err(
                    `E${new Date().toISOString()} portforward: an error occurred forwarding ${local} -> ${pair.remote}: ${message}`,
                  ),
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
            if (!server) continue;
            local = (server.address() as net.AddressInfo).port;
            servers.push(server);
            env.io.out(`Forwarding from ${host.includes(':') ? `[${host}]` : host}:${local} -> ${pair.remote}`);
          }
        }
        if (servers.length === 0) throw new CliError(`unable to listen on any of the requested ports: ${JSON.stringify(pairs)}`);
        // Until interrupted, as kubectl.
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        for (const s of servers) s.close();
      });
    });
}
