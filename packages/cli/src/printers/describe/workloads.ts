// describe for Deployments and ReplicaSets, with kubectl's Pod Template section (describe.go
// describeDeployment, describeReplicaSet, DescribePodTemplate).
import { sameTemplate, type Deployment, type Event, type Pod, type PodTemplateSpec, type ReplicaSet } from '@kubelab/api';
import { PrefixWriter } from '../tabwriter';
import { selectorString } from '@kubelab/api';
import {
  annotationsMultiline,
  controllerOf,
  eventsSection,
  labelsMultiline,
  rfc1123z,
  tolerationsMultiline,
  type DescribeContext,
} from './common';
import { describeContainers, describeVolumes } from './containers';

export function describePodTemplate(w: PrefixWriter, template: PodTemplateSpec | undefined, ctx: DescribeContext): void {
  w.write(0, 'Pod Template:\n');
  if (!template) return w.write(1, '<unset>');
  labelsMultiline(w, '  Labels', template.metadata?.labels);
  if (Object.keys(template.metadata?.annotations ?? {}).length) annotationsMultiline(w, '  Annotations', template.metadata?.annotations);
  const spec = template.spec ?? { containers: [] };
  if (spec.serviceAccountName) w.write(1, `Service Account:\t${spec.serviceAccountName}\n`);
  if (spec.initContainers?.length) describeContainers(w, 'Init Containers', spec.initContainers, undefined, '  ', undefined, ctx);
  describeContainers(w, 'Containers', spec.containers ?? [], undefined, '  ', undefined, ctx);
  describeVolumes(w, spec.volumes, '  ');
  labelsMultiline(w, '  Node-Selectors', spec.nodeSelector);
  tolerationsMultiline(w, '  Tolerations', spec.tolerations);
}

function replicaSetsText(list: ReplicaSet[]): string {
  return (
    list.map((rs) => `${rs.metadata.name} (${rs.status?.replicas ?? 0}/${rs.spec?.replicas ?? 0} replicas created)`).join(', ') || '<none>'
  );
}

/** The ReplicaSets a Deployment owns, split like deploymentutil.GetAllReplicaSets: the newest template match is new. */
export function splitReplicaSets(d: Deployment, owned: ReplicaSet[]): { newRS?: ReplicaSet; oldRSs: ReplicaSet[] } {
  const mine = owned.filter((rs) => rs.metadata.ownerReferences?.some((o) => o.controller && o.uid === d.metadata.uid));
  const byAge = [...mine].sort((a, b) => Date.parse(a.metadata.creationTimestamp ?? '') - Date.parse(b.metadata.creationTimestamp ?? ''));
  const newRS = byAge.find((rs) => sameTemplate(rs.spec.template, d.spec.template));
  return { newRS, oldRSs: byAge.filter((rs) => rs !== newRS && (rs.spec.replicas ?? 0) > 0) };
}

export function describeDeployment(
  d: Deployment,
  replicaSets: ReplicaSet[] | undefined,
  events: Event[] | undefined,
  ctx: DescribeContext,
): string {
  const w = new PrefixWriter();
  const st = d.status ?? {};
  w.write(0, `Name:\t${d.metadata.name}\n`);
  w.write(0, `Namespace:\t${d.metadata.namespace}\n`);
  w.write(0, `CreationTimestamp:\t${rfc1123z(d.metadata.creationTimestamp, ctx)}\n`);
  labelsMultiline(w, 'Labels', d.metadata.labels);
  annotationsMultiline(w, 'Annotations', d.metadata.annotations);
  w.write(0, `Selector:\t${selectorString(d.spec.selector) || '<none>'}\n`);
  const unavailable = st.unavailableReplicas ?? Math.max(0, (st.replicas ?? 0) - (st.availableReplicas ?? 0));
  w.write(
    0,
    `Replicas:\t${d.spec.replicas ?? 1} desired | ${st.updatedReplicas ?? 0} updated | ${st.replicas ?? 0} total | ${st.availableReplicas ?? 0} available | ${unavailable} unavailable\n`,
  );
  const strategy = d.spec.strategy?.type ?? 'RollingUpdate';
  w.write(0, `StrategyType:\t${strategy}\n`);
  w.write(0, `MinReadySeconds:\t${d.spec.minReadySeconds ?? 0}\n`);
  if (strategy === 'RollingUpdate') {
    const ru = d.spec.strategy?.rollingUpdate ?? {};
    w.write(0, `RollingUpdateStrategy:\t${ru.maxUnavailable ?? '25%'} max unavailable, ${ru.maxSurge ?? '25%'} max surge\n`);
  }
  describePodTemplate(w, d.spec.template, ctx);
  if (st.conditions?.length) {
    w.write(0, 'Conditions:\n  Type\tStatus\tReason\n');
    w.write(1, '----\t------\t------\n');
    for (const c of st.conditions) w.write(1, `${c.type} \t${c.status}\t${c.reason ?? ''}\n`);
  }
  if (replicaSets) {
    const { newRS, oldRSs } = splitReplicaSets(d, replicaSets);
    w.write(0, `OldReplicaSets:\t${replicaSetsText(oldRSs)}\n`);
    w.write(0, `NewReplicaSet:\t${replicaSetsText(newRS ? [newRS] : [])}\n`);
  }
  eventsSection(w, events, ctx);
  return w.toString();
}

export function describeReplicaSet(rs: ReplicaSet, pods: Pod[] | undefined, events: Event[] | undefined, ctx: DescribeContext): string {
  const w = new PrefixWriter();
  w.write(0, `Name:\t${rs.metadata.name}\n`);
  w.write(0, `Namespace:\t${rs.metadata.namespace}\n`);
  w.write(0, `Selector:\t${selectorString(rs.spec.selector) || '<none>'}\n`);
  labelsMultiline(w, 'Labels', rs.metadata.labels);
  annotationsMultiline(w, 'Annotations', rs.metadata.annotations);
  const controller = controllerOf(rs);
  if (controller) w.write(0, `Controlled By:\t${controller}\n`);
  w.write(0, `Replicas:\t${rs.status?.replicas ?? 0} current / ${rs.spec.replicas ?? 1} desired\n`);
  if (pods === undefined) w.write(0, 'Pods Status:\terror in fetching pods\n');
  else {
    const count = (phase: string): number => pods.filter((p) => (p.status?.phase ?? 'Pending') === phase).length;
    w.write(
      0,
      `Pods Status:\t${count('Running')} Running / ${count('Pending')} Waiting / ${count('Succeeded')} Succeeded / ${count('Failed')} Failed\n`,
    );
  }
  describePodTemplate(w, rs.spec.template, ctx);
  eventsSection(w, events, ctx);
  return w.toString();
}
