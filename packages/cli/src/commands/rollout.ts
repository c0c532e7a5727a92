// `kubelab rollout status deployment/NAME [--timeout=..] [--watch=false]` with kubectl's status viewer logic
// (k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go): a status only counts once the controller has
// observed the current generation. `rollout restart` stamps the pod template as kubectl does.
import type { Command } from 'commander';
import {
  objectPath,
  resolveResource,
  rfc3339,
  StatusError,
  type Deployment,
  type KubeObject,
  type ReplicaSet,
  type ResourceInfo,
} from '@kubelab/api';
import { watch, type KubeClient } from '@kubelab/client';
import { intOption, parseDuration, withClient, type CliEnv, type Io } from '../command-kit';
import { CliError } from '../errors';
import { kindName, namespaceOf, parseResourceArgs, resourceName } from '../resource-args';
import { parseBoolFlag } from './delete';
import { historyTable, ownedReplicaSets, replicaSetOfRevision, rollbackPlan, rollbackTarget } from './rollout-history';
import { describePodTemplate } from '../printers/describe/workloads';
import { PrefixWriter } from '../printers/tabwriter';
import { selectorString } from '@kubelab/api';

export interface RolloutStatus {
  message: string;
  done: boolean;
}

/** DeploymentStatusViewer.Status; throws CliError when the deadline passed. */
export function deploymentRolloutStatus(d: Deployment): RolloutStatus {
  const name = d.metadata.name;
  const st = d.status ?? {};
  if ((d.metadata.generation ?? 0) <= (st.observedGeneration ?? 0)) {
    const progressing = st.conditions?.find((c) => c.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') throw new CliError(`deployment "${name}" exceeded its progress deadline`);
    const desired = d.spec?.replicas ?? 1;
    const updated = st.updatedReplicas ?? 0;
    if (d.spec?.replicas !== undefined && updated < desired) {
      return {
        message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${desired} new replicas have been updated...`,
        done: false,
      };
    }
    if ((st.replicas ?? 0) > updated) {
      return {
        message: `Waiting for deployment "${name}" rollout to finish: ${(st.replicas ?? 0) - updated} old replicas are pending termination...`,
        done: false,
      };
    }
    if ((st.availableReplicas ?? 0) < updated) {
      return {
        message: `Waiting for deployment "${name}" rollout to finish: ${st.availableReplicas ?? 0} of ${updated} updated replicas are available...`,
        done: false,
      };
    }
    return { message: `deployment "${name}" successfully rolled out`, done: true };
  }
  return { message: 'Waiting for deployment spec update to be observed...', done: false };
}

async function deploymentAndReplicaSets(
  client: KubeClient,
  resource: ResourceInfo,
  name: string,
  ns: string | undefined,
): Promise<{ d: Deployment; owned: ReplicaSet[] }> {
  const d = await client.get<Deployment>(resource, name, ns);
  const replicaSets = resolveResource('replicasets.apps');
  if (!replicaSets) throw new CliError('this kubelab does not serve replicasets.apps');
  const all = (await client.list<ReplicaSet>(replicaSets, ns, { labelSelector: selectorString(d.spec.selector) })).items as ReplicaSet[];
  return { d, owned: ownedReplicaSets(d, all) };
}

function targetOf(args: string[], command = 'rollout status'): { resource: ResourceInfo; name: string } {
  const requests = parseResourceArgs(args);
  if (requests.length !== 1 || requests[0].names.length !== 1)
    throw new CliError(`${command} needs exactly one resource, e.g. deployment/web`);
  const { resource, names } = requests[0];
  if (resource.kind !== 'Deployment')
    throw new CliError(`no status viewer has been implemented for ${resource.kind}${resource.group ? `.${resource.group}` : ''}`);
  return { resource, name: names[0] };
}

export async function rolloutStatus(
  client: KubeClient,
  r: ResourceInfo,
  name: string,
  ns: string,
  opts: { watch: boolean; timeoutMs?: number },
  io: Io,
): Promise<void> {
  const filters = { fieldSelector: `metadata.name=${name}` };
  const list = await client.list<Deployment>(r, ns, filters);
  const first = list.items[0];
  if (!first) throw new StatusError('NotFound', `${resourceName(r)} "${name}" not found`);
  const initial = deploymentRolloutStatus(first);
  io.out(initial.message);
  if (initial.done || !opts.watch) return;

  const abort = new AbortController();
  let timedOut = false;
  const timer = opts.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        abort.abort();
      }, opts.timeoutMs)
    : undefined;
  let done = false;
  let resourceVersion = list.metadata.resourceVersion;
  try {
    while (!done && !abort.signal.aborted) {
      try {
        resourceVersion = await watch<KubeObject>(client, r, ns, { ...filters, resourceVersion, signal: abort.signal }, (e) => {
          if (done) return;
          if (e.type === 'DELETED') throw new CliError('object has been deleted');
          if (e.type !== 'ADDED' && e.type !== 'MODIFIED') return;
          const status = deploymentRolloutStatus(e.object as Deployment);
          io.out(status.message);
          if (status.done) {
            done = true;
            abort.abort();
          }
        });
      } catch (err) {
        if (!(err instanceof StatusError && (err.reason === 'Gone' || err.reason === 'Expired'))) throw err;
        resourceVersion = (await client.list(r, ns, filters)).metadata.resourceVersion;
      }
    }
  } finally {
    clearTimeout(timer);
  }
  if (!done && timedOut) throw new CliError('timed out waiting for the condition');
}

export function registerRollout(program: Command, env: CliEnv): void {
  const rollout = program.command('rollout').description('manage the rollout of a deployment');
  rollout
    .command('status')
    .description('show the status of the rollout, waiting until it finishes')
    .argument('<resource...>', 'deployment/NAME or deployment NAME')
    .option('-w, --watch [bool]', 'watch the status until the rollout finishes (default true)', parseBoolFlag, true)
    .option('--timeout <duration>', 'give up after this long, e.g. 2m (default: no limit)')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .action(async (args: string[], o: { watch: boolean; timeout?: string; namespace?: string }) => {
      const { resource, name } = targetOf(args);
      const timeoutMs = o.timeout ? parseDuration(o.timeout) : undefined;
      await withClient(env, (client) => rolloutStatus(client, resource, name, namespaceOf(o), { watch: o.watch, timeoutMs }, env.io));
    });
  rollout
    .command('history')
    .description('view the revisions of a deployment and their change causes')
    .argument('<resource...>', 'deployment/NAME or deployment NAME')
    .option('--revision <n>', 'show the pod template of this revision', intOption(0), 0)
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .action(async (args: string[], o: { revision: number; namespace?: string }) => {
      const { resource, name } = targetOf(args, 'rollout history');
      await withClient(env, async (client) => {
        const { owned } = await deploymentAndReplicaSets(client, resource, name, namespaceOf(o));
        if (o.revision > 0) {
          const rs = replicaSetOfRevision(owned, o.revision);
          const w = new PrefixWriter();
          describePodTemplate(w, rs.spec.template, { now: Date.now() });
          env.io.out(`${kindName(resource)}/${name} with revision #${o.revision}\n${w.toString().trimEnd()}`);
          return;
        }
        env.io.out(`${kindName(resource)}/${name}\n${historyTable(owned)}`);
      });
    });
  rollout
    .command('undo')
    .description('roll back to the previous revision, or to --to-revision')
    .argument('<resource...>', 'deployment/NAME or deployment NAME')
    .option('--to-revision <n>', 'the revision to roll back to; 0 means the previous one', intOption(0), 0)
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .action(async (args: string[], o: { toRevision: number; namespace?: string }) => {
      const { resource, name } = targetOf(args, 'rollout undo');
      await withClient(env, async (client) => {
        const ns = namespaceOf(o);
        const { d, owned } = await deploymentAndReplicaSets(client, resource, name, ns);
        const plan = rollbackPlan(d, rollbackTarget(d, owned, o.toRevision));
        if ('skipped' in plan) return env.io.out(`${kindName(resource)}/${name} ${plan.skipped}`);
        await client.raw('PATCH', objectPath(resource, name, ns ?? 'default'), plan.patch, 'application/json-patch+json');
        env.io.out(`${kindName(resource)}/${name} rolled back`);
      });
    });
  rollout
    .command('restart')
    .description('restart a deployment: a new rollout with the same spec')
    .argument('<resource...>', 'deployment/NAME or deployment NAME')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .action(async (args: string[], o: { namespace?: string }) => {
      const requests = parseResourceArgs(args);
      await withClient(env, async (client) => {
        for (const { resource, names } of requests) {
          if (resource.kind !== 'Deployment') throw new CliError(`restarting is not supported for ${resource.kind}`);
          for (const name of names) {
            // kubectl's restart: a template annotation change makes the controller roll out new pods.
            const patch = { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': rfc3339() } } } } };
            await client.patch(resource, name, patch, namespaceOf(o));
            env.io.out(`${kindName(resource)}/${name} restarted`);
          }
        }
      });
    });
}
