// Pure: the Node object a node agent registers, and the status it posts on every heartbeat.
import { rfc3339, type Node, type NodeCondition } from '@kubelab/api';

export interface NodeIdentity {
  name: string;
  ip: string;
  podCIDR: string;
  role: 'control-plane' | 'worker';
  osImage: string;
  kernelVersion: string;
  containerRuntimeVersion: string;
  architecture: string;
  cpus: number;
  memoryKi: number;
  /** The kubelet's --max-pods: capacity and allocatable `pods` (Kubernetes' default 110). */
  maxPods?: number;
  /** nodeInfo.machineID, systemUUID and bootID (clients such as the Python one require all three). */
  machineID?: string;
  systemUUID?: string;
  bootID?: string;
}

export const defaultMaxPods = 110;

export const kubeletVersion = 'v1.33.0-kubelab';

export function readyConditions(now: Date, previous?: NodeCondition[]): NodeCondition[] {
  const stamp = rfc3339(now);
  const want: Omit<NodeCondition, 'lastHeartbeatTime' | 'lastTransitionTime'>[] = [
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
  ];
  return want.map((c) => {
    const prev = previous?.find((p) => p.type === c.type);
    // lastTransitionTime moves only when the status flips, as in Kubernetes.
    const transition = prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : stamp;
    return { ...c, lastHeartbeatTime: stamp, lastTransitionTime: transition };
  });
}

export function nodeStatus(id: NodeIdentity, now: Date, previous?: NodeCondition[]): NonNullable<Node['status']> {
  const capacity = {
    cpu: String(id.cpus),
    memory: `${id.memoryKi}Ki`,
    pods: String(id.maxPods ?? defaultMaxPods),
    'ephemeral-storage': '0',
  };
  return {
    conditions: readyConditions(now, previous),
    addresses: [
      { type: 'InternalIP', address: id.ip },
      { type: 'Hostname', address: id.name },
    ],
    capacity,
    allocatable: capacity,
    nodeInfo: {
      kubeletVersion,
      kubeProxyVersion: kubeletVersion,
      osImage: id.osImage,
      kernelVersion: id.kernelVersion,
      containerRuntimeVersion: id.containerRuntimeVersion,
      operatingSystem: 'linux',
      architecture: id.architecture,
      machineID: id.machineID ?? '',
      systemUUID: id.systemUUID ?? '',
      bootID: id.bootID ?? '',
    },
  };
}

export function nodeObject(id: NodeIdentity, now: Date): Node {
  const controlPlane = id.role === 'control-plane';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: id.name,
      labels: {
        'kubernetes.io/hostname': id.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': id.architecture,
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': id.architecture,
        ...(controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
      },
    },
    spec: {
      podCIDR: id.podCIDR,
      podCIDRs: [id.podCIDR],
      // The control plane keeps workloads off, as kubeadm/kind clusters do.
      ...(controlPlane ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' as const }] } : {}),
    },
    status: nodeStatus(id, now),
  };
}
