// `kubelab describe pod`: kubectl's describePod layout, field for field where kubelab has the data.
import { qosClass, type Event, type EnvVar, type Pod } from '@kubelab/api';
import { PrefixWriter } from '../tabwriter';
import {
  annotationsMultiline,
  controllerOf,
  eventsSection,
  labelsMultiline,
  rfc1123z,
  since,
  tolerationsMultiline,
  type DescribeContext,
} from './common';
import { describeContainers, describeVolumes } from './containers';

/** QoS class as the kubelet computes it, when the status does not say. */
export function podQosClass(pod: Pod): string {
  return pod.status?.qosClass ?? qosClass(pod.spec);
}

/** Values of downward-API env vars, resolved against the pod as kubectl's EnvValueRetriever does. */
function envResolver(pod: Pod) {
  return (e: EnvVar): string => {
    const path = e.valueFrom?.fieldRef?.fieldPath ?? '';
    const m = path.match(/^metadata\.(labels|annotations)\['(.+)'\]$/);
    if (m) return pod.metadata[m[1] as 'labels' | 'annotations']?.[m[2]] ?? '';
    let cur: unknown = pod;
    for (const part of path.split('.')) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[part] : undefined;
    return cur === undefined || cur === null ? '' : String(cur);
  };
}

export function describePod(pod: Pod, events: Event[] | undefined, ctx: DescribeContext): string {
  const w = new PrefixWriter();
  const st = pod.status ?? {};
  const spec = pod.spec ?? { containers: [] };
  w.write(0, `Name:\t${pod.metadata.name}\n`);
  w.write(0, `Namespace:\t${pod.metadata.namespace}\n`);
  if (spec.priority !== undefined) w.write(0, `Priority:\t${spec.priority}\n`);
  if (spec.serviceAccountName) w.write(0, `Service Account:\t${spec.serviceAccountName}\n`);
  w.write(0, `Node:\t${spec.nodeName ? `${spec.nodeName}/${st.hostIP ?? ''}` : '<none>'}\n`);
  if (st.startTime) w.write(0, `Start Time:\t${rfc1123z(st.startTime, ctx)}\n`);
  labelsMultiline(w, 'Labels', pod.metadata.labels);
  annotationsMultiline(w, 'Annotations', pod.metadata.annotations);
  if (pod.metadata.deletionTimestamp && st.phase !== 'Failed' && st.phase !== 'Succeeded') {
    w.write(0, `Status:\tTerminating (lasts ${since(pod.metadata.deletionTimestamp, ctx.now)})\n`);
    const grace =
      (pod.metadata as { deletionGracePeriodSeconds?: number }).deletionGracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
    w.write(0, `Termination Grace Period:\t${grace}s\n`);
  } else {
    w.write(0, `Status:\t${st.phase ?? ''}\n`);
  }
  if (st.reason) w.write(0, `Reason:\t${st.reason}\n`);
  if (st.message) w.write(0, `Message:\t${st.message}\n`);
  w.write(0, `IP:\t${st.podIP ?? ''}\n`);
  const ips = st.podIPs?.length ? st.podIPs : st.podIP ? [{ ip: st.podIP }] : [];
  if (ips.length === 0) w.write(0, 'IPs:\t<none>\n');
  else {
    w.write(0, 'IPs:\n');
    for (const ip of ips) w.write(1, `IP:\t${ip.ip}\n`);
  }
  const controller = controllerOf(pod);
  if (controller) w.write(0, `Controlled By:\t${controller}\n`);
  const resolve = envResolver(pod);
  if (spec.initContainers?.length)
    describeContainers(w, 'Init Containers', spec.initContainers, st.initContainerStatuses, '', resolve, ctx);
  describeContainers(w, 'Containers', spec.containers ?? [], st.containerStatuses, '', resolve, ctx);
  if (st.conditions?.length) {
    w.write(0, 'Conditions:\n  Type\tStatus\n');
    for (const c of st.conditions) w.write(1, `${c.type} \t${c.status} \n`);
  }
  describeVolumes(w, spec.volumes, '');
  w.write(0, `QoS Class:\t${podQosClass(pod)}\n`);
  labelsMultiline(w, 'Node-Selectors', spec.nodeSelector);
  tolerationsMultiline(w, 'Tolerations', spec.tolerations);
  eventsSection(w, events, ctx);
  return w.toString();
}
