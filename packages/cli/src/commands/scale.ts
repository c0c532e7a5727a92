// `kubelab scale deployment/NAME --replicas=N` (also `scale deploy NAME`, replicasets) through the `scale`
// subresource (autoscaling/v1 Scale), as kubectl's scaler does: a merge patch of spec.replicas.
import type { Command } from 'commander';
import { objectPath, StatusError, type KubeObject, type ResourceInfo } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { AlreadyReported, intOption, printWarnings, withClient, type CliEnv, type Io } from '../command-kit';
import { CliError, describeError } from '../errors';
import { kindName, namespaceOf, parseResourceArgs } from '../resource-args';

interface Scale extends KubeObject {
  spec?: { replicas?: number };
  status?: { replicas?: number; selector?: string };
}

export interface ScaleOptions {
  replicas?: number;
  currentReplicas?: number;
  namespace?: string;
  selector?: string;
  all?: boolean;
}

export async function scaleOne(
  client: KubeClient,
  r: ResourceInfo,
  name: string,
  namespace: string | undefined,
  o: ScaleOptions,
  io: Io,
): Promise<void> {
  const path = `${objectPath(r, name, namespace)}/scale`;
  if (o.currentReplicas !== undefined) {
    const current = (await client.raw<Scale>('GET', path)).object;
    const replicas = current.spec?.replicas ?? 0;
    if (replicas !== o.currentReplicas) throw new CliError(`Expected replicas to be ${o.currentReplicas}, was ${replicas}`);
  }
  try {
    printWarnings(io, (await client.raw('PATCH', path, { spec: { replicas: o.replicas } }, 'application/merge-patch+json')).warnings);
  } catch (err) {
    // A server that only takes whole Scale objects: read-modify-write, as older kubectl scalers did.
    if (!(err instanceof StatusError && (err.code === 405 || err.code === 415))) throw err;
    const current = (await client.raw<Scale>('GET', path)).object;
    printWarnings(io, (await client.raw('PUT', path, { ...current, spec: { ...current.spec, replicas: o.replicas } })).warnings);
  }
  io.out(`${kindName(r)}/${name} scaled`);
}

export function registerScale(program: Command, env: CliEnv): void {
  program
    .command('scale')
    .description('set a new size for a deployment or replica set')
    .argument('<resource...>', 'TYPE NAME... or TYPE/NAME...')
    .option('--replicas <n>', 'the new desired number of replicas', intOption(0))
    .option('--current-replicas <n>', 'precondition: only scale when the current size is this', intOption(0))
    .option('-l, --selector <selector>', 'scale the objects matching this label selector')
    .option('--all', 'scale all objects of the type in the namespace')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .action(async (args: string[], o: ScaleOptions) => {
      if (o.replicas === undefined) throw new CliError('required flag(s) "replicas" not set');
      const requests = parseResourceArgs(args);
      const ns = namespaceOf(o);
      await withClient(env, async (client) => {
        let ok = true;
        let count = 0;
        for (const { resource, names } of requests) {
          let targets = names;
          if (targets.length === 0) {
            if (!o.all && !o.selector) throw new CliError('resource(s) were provided, but no name was specified');
            targets = (await client.list(resource, resource.namespaced ? ns : undefined, { labelSelector: o.selector })).items.map(
              (x) => x.metadata.name!,
            );
          }
          for (const name of targets) {
            count++;
            try {
              await scaleOne(client, resource, name, resource.namespaced ? ns : undefined, o, env.io);
            } catch (err) {
              ok = false;
              env.io.err(describeError(err));
            }
          }
        }
        if (count === 0) throw new CliError('no objects passed to scale');
        if (!ok) throw new AlreadyReported();
      });
    });
}
