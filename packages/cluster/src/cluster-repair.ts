// What `cluster up` does with what Docker lists for a cluster name (issue 6, DESIGN.md §6). Pure: the
// decision is a table of cases tested without an engine; cluster-up.ts carries it out.
//
// The state volume holds every API object, so nothing here ever plans to delete it: stopped, crashed or
// missing containers are started or recreated around it, and a cluster that cannot be repaired is reported
// with what is wrong. Only `cluster down` and `cluster up --recreate` remove it.
import type Docker from 'dockerode';
import { planAddresses, type AddressPlan } from './addressing';
import { isNodeContainer } from './cluster-model';
import { LABEL, nodeNames, nodeNetworkName, podNetworkName, stateVolumeName } from './names';
import { nodePlans, type NodePlan } from './spec';

export interface Observed {
  containers: Array<Pick<Docker.ContainerInfo, 'Id' | 'Labels' | 'State'>>;
  networks: Array<Pick<Docker.NetworkInspectInfo, 'Name' | 'Labels'>>;
  volumes: Array<Pick<Docker.VolumeInspectInfo, 'Name'>>;
}

/** The cluster as it was created: enough to plan every node's addresses again. */
export interface RecordedSpec {
  nodeSubnet: string;
  podSubnet: string;
  /** Control plane + workers. */
  nodeCount: number;
  /** The API server's fixed host port, recorded since issue 9 (older clusters let Docker pick one). */
  apiPort?: number;
}

export type RepairVerb = 'start' | 'restart' | 'unpause' | 'recreate';

export interface RepairStep {
  verb: RepairVerb;
  node: NodePlan;
  /** The container to act on; absent when it is missing (recreate only). */
  containerId?: string;
  /** Why, in words for the report ("exited", "missing", "dead", "network kl-net was missing"). */
  why: string;
}

export type UpPlan =
  /** Nothing of that name exists. */
  | { kind: 'create' }
  /** Only leftovers without a state volume (a failed create or half a `down`): nothing to lose. */
  | { kind: 'clear-leftovers'; leftovers: string }
  /** Every node runs: wait for readiness, change nothing. */
  | { kind: 'running' }
  | { kind: 'repair'; spec: RecordedSpec; networks: string[]; steps: RepairStep[] }
  /** Cannot be repaired without losing state: the problems, for the error message. */
  | { kind: 'broken'; problems: string[] };

/** Reads the spec back from node container labels, else from the node network's (written since issue 6). */
export function recordedSpec(cluster: string, o: Observed): RecordedSpec | undefined {
  const sources = [
    ...o.containers.filter(isNodeContainer).map((c) => c.Labels),
    ...o.networks.filter((n) => n.Name === nodeNetworkName(cluster)).map((n) => n.Labels ?? {}),
  ];
  for (const l of sources) {
    const nodeCount = Number(l[LABEL.nodeCount]);
    if (l[LABEL.nodeSubnet] && l[LABEL.podSubnet] && Number.isInteger(nodeCount) && nodeCount >= 1) {
      const apiPort = Number(sources.map((s) => s[LABEL.apiPort]).find(Boolean));
      return { nodeSubnet: l[LABEL.nodeSubnet], podSubnet: l[LABEL.podSubnet], nodeCount, ...(apiPort > 0 ? { apiPort } : {}) };
    }
  }
  return undefined;
}

/** Every node's plan as at creation: explicit subnets make the planner deterministic. */
export function recordedPlan(cluster: string, spec: RecordedSpec): { plan: AddressPlan; nodes: NodePlan[] } {
  const plan = planAddresses({ workers: spec.nodeCount - 1, nodeSubnet: spec.nodeSubnet, podSubnet: spec.podSubnet }, []);
  return { plan, nodes: nodePlans(cluster, plan) };
}

/** Docker's states, and what brings a container of each back. */
function verbFor(state: string): { verb: RepairVerb; why: string } | undefined {
  switch (state) {
    case 'running':
      return undefined;
    case 'paused':
      return { verb: 'unpause', why: 'paused' };
    // Crash-looping under the restart policy: restart now instead of waiting out Docker's back-off.
    case 'restarting':
      return { verb: 'restart', why: 'crash-looping' };
    // Neither can be started again; the container holds no state (that is on the volume).
    case 'dead':
    case 'removing':
      return { verb: 'recreate', why: state };
    default:
      return { verb: 'start', why: state || 'not running' };
  }
}

export function planUp(cluster: string, o: Observed): UpPlan {
  const nodes = o.containers.filter(isNodeContainer);
  const volume = stateVolumeName(cluster);
  const hasVolume = o.volumes.some((v) => v.Name === volume);
  if (o.containers.length + o.networks.length + o.volumes.length === 0) return { kind: 'create' };

  if (!hasVolume) {
    if (nodes.length === 0) {
      const what = [
        o.containers.length && `${o.containers.length} container(s)`,
        o.networks.length && `${o.networks.length} network(s)`,
        o.volumes.length && `${o.volumes.length} volume(s)`,
      ].filter(Boolean);
      return { kind: 'clear-leftovers', leftovers: what.join(', ') };
    }
    // Nodes without their state: starting them would serve an empty API next to pods the workers still run.
    return { kind: 'broken', problems: [`its state volume ${volume} is missing, so its API objects are gone`] };
  }

  const spec = recordedSpec(cluster, o);
  if (!spec) {
    return {
      kind: 'broken',
      problems: [`it has its state volume ${volume} but no node containers, and no record of its subnets to recreate them from`],
    };
  }
  const { nodes: planned } = recordedPlan(cluster, spec);
  const expectedNames = nodeNames(cluster, spec.nodeCount - 1);
  const byName = new Map(nodes.map((c) => [c.Labels[LABEL.node], c]));
  const netNames = new Set(o.networks.map((n) => n.Name));
  const missingNetworks = [nodeNetworkName(cluster), ...expectedNames.map((n) => podNetworkName(cluster, n))].filter(
    (n) => !netNames.has(n),
  );
  const nodeNetMissing = missingNetworks.includes(nodeNetworkName(cluster));

  const steps: RepairStep[] = [];
  for (const node of planned) {
    const c = byName.get(node.name);
    const podNetMissing = missingNetworks.includes(podNetworkName(cluster, node.name));
    if (!c) {
      steps.push({ verb: 'recreate', node, why: 'missing' });
    } else if (nodeNetMissing || podNetMissing) {
      // A container keeps the id of a removed network and cannot start on its new namesake.
      const net = nodeNetMissing ? nodeNetworkName(cluster) : podNetworkName(cluster, node.name);
      steps.push({ verb: 'recreate', node, containerId: c.Id, why: `network ${net} was missing` });
    } else {
      const v = verbFor(c.State);
      if (v) steps.push({ ...v, node, containerId: c.Id });
    }
  }
  if (steps.length === 0 && missingNetworks.length === 0) return { kind: 'running' };
  return { kind: 'repair', spec, networks: missingNetworks, steps };
}

/** "started kl-worker2, recreated kl-control-plane (missing)": the repair in one line for the report. */
export function describeRepair(plan: Extract<UpPlan, { kind: 'repair' }>): string {
  const past: Record<RepairVerb, string> = { start: 'started', restart: 'restarted', unpause: 'unpaused', recreate: 'recreated' };
  const parts = [
    ...plan.networks.map((n) => `created network ${n}`),
    ...plan.steps.map((s) => `${past[s.verb]} ${s.node.name} (${s.why})`),
  ];
  return parts.join(', ');
}
