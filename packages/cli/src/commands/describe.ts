// `kubelab describe TYPE [NAME_PREFIX...] | TYPE/NAME [-n NS | -A] [-l SEL]`: kubectl's describers, fed with
// the object's events (fieldSelector on involvedObject) and the related pods / replica sets they show.
import type { Command } from 'commander';
import {
  resolveResource,
  StatusError,
  type EndpointSlice,
  type Event,
  type KubeObject,
  type LabelSelector,
  type NetworkPolicy,
  type Pod,
  type ReplicaSet,
  type ResourceInfo,
  type Service,
} from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { AlreadyReported, withClient, type CliEnv } from '../command-kit';
import { describeError } from '../errors';
import { describeObject, relatedNeeds, type Related } from '../printers/describe';
import { selectorString } from '@kubelab/api';
import { namespaceOf, parseResourceArgs, resourceName } from '../resource-args';
import { parseBoolFlag } from './delete';
import { networkPolicyCounts } from './netpol';

interface DescribeOptions {
  namespace?: string;
  allNamespaces?: boolean;
  selector?: string;
  showEvents: boolean;
}

/** kubectl describe falls back to a name-prefix match when no object has exactly that name. */
async function findByName(client: KubeClient, r: ResourceInfo, name: string, ns: string | undefined): Promise<KubeObject[]> {
  try {
    return [await client.get(r, name, ns)];
  } catch (err) {
    if (!(err instanceof StatusError && err.reason === 'NotFound')) throw err;
    const matches = (await client.list(r, ns)).items.filter((o) => o.metadata.name?.startsWith(name));
    if (matches.length === 0) throw new StatusError('NotFound', `${resourceName(r)} "${name}" not found`);
    return matches;
  }
}

async function listOrEmpty<T extends KubeObject>(
  client: KubeClient,
  plural: string,
  ns: string | undefined,
  opts: { labelSelector?: string; fieldSelector?: string },
): Promise<T[] | undefined> {
  const r = resolveResource(plural);
  if (!r) return undefined; // kind not served (yet): the describer leaves the section out
  return (await client.list<T>(r, ns, opts)).items;
}

export async function gatherRelated(client: KubeClient, obj: KubeObject, showEvents: boolean): Promise<Related> {
  const needs = relatedNeeds(obj.kind);
  const ns = obj.metadata.namespace;
  const related: Related = {};
  if (needs.events && showEvents) {
    const fieldSelector = [`involvedObject.name=${obj.metadata.name}`, ...(ns ? [`involvedObject.namespace=${ns}`] : [])].join(',');
    const events = await listOrEmpty<Event>(client, 'events', ns, { fieldSelector });
    // Kind is checked here rather than in the selector: events written without it still belong to the object.
    related.events = (events ?? []).filter((e) => !e.involvedObject?.kind || e.involvedObject.kind === obj.kind);
  }
  const selector = selectorString((obj.spec as { selector?: LabelSelector } | undefined)?.selector);
  if (needs.pods === 'selector') {
    const pods = await listOrEmpty<Pod>(client, 'pods', ns, { labelSelector: selector });
    related.pods = pods?.filter((p) => p.metadata.ownerReferences?.some((o) => o.controller && o.uid === obj.metadata.uid));
  } else if (needs.pods === 'node') {
    related.pods = await listOrEmpty<Pod>(client, 'pods', undefined, { fieldSelector: `spec.nodeName=${obj.metadata.name}` });
  }
  if (needs.endpointSlices)
    related.endpointSlices = await listOrEmpty<EndpointSlice>(client, 'endpointslices.discovery.k8s.io', ns, {
      labelSelector: `kubernetes.io/service-name=${obj.metadata.name}`,
    });
  if (needs.services) {
    related.services = await listOrEmpty<Service>(client, 'services', ns, {});
    related.endpointSlices = await listOrEmpty<EndpointSlice>(client, 'endpointslices.discovery.k8s.io', ns, {});
  }
  if (obj.kind === 'Node') {
    const leases = resolveResource('leases.coordination.k8s.io');
    related.lease = leases ? await client.get(leases, obj.metadata.name!, 'kube-node-lease').catch(() => null) : undefined;
  }
  if (needs.replicaSets) related.replicaSets = await listOrEmpty<ReplicaSet>(client, 'replicasets.apps', ns, { labelSelector: selector });
  return related;
}

export function registerDescribe(program: Command, env: CliEnv): void {
  program
    .command('describe')
    .description('show details of a specific resource or group of resources')
    .argument('<resource...>', 'TYPE [NAME_PREFIX...] or TYPE/NAME...')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .option('-A, --all-namespaces', 'describe across all namespaces')
    .option('-l, --selector <selector>', 'label selector')
    .option('--show-events [bool]', 'show the events of the object (default true)', parseBoolFlag, true)
    .action(async (args: string[], o: DescribeOptions) => {
      const requests = parseResourceArgs(args);
      await withClient(env, async (client) => {
        let ok = true;
        let printed = 0;
        for (const { resource: r, names } of requests) {
          const ns = r.namespaced && !o.allNamespaces ? namespaceOf(o) : undefined;
          const objects: KubeObject[] = [];
          if (names.length === 0) objects.push(...(await client.list(r, ns, { labelSelector: o.selector })).items);
          for (const name of names) {
            try {
              objects.push(...(await findByName(client, r, name, ns)));
            } catch (err) {
              ok = false;
              env.io.err(describeError(err));
            }
          }
          for (const obj of objects) {
            const related = await gatherRelated(client, obj, o.showEvents);
            if (obj.kind === 'NetworkPolicy') related.policyCounts = await networkPolicyCounts(env.clusterName(), obj as NetworkPolicy);
            const text = describeObject(obj, related, { now: Date.now() });
            if (printed++ > 0) env.io.out('\n');
            env.io.out(text.replace(/\n$/, ''));
          }
          if (names.length === 0 && objects.length === 0) {
            env.io.err(r.namespaced && ns ? `No resources found in ${ns} namespace.` : 'No resources found');
          }
        }
        if (!ok) throw new AlreadyReported();
      });
    });
}
