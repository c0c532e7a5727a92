import { describe, expect, it } from 'vitest';
import { describeObject } from './index';
import { rfc1123z } from './common';
import type { Pod, Deployment, Node, ReplicaSet, Event } from '@kubelab/api';
const now = Date.parse('2024-05-01T12:00:00Z');
const ctx = { now, utcOffsetMinutes: 0 };
const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web-abc',
    namespace: 'default',
    uid: 'u',
    creationTimestamp: '2024-05-01T11:55:00Z',
    labels: { app: 'web', 'pod-template-hash': 'abc' },
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d4f', uid: 'rs', controller: true }],
  },
  spec: {
    nodeName: 'kl-worker',
    initContainers: [{ name: 'setup', image: 'busybox', command: ['sh', '-c', 'echo hi'] }],
    containers: [
      {
        name: 'nginx',
        image: 'nginx:1.25',
        ports: [{ containerPort: 80, protocol: 'TCP' }],
        env: [
          { name: 'MODE', value: 'prod' },
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'pw' } } },
        ],
        readinessProbe: { httpGet: { path: '/healthz', port: 80 } },
        volumeMounts: [{ name: 'conf', mountPath: '/etc/nginx/conf.d', readOnly: true }],
      },
    ],
    volumes: [
      { name: 'conf', configMap: { name: 'nginx-conf' } },
      { name: 'tmp', emptyDir: {} },
    ],
    tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
  },
  status: {
    phase: 'Running',
    hostIP: '172.30.0.3',
    podIP: '10.244.1.7',
    podIPs: [{ ip: '10.244.1.7' }],
    startTime: '2024-05-01T11:55:00Z',
    conditions: [
      { type: 'Initialized', status: 'True' },
      { type: 'Ready', status: 'True' },
      { type: 'ContainersReady', status: 'True' },
      { type: 'PodScheduled', status: 'True' },
    ],
    initContainerStatuses: [
      {
        name: 'setup',
        image: 'busybox',
        ready: true,
        restartCount: 0,
        containerID: 'docker://aaa',
        state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: '2024-05-01T11:55:01Z', finishedAt: '2024-05-01T11:55:02Z' } },
      },
    ],
    containerStatuses: [
      {
        name: 'nginx',
        image: 'nginx:1.25',
        ready: true,
        restartCount: 1,
        containerID: 'docker://bbb',
        state: { running: { startedAt: '2024-05-01T11:56:00Z' } },
        lastState: {
          terminated: { exitCode: 137, reason: 'Error', startedAt: '2024-05-01T11:55:03Z', finishedAt: '2024-05-01T11:55:59Z' },
        },
      },
    ],
  },
};
const events: Event[] = [
  {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'e1' },
    involvedObject: { kind: 'Pod', name: 'web-abc' },
    type: 'Normal',
    reason: 'Scheduled',
    message: 'Successfully assigned default/web-abc to kl-worker',
    firstTimestamp: '2024-05-01T11:55:00Z',
    lastTimestamp: '2024-05-01T11:55:00Z',
    source: { component: 'default-scheduler' },
  },
  {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'e2' },
    involvedObject: { kind: 'Pod', name: 'web-abc' },
    type: 'Normal',
    reason: 'Pulled',
    message: 'Container image "nginx:1.25" already present on machine',
    count: 2,
    firstTimestamp: '2024-05-01T11:55:02Z',
    lastTimestamp: '2024-05-01T11:56:00Z',
    source: { component: 'kubelet', host: 'kl-worker' },
  },
];
describe('describe layouts', () => {
  it('pod: kubectl describePod, with init containers, last state, env sources, volumes and events', () => {
    expect(describeObject(pod, { events }, ctx)).toMatchInlineSnapshot(`
      "Name:         web-abc
      Namespace:    default
      Node:         kl-worker/172.30.0.3
      Start Time:   Wed, 01 May 2024 11:55:00 +0000
      Labels:       app=web
                    pod-template-hash=abc
      Annotations:  <none>
      Status:       Running
      IP:           10.244.1.7
      IPs:
        IP:           10.244.1.7
      Controlled By:  ReplicaSet/web-5d4f
      Init Containers:
        setup:
          Container ID:  docker://aaa
          Image:         busybox
          Image ID:      
          Port:          <none>
          Host Port:     <none>
          Command:
            sh
            -c
            echo hi
          State:          Terminated
            Reason:       Completed
            Exit Code:    0
            Started:      Wed, 01 May 2024 11:55:01 +0000
            Finished:     Wed, 01 May 2024 11:55:02 +0000
          Ready:          True
          Restart Count:  0
          Environment:    <none>
          Mounts:         <none>
      Containers:
        nginx:
          Container ID:   docker://bbb
          Image:          nginx:1.25
          Image ID:       
          Port:           80/TCP
          Host Port:      0/TCP
          State:          Running
            Started:      Wed, 01 May 2024 11:56:00 +0000
          Last State:     Terminated
            Reason:       Error
            Exit Code:    137
            Started:      Wed, 01 May 2024 11:55:03 +0000
            Finished:     Wed, 01 May 2024 11:55:59 +0000
          Ready:          True
          Restart Count:  1
          Readiness:      http-get http://:80/healthz delay=0s timeout=1s period=10s #success=1 #failure=3
          Environment:
            MODE:    prod
            POD_IP:  10.244.1.7 (v1:status.podIP)
            PW:      <set to the key 'pw' in secret 'creds'>  Optional: false
          Mounts:
            /etc/nginx/conf.d from conf (ro)
      Conditions:
        Type              Status
        Initialized       True 
        Ready             True 
        ContainersReady   True 
        PodScheduled      True 
      Volumes:
        conf:
          Type:      ConfigMap (a volume populated by a ConfigMap)
          Name:      nginx-conf
          Optional:  false
        tmp:
          Type:        EmptyDir (a temporary directory that shares a pod's lifetime)
          Medium:      
          SizeLimit:   <unset>
      QoS Class:       BestEffort
      Node-Selectors:  <none>
      Tolerations:     node.kubernetes.io/not-ready:NoExecute op=Exists for 300s
      Events:
        Type    Reason     Age                 From               Message
        ----    ------     ----                ----               -------
        Normal  Scheduled  5m                  default-scheduler  Successfully assigned default/web-abc to kl-worker
        Normal  Pulled     4m (x2 over 4m58s)  kubelet            Container image "nginx:1.25" already present on machine
      "
    `);
  });

  it('deployment, replica set and node', () => {
    const d: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        namespace: 'default',
        uid: 'd1',
        generation: 2,
        creationTimestamp: '2024-05-01T11:00:00Z',
        labels: { app: 'web' },
        annotations: { 'deployment.kubernetes.io/revision': '2' },
      },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] },
        },
      },
      status: {
        replicas: 3,
        updatedReplicas: 3,
        readyReplicas: 3,
        availableReplicas: 3,
        conditions: [
          { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
          { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
        ],
      },
    };
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'web-5d4f',
        namespace: 'default',
        uid: 'rs',
        creationTimestamp: '2024-05-01T11:00:00Z',
        labels: { app: 'web', 'pod-template-hash': '5d4f' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd1', controller: true }],
      },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d4f' } },
        template: { metadata: { labels: { app: 'web', 'pod-template-hash': '5d4f' } }, spec: d.spec.template.spec },
      },
      status: { replicas: 3 },
    };
    expect(describeObject(d, { replicaSets: [rs], events: [] }, ctx)).toMatchInlineSnapshot(`
    "Name:                   web
    Namespace:              default
    CreationTimestamp:      Wed, 01 May 2024 11:00:00 +0000
    Labels:                 app=web
    Annotations:            deployment.kubernetes.io/revision: 2
    Selector:               app=web
    Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable
    StrategyType:           RollingUpdate
    MinReadySeconds:        0
    RollingUpdateStrategy:  25% max unavailable, 25% max surge
    Pod Template:
      Labels:  app=web
      Containers:
       nginx:
        Image:         nginx:1.25
        Port:          80/TCP
        Host Port:     0/TCP
        Environment:   <none>
        Mounts:        <none>
      Volumes:         <none>
      Node-Selectors:  <none>
      Tolerations:     <none>
    Conditions:
      Type           Status  Reason
      ----           ------  ------
      Available      True    MinimumReplicasAvailable
      Progressing    True    NewReplicaSetAvailable
    OldReplicaSets:  <none>
    NewReplicaSet:   web-5d4f (3/3 replicas created)
    Events:          <none>
    "
  `);
    expect(describeObject(rs, { pods: [pod], events: [] }, ctx)).toMatchInlineSnapshot(`
    "Name:           web-5d4f
    Namespace:      default
    Selector:       app=web,pod-template-hash=5d4f
    Labels:         app=web
                    pod-template-hash=5d4f
    Annotations:    <none>
    Controlled By:  Deployment/web
    Replicas:       3 current / 3 desired
    Pods Status:    1 Running / 0 Waiting / 0 Succeeded / 0 Failed
    Pod Template:
      Labels:  app=web
               pod-template-hash=5d4f
      Containers:
       nginx:
        Image:         nginx:1.25
        Port:          80/TCP
        Host Port:     0/TCP
        Environment:   <none>
        Mounts:        <none>
      Volumes:         <none>
      Node-Selectors:  <none>
      Tolerations:     <none>
    Events:            <none>
    "
  `);
    const node: Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: 'kl-worker',
        creationTimestamp: '2024-05-01T10:00:00Z',
        labels: { 'kubernetes.io/hostname': 'kl-worker', 'kubernetes.io/os': 'linux' },
      },
      spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] },
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
            lastHeartbeatTime: '2024-05-01T11:59:50Z',
            lastTransitionTime: '2024-05-01T10:00:05Z',
          },
        ],
        addresses: [
          { type: 'InternalIP', address: '172.30.0.3' },
          { type: 'Hostname', address: 'kl-worker' },
        ],
        capacity: { pods: '110', cpu: '2', memory: '4026532Ki' },
        nodeInfo: {
          kubeletVersion: 'v1.30.0-kubelab',
          osImage: 'Debian',
          kernelVersion: '6.1',
          containerRuntimeVersion: 'docker://27',
          operatingSystem: 'linux',
          architecture: 'amd64',
        },
      },
    };
    expect(describeObject(node, { pods: [pod], events: [] }, ctx)).toMatchInlineSnapshot(`
    "Name:               kl-worker
    Roles:              <none>
    Labels:             kubernetes.io/hostname=kl-worker
                        kubernetes.io/os=linux
    Annotations:        <none>
    CreationTimestamp:  Wed, 01 May 2024 10:00:00 +0000
    Taints:             <none>
    Unschedulable:      false
    Conditions:
      Type    Status  LastHeartbeatTime                 LastTransitionTime                Reason         Message
      ----    ------  -----------------                 ------------------                ------         -------
      Ready   True    Wed, 01 May 2024 11:59:50 +0000   Wed, 01 May 2024 10:00:05 +0000   KubeletReady   kubelet is posting ready status
    Addresses:
      InternalIP:  172.30.0.3
      Hostname:    kl-worker
    Capacity:
      cpu:     2
      memory:  4026532Ki
      pods:    110
    System Info:
      Machine ID:                 
      System UUID:                
      Boot ID:                    
      Kernel Version:             6.1
      OS Image:                   Debian
      Operating System:           linux
      Architecture:               amd64
      Container Runtime Version:  docker://27
      Kubelet Version:            v1.30.0-kubelab
      Kube-Proxy Version:         
    PodCIDR:                      10.244.1.0/24
    PodCIDRs:                     10.244.1.0/24
    Non-terminated Pods:          (1 in total)
      Namespace                   Name     Age
      ---------                   ----     ---
      default                     web-abc  5m
    Events:                       <none>
    "
  `);
  });

  it('namespace, configmap and secret', () => {
    expect(
      describeObject(
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: 'dev', labels: { 'kubernetes.io/metadata.name': 'dev' } },
          status: { phase: 'Active' },
        },
        {},
        ctx,
      ),
    ).toMatchInlineSnapshot(`
      "Name:         dev
      Labels:       kubernetes.io/metadata.name=dev
      Annotations:  <none>
      Status:       Active

      No resource quota.

      No LimitRange resource.
      "
    `);
    expect(
      describeObject(
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'conf', namespace: 'default' }, data: { 'app.conf': 'x=1' } },
        { events: [] },
        ctx,
      ),
    ).toMatchInlineSnapshot(`
      "Name:         conf
      Namespace:    default
      Labels:       <none>
      Annotations:  <none>

      Data
      ====
      app.conf:
      ----
      x=1


      BinaryData
      ====

      Events:  <none>
      "
    `);
    expect(
      describeObject(
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'creds', namespace: 'default' },
          type: 'Opaque',
          data: { pw: 'aHVudGVyMg==' },
        },
        { events: [] },
        ctx,
      ),
    ).toMatchInlineSnapshot(`
      "Name:         creds
      Namespace:    default
      Labels:       <none>
      Annotations:  <none>

      Type:  Opaque

      Data
      ====
      pw:  7 bytes
      "
    `);
  });
});

describe('rfc1123z', () => {
  it('formats like Go time.RFC1123Z in the given zone', () => {
    expect(rfc1123z('2024-05-01T23:30:00Z', { utcOffsetMinutes: 120 })).toBe('Thu, 02 May 2024 01:30:00 +0200');
    expect(rfc1123z('2024-05-01T00:30:00Z', { utcOffsetMinutes: -330 })).toBe('Tue, 30 Apr 2024 19:00:00 -0530');
    expect(rfc1123z(undefined)).toBe('<unknown>');
  });
});

describe('describe node: its Lease', () => {
  const node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'w1', creationTimestamp: '2024-05-01T11:00:00Z' },
    spec: {},
    status: {},
  } as unknown as Node;

  it("shows the holder and renew time as kubectl's describeNode, <unset> for a missing time", () => {
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'w1' },
      spec: { holderIdentity: 'w1', renewTime: '2024-05-01T11:59:50.000000Z' },
    };
    const out = describeObject(node, { lease }, ctx);
    expect(out).toMatch(
      /Lease:\n {2}HolderIdentity:\s+w1\n {2}AcquireTime:\s+<unset>\n {2}RenewTime:\s+Wed, 01 May 2024 11:59:50 \+0000\n/,
    );
  });

  it('says when there is none', () => {
    expect(describeObject(node, { lease: null }, ctx)).toContain(
      'Lease:              Failed to get lease: leases.coordination.k8s.io "w1" not found',
    );
  });
});
