// Generated from k8s.io/api and k8s.io/apimachinery generated.proto (the messages reachable from the kinds
// kubelab serves): per message, its fields as `jsonName:number:type[:repeated|:map:keyType|:ptr|:inline]`;
// `ptr` marks a Go pointer field (its zero value is meaningful: replicas 0), `inline` an embedded struct whose
// fields JSON puts in the parent (Probe's handler, Volume's volumeSource). Regenerate rather than edit by hand.
export const kubeProtoSchema: Record<string, string> = {
  'apps.Deployment': 'metadata:1:meta.ObjectMeta spec:2:apps.DeploymentSpec status:3:apps.DeploymentStatus',
  'apps.DeploymentCondition':
    'type:1:string status:2:string lastUpdateTime:6:meta.Time lastTransitionTime:7:meta.Time reason:4:string message:5:string',
  'apps.DeploymentSpec':
    'replicas:1:int32:ptr selector:2:meta.LabelSelector:ptr template:3:core.PodTemplateSpec strategy:4:apps.DeploymentStrategy minReadySeconds:5:int32 revisionHistoryLimit:6:int32:ptr paused:7:bool progressDeadlineSeconds:9:int32:ptr',
  'apps.DeploymentStatus':
    'observedGeneration:1:int64 replicas:2:int32 updatedReplicas:3:int32 readyReplicas:7:int32 availableReplicas:4:int32 unavailableReplicas:5:int32 terminatingReplicas:9:int32:ptr conditions:6:apps.DeploymentCondition:repeated collisionCount:8:int32:ptr',
  'apps.DeploymentStrategy': 'type:1:string rollingUpdate:2:apps.RollingUpdateDeployment:ptr',
  'apps.ReplicaSet': 'metadata:1:meta.ObjectMeta spec:2:apps.ReplicaSetSpec status:3:apps.ReplicaSetStatus',
  'apps.ReplicaSetCondition': 'type:1:string status:2:string lastTransitionTime:3:meta.Time reason:4:string message:5:string',
  'apps.ReplicaSetSpec': 'replicas:1:int32:ptr minReadySeconds:4:int32 selector:2:meta.LabelSelector:ptr template:3:core.PodTemplateSpec',
  'apps.ReplicaSetStatus':
    'replicas:1:int32 fullyLabeledReplicas:2:int32 readyReplicas:4:int32 availableReplicas:5:int32 terminatingReplicas:7:int32:ptr observedGeneration:3:int64 conditions:6:apps.ReplicaSetCondition:repeated',
  'apps.RollingUpdateDeployment': 'maxUnavailable:1:intstr.IntOrString:ptr maxSurge:2:intstr.IntOrString:ptr',
  'autoscaling.Scale': 'metadata:1:meta.ObjectMeta spec:2:autoscaling.ScaleSpec status:3:autoscaling.ScaleStatus',
  'autoscaling.ScaleSpec': 'replicas:1:int32',
  'autoscaling.ScaleStatus': 'replicas:1:int32 selector:2:string',
  'core.AWSElasticBlockStoreVolumeSource': 'volumeID:1:string fsType:2:string partition:3:int32 readOnly:4:bool',
  'core.Affinity': 'nodeAffinity:1:core.NodeAffinity:ptr podAffinity:2:core.PodAffinity:ptr podAntiAffinity:3:core.PodAntiAffinity:ptr',
  'core.AppArmorProfile': 'type:1:string localhostProfile:2:string:ptr',
  'core.AttachedVolume': 'name:1:string devicePath:2:string',
  'core.AzureDiskVolumeSource':
    'diskName:1:string diskURI:2:string cachingMode:3:string:ptr fsType:4:string:ptr readOnly:5:bool:ptr kind:6:string:ptr',
  'core.AzureFileVolumeSource': 'secretName:1:string shareName:2:string readOnly:3:bool',
  'core.CSIVolumeSource':
    'driver:1:string readOnly:2:bool:ptr fsType:3:string:ptr volumeAttributes:4:string:map:string nodePublishSecretRef:5:core.LocalObjectReference:ptr',
  'core.Capabilities': 'add:1:string:repeated drop:2:string:repeated',
  'core.CephFSVolumeSource':
    'monitors:1:string:repeated path:2:string user:3:string secretFile:4:string secretRef:5:core.LocalObjectReference:ptr readOnly:6:bool',
  'core.CinderVolumeSource': 'volumeID:1:string fsType:2:string readOnly:3:bool secretRef:4:core.LocalObjectReference:ptr',
  'core.ClientIPConfig': 'timeoutSeconds:1:int32:ptr',
  'core.ClusterTrustBundleProjection':
    'name:1:string:ptr signerName:2:string:ptr labelSelector:3:meta.LabelSelector:ptr optional:5:bool:ptr path:4:string user:6:int64:ptr',
  'core.ConfigMap': 'metadata:1:meta.ObjectMeta immutable:4:bool:ptr data:2:string:map:string binaryData:3:bytes:map:string',
  'core.ConfigMapEnvSource': 'localObjectReference:1:core.LocalObjectReference:inline optional:2:bool:ptr',
  'core.ConfigMapKeySelector': 'localObjectReference:1:core.LocalObjectReference:inline key:2:string optional:3:bool:ptr',
  'core.ConfigMapNodeConfigSource': 'namespace:1:string name:2:string uid:3:string resourceVersion:4:string kubeletConfigKey:5:string',
  'core.ConfigMapProjection': 'localObjectReference:1:core.LocalObjectReference:inline items:2:core.KeyToPath:repeated optional:4:bool:ptr',
  'core.ConfigMapVolumeSource':
    'localObjectReference:1:core.LocalObjectReference:inline items:2:core.KeyToPath:repeated defaultMode:3:int32:ptr optional:4:bool:ptr defaultUser:5:int64:ptr',
  'core.Container':
    'name:1:string image:2:string command:3:string:repeated args:4:string:repeated workingDir:5:string ports:6:core.ContainerPort:repeated envFrom:19:core.EnvFromSource:repeated env:7:core.EnvVar:repeated resources:8:core.ResourceRequirements resizePolicy:23:core.ContainerResizePolicy:repeated restartPolicy:24:string:ptr restartPolicyRules:25:core.ContainerRestartRule:repeated volumeMounts:9:core.VolumeMount:repeated volumeDevices:21:core.VolumeDevice:repeated livenessProbe:10:core.Probe:ptr readinessProbe:11:core.Probe:ptr startupProbe:22:core.Probe:ptr lifecycle:12:core.Lifecycle:ptr terminationMessagePath:13:string terminationMessagePolicy:20:string imagePullPolicy:14:string securityContext:15:core.SecurityContext:ptr stdin:16:bool stdinOnce:17:bool tty:18:bool',
  'core.ContainerExtendedResourceRequest': 'containerName:1:string resourceName:2:string requestName:3:string',
  'core.ContainerImage': 'names:1:string:repeated sizeBytes:2:int64',
  'core.ContainerPort': 'name:1:string hostPort:2:int32 containerPort:3:int32 protocol:4:string hostIP:5:string',
  'core.ContainerResizePolicy': 'resourceName:1:string restartPolicy:2:string',
  'core.ContainerRestartRule': 'action:1:string exitCodes:2:core.ContainerRestartRuleOnExitCodes:ptr',
  'core.ContainerRestartRuleOnExitCodes': 'operator:1:string values:2:int32:repeated',
  'core.ContainerState':
    'waiting:1:core.ContainerStateWaiting:ptr running:2:core.ContainerStateRunning:ptr terminated:3:core.ContainerStateTerminated:ptr',
  'core.ContainerStateRunning': 'startedAt:1:meta.Time',
  'core.ContainerStateTerminated':
    'exitCode:1:int32 signal:2:int32 reason:3:string message:4:string startedAt:5:meta.Time finishedAt:6:meta.Time containerID:7:string',
  'core.ContainerStateWaiting': 'reason:1:string message:2:string',
  'core.ContainerStatus':
    'name:1:string state:2:core.ContainerState lastState:3:core.ContainerState ready:4:bool restartCount:5:int32 image:6:string imageID:7:string containerID:8:string started:9:bool:ptr allocatedResources:10:resource.Quantity:map:string resources:11:core.ResourceRequirements:ptr volumeMounts:12:core.VolumeMountStatus:repeated user:13:core.ContainerUser:ptr allocatedResourcesStatus:14:core.ResourceStatus:repeated stopSignal:15:string:ptr',
  'core.ContainerUser': 'linux:1:core.LinuxContainerUser:ptr',
  'core.DaemonEndpoint': 'Port:1:int32',
  'core.DownwardAPIProjection': 'items:1:core.DownwardAPIVolumeFile:repeated',
  'core.DownwardAPIVolumeFile':
    'path:1:string fieldRef:2:core.ObjectFieldSelector:ptr resourceFieldRef:3:core.ResourceFieldSelector:ptr mode:4:int32:ptr user:5:int64:ptr',
  'core.DownwardAPIVolumeSource': 'items:1:core.DownwardAPIVolumeFile:repeated defaultMode:2:int32:ptr defaultUser:3:int64:ptr',
  'core.EmptyDirVolumeSource': 'medium:1:string sizeLimit:2:resource.Quantity:ptr mode:3:int32:ptr',
  'core.EndpointAddress': 'ip:1:string hostname:3:string nodeName:4:string:ptr targetRef:2:core.ObjectReference:ptr',
  'core.EndpointPort': 'name:1:string port:2:int32 protocol:3:string appProtocol:4:string:ptr',
  'core.EndpointSubset':
    'addresses:1:core.EndpointAddress:repeated notReadyAddresses:2:core.EndpointAddress:repeated ports:3:core.EndpointPort:repeated',
  'core.Endpoints': 'metadata:1:meta.ObjectMeta subsets:2:core.EndpointSubset:repeated',
  'core.EnvFromSource': 'prefix:1:string configMapRef:2:core.ConfigMapEnvSource:ptr secretRef:3:core.SecretEnvSource:ptr',
  'core.EnvVar': 'name:1:string value:2:string valueFrom:3:core.EnvVarSource:ptr',
  'core.EnvVarSource':
    'fieldRef:1:core.ObjectFieldSelector:ptr resourceFieldRef:2:core.ResourceFieldSelector:ptr configMapKeyRef:3:core.ConfigMapKeySelector:ptr secretKeyRef:4:core.SecretKeySelector:ptr fileKeyRef:5:core.FileKeySelector:ptr',
  'core.EphemeralContainer': 'ephemeralContainerCommon:1:core.EphemeralContainerCommon:inline targetContainerName:2:string',
  'core.EphemeralContainerCommon':
    'name:1:string image:2:string command:3:string:repeated args:4:string:repeated workingDir:5:string ports:6:core.ContainerPort:repeated envFrom:19:core.EnvFromSource:repeated env:7:core.EnvVar:repeated resources:8:core.ResourceRequirements resizePolicy:23:core.ContainerResizePolicy:repeated restartPolicy:24:string:ptr restartPolicyRules:25:core.ContainerRestartRule:repeated volumeMounts:9:core.VolumeMount:repeated volumeDevices:21:core.VolumeDevice:repeated livenessProbe:10:core.Probe:ptr readinessProbe:11:core.Probe:ptr startupProbe:22:core.Probe:ptr lifecycle:12:core.Lifecycle:ptr terminationMessagePath:13:string terminationMessagePolicy:20:string imagePullPolicy:14:string securityContext:15:core.SecurityContext:ptr stdin:16:bool stdinOnce:17:bool tty:18:bool',
  'core.EphemeralVolumeSource': 'volumeClaimTemplate:1:core.PersistentVolumeClaimTemplate:ptr',
  'core.Event':
    'metadata:1:meta.ObjectMeta involvedObject:2:core.ObjectReference reason:3:string message:4:string source:5:core.EventSource firstTimestamp:6:meta.Time lastTimestamp:7:meta.Time count:8:int32 type:9:string eventTime:10:meta.MicroTime series:11:core.EventSeries:ptr action:12:string related:13:core.ObjectReference:ptr reportingComponent:14:string reportingInstance:15:string',
  'core.EventSeries': 'count:1:int32 lastObservedTime:2:meta.MicroTime',
  'core.EventSource': 'component:1:string host:2:string',
  'core.EvictionResponder': 'name:1:string priority:2:int32:ptr',
  'core.ExecAction': 'command:1:string:repeated',
  'core.FCVolumeSource': 'targetWWNs:1:string:repeated lun:2:int32:ptr fsType:3:string readOnly:4:bool wwids:5:string:repeated',
  'core.FileKeySelector': 'volumeName:1:string path:2:string key:3:string optional:4:bool:ptr',
  'core.FlexVolumeSource':
    'driver:1:string fsType:2:string secretRef:3:core.LocalObjectReference:ptr readOnly:4:bool options:5:string:map:string',
  'core.FlockerVolumeSource': 'datasetName:1:string datasetUUID:2:string',
  'core.GCEPersistentDiskVolumeSource': 'pdName:1:string fsType:2:string partition:3:int32 readOnly:4:bool',
  'core.GRPCAction': 'port:1:int32 service:2:string:ptr mode:3:string:ptr',
  'core.GitRepoVolumeSource': 'repository:1:string revision:2:string directory:3:string',
  'core.GlusterfsVolumeSource': 'endpoints:1:string path:2:string readOnly:3:bool',
  'core.HTTPGetAction':
    'path:1:string port:2:intstr.IntOrString host:3:string scheme:4:string httpHeaders:5:core.HTTPHeader:repeated protocol:6:string:ptr',
  'core.HTTPHeader': 'name:1:string value:2:string',
  'core.HostAlias': 'ip:1:string hostnames:2:string:repeated',
  'core.HostIP': 'ip:1:string',
  'core.HostPathVolumeSource': 'path:1:string type:2:string:ptr',
  'core.ISCSIVolumeSource':
    'targetPortal:1:string iqn:2:string lun:3:int32 iscsiInterface:4:string fsType:5:string readOnly:6:bool portals:7:string:repeated chapAuthDiscovery:8:bool chapAuthSession:11:bool secretRef:10:core.LocalObjectReference:ptr initiatorName:12:string:ptr',
  'core.ImageVolumeSource': 'reference:1:string pullPolicy:2:string',
  'core.ImageVolumeStatus': 'imageRef:1:string',
  'core.KeyToPath': 'key:1:string path:2:string mode:3:int32:ptr user:4:int64:ptr',
  'core.Lifecycle': 'postStart:1:core.LifecycleHandler:ptr preStop:2:core.LifecycleHandler:ptr stopSignal:3:string:ptr',
  'core.LifecycleHandler':
    'exec:1:core.ExecAction:ptr httpGet:2:core.HTTPGetAction:ptr tcpSocket:3:core.TCPSocketAction:ptr sleep:4:core.SleepAction:ptr',
  'core.LinuxContainerUser': 'uid:1:int64 gid:2:int64 supplementalGroups:3:int64:repeated',
  'core.LoadBalancerIngress': 'ip:1:string hostname:2:string ipMode:3:string:ptr ports:4:core.PortStatus:repeated',
  'core.LoadBalancerStatus': 'ingress:1:core.LoadBalancerIngress:repeated',
  'core.LocalObjectReference': 'name:1:string',
  'core.NFSVolumeSource': 'server:1:string path:2:string readOnly:3:bool',
  'core.Namespace': 'metadata:1:meta.ObjectMeta spec:2:core.NamespaceSpec status:3:core.NamespaceStatus',
  'core.NamespaceCondition': 'type:1:string status:2:string lastTransitionTime:4:meta.Time reason:5:string message:6:string',
  'core.NamespaceSpec': 'finalizers:1:string:repeated',
  'core.NamespaceStatus': 'phase:1:string conditions:2:core.NamespaceCondition:repeated',
  'core.Node': 'metadata:1:meta.ObjectMeta spec:2:core.NodeSpec status:3:core.NodeStatus',
  'core.NodeAddress': 'type:1:string address:2:string',
  'core.NodeAffinity':
    'requiredDuringSchedulingIgnoredDuringExecution:1:core.NodeSelector:ptr preferredDuringSchedulingIgnoredDuringExecution:2:core.PreferredSchedulingTerm:repeated',
  'core.NodeAllocatableMappedResources': 'name:1:string quantity:2:resource.Quantity:ptr',
  'core.NodeAllocatableOverheadResources': 'name:1:string perPod:2:resource.Quantity:ptr perContainer:3:resource.Quantity:ptr',
  'core.NodeAllocatableResourceClaimStatus':
    'resourceClaimName:1:string containers:2:string:repeated mapping:4:core.NodeAllocatableMappedResources:repeated overhead:5:core.NodeAllocatableOverheadResources:repeated',
  'core.NodeCondition':
    'type:1:string status:2:string lastHeartbeatTime:3:meta.Time lastTransitionTime:4:meta.Time reason:5:string message:6:string',
  'core.NodeConfigSource': 'configMap:2:core.ConfigMapNodeConfigSource:ptr',
  'core.NodeConfigStatus':
    'assigned:1:core.NodeConfigSource:ptr active:2:core.NodeConfigSource:ptr lastKnownGood:3:core.NodeConfigSource:ptr error:4:string',
  'core.NodeDaemonEndpoints': 'kubeletEndpoint:1:core.DaemonEndpoint',
  'core.NodeFeatures': 'supplementalGroupsPolicy:1:bool:ptr',
  'core.NodePodPreemptionPolicy': 'disableResizePreemption:1:string:repeated',
  'core.NodeRuntimeHandler': 'name:1:string features:2:core.NodeRuntimeHandlerFeatures:ptr',
  'core.NodeRuntimeHandlerFeatures': 'recursiveReadOnlyMounts:1:bool:ptr userNamespaces:2:bool:ptr',
  'core.NodeSelector': 'nodeSelectorTerms:1:core.NodeSelectorTerm:repeated',
  'core.NodeSelectorRequirement': 'key:1:string operator:2:string values:3:string:repeated',
  'core.NodeSelectorTerm': 'matchExpressions:1:core.NodeSelectorRequirement:repeated matchFields:2:core.NodeSelectorRequirement:repeated',
  'core.NodeSpec':
    'podCIDR:1:string podCIDRs:7:string:repeated providerID:3:string unschedulable:4:bool taints:5:core.Taint:repeated configSource:6:core.NodeConfigSource:ptr externalID:2:string podPreemptionPolicy:8:core.NodePodPreemptionPolicy:ptr',
  'core.NodeStatus':
    'capacity:1:resource.Quantity:map:string allocatable:2:resource.Quantity:map:string phase:3:string conditions:4:core.NodeCondition:repeated addresses:5:core.NodeAddress:repeated daemonEndpoints:6:core.NodeDaemonEndpoints nodeInfo:7:core.NodeSystemInfo images:8:core.ContainerImage:repeated volumesInUse:9:string:repeated volumesAttached:10:core.AttachedVolume:repeated config:11:core.NodeConfigStatus:ptr runtimeHandlers:12:core.NodeRuntimeHandler:repeated features:13:core.NodeFeatures:ptr declaredFeatures:14:string:repeated',
  'core.NodeSwapStatus': 'capacity:1:int64:ptr',
  'core.NodeSystemInfo':
    'machineID:1:string systemUUID:2:string bootID:3:string kernelVersion:4:string osImage:5:string containerRuntimeVersion:6:string kubeletVersion:7:string kubeProxyVersion:8:string operatingSystem:9:string architecture:10:string swap:11:core.NodeSwapStatus:ptr',
  'core.ObjectFieldSelector': 'apiVersion:1:string fieldPath:2:string',
  'core.ObjectReference':
    'kind:1:string namespace:2:string name:3:string uid:4:string apiVersion:5:string resourceVersion:6:string fieldPath:7:string',
  'core.PersistentVolumeClaimSpec':
    'accessModes:1:string:repeated selector:4:meta.LabelSelector:ptr resources:2:core.VolumeResourceRequirements volumeName:3:string storageClassName:5:string:ptr volumeMode:6:string:ptr dataSource:7:core.TypedLocalObjectReference:ptr dataSourceRef:8:core.TypedObjectReference:ptr volumeAttributesClassName:9:string:ptr',
  'core.PersistentVolumeClaimTemplate': 'metadata:1:meta.ObjectMeta spec:2:core.PersistentVolumeClaimSpec',
  'core.PersistentVolumeClaimVolumeSource': 'claimName:1:string readOnly:2:bool',
  'core.PhotonPersistentDiskVolumeSource': 'pdID:1:string fsType:2:string',
  'core.Pod': 'metadata:1:meta.ObjectMeta spec:2:core.PodSpec status:3:core.PodStatus',
  'core.PodAffinity':
    'requiredDuringSchedulingIgnoredDuringExecution:1:core.PodAffinityTerm:repeated preferredDuringSchedulingIgnoredDuringExecution:2:core.WeightedPodAffinityTerm:repeated',
  'core.PodAffinityTerm':
    'labelSelector:1:meta.LabelSelector:ptr namespaces:2:string:repeated topologyKey:3:string namespaceSelector:4:meta.LabelSelector:ptr matchLabelKeys:5:string:repeated mismatchLabelKeys:6:string:repeated',
  'core.PodAntiAffinity':
    'requiredDuringSchedulingIgnoredDuringExecution:1:core.PodAffinityTerm:repeated preferredDuringSchedulingIgnoredDuringExecution:2:core.WeightedPodAffinityTerm:repeated',
  'core.PodCertificateProjection':
    'signerName:1:string keyType:2:string maxExpirationSeconds:3:int32:ptr credentialBundlePath:4:string keyPath:5:string certificateChainPath:6:string userAnnotations:7:string:map:string user:8:int64:ptr',
  'core.PodCondition':
    'type:1:string observedGeneration:7:int64 status:2:string lastProbeTime:3:meta.Time lastTransitionTime:4:meta.Time reason:5:string message:6:string',
  'core.PodDNSConfig': 'nameservers:1:string:repeated searches:2:string:repeated options:3:core.PodDNSConfigOption:repeated',
  'core.PodDNSConfigOption': 'name:1:string value:2:string:ptr',
  'core.PodExtendedResourceClaimStatus': 'requestMappings:1:core.ContainerExtendedResourceRequest:repeated resourceClaimName:2:string',
  'core.PodIP': 'ip:1:string',
  'core.PodOS': 'name:1:string',
  'core.PodReadinessGate': 'conditionType:1:string',
  'core.PodResourceClaim': 'name:1:string resourceClaimName:3:string:ptr resourceClaimTemplateName:4:string:ptr',
  'core.PodResourceClaimStatus': 'name:1:string resourceClaimName:2:string:ptr',
  'core.PodSchedulingGate': 'name:1:string',
  'core.PodSchedulingGroup': 'podGroupName:1:string:ptr',
  'core.PodSecurityContext':
    'seLinuxOptions:1:core.SELinuxOptions:ptr windowsOptions:8:core.WindowsSecurityContextOptions:ptr runAsUser:2:int64:ptr runAsGroup:6:int64:ptr runAsNonRoot:3:bool:ptr supplementalGroups:4:int64:repeated supplementalGroupsPolicy:12:string:ptr fsGroup:5:int64:ptr sysctls:7:core.Sysctl:repeated fsGroupChangePolicy:9:string:ptr seccompProfile:10:core.SeccompProfile:ptr appArmorProfile:11:core.AppArmorProfile:ptr seLinuxChangePolicy:13:string:ptr',
  'core.PodSpec':
    'volumes:1:core.Volume:repeated initContainers:20:core.Container:repeated containers:2:core.Container:repeated ephemeralContainers:34:core.EphemeralContainer:repeated restartPolicy:3:string terminationGracePeriodSeconds:4:int64:ptr activeDeadlineSeconds:5:int64:ptr dnsPolicy:6:string nodeSelector:7:string:map:string serviceAccountName:8:string serviceAccount:9:string automountServiceAccountToken:21:bool:ptr nodeName:10:string hostNetwork:11:bool hostPID:12:bool hostIPC:13:bool shareProcessNamespace:27:bool:ptr securityContext:14:core.PodSecurityContext:ptr imagePullSecrets:15:core.LocalObjectReference:repeated hostname:16:string subdomain:17:string affinity:18:core.Affinity:ptr schedulerName:19:string tolerations:22:core.Toleration:repeated hostAliases:23:core.HostAlias:repeated priorityClassName:24:string priority:25:int32:ptr dnsConfig:26:core.PodDNSConfig:ptr readinessGates:28:core.PodReadinessGate:repeated runtimeClassName:29:string:ptr enableServiceLinks:30:bool:ptr preemptionPolicy:31:string:ptr overhead:32:resource.Quantity:map:string topologySpreadConstraints:33:core.TopologySpreadConstraint:repeated setHostnameAsFQDN:35:bool:ptr os:36:core.PodOS:ptr hostUsers:37:bool:ptr schedulingGates:38:core.PodSchedulingGate:repeated resourceClaims:39:core.PodResourceClaim:repeated resources:40:core.ResourceRequirements:ptr hostnameOverride:41:string:ptr schedulingGroup:43:core.PodSchedulingGroup:ptr evictionResponders:44:core.EvictionResponder:repeated',
  'core.PodStatus':
    'observedGeneration:17:int64 phase:1:string conditions:2:core.PodCondition:repeated message:3:string reason:4:string nominatedNodeName:11:string hostIP:5:string hostIPs:16:core.HostIP:repeated podIP:6:string podIPs:12:core.PodIP:repeated startTime:7:meta.Time:ptr initContainerStatuses:10:core.ContainerStatus:repeated containerStatuses:8:core.ContainerStatus:repeated qosClass:9:string ephemeralContainerStatuses:13:core.ContainerStatus:repeated resize:14:string resourceClaimStatuses:15:core.PodResourceClaimStatus:repeated extendedResourceClaimStatus:18:core.PodExtendedResourceClaimStatus:ptr allocatedResources:19:resource.Quantity:map:string resources:20:core.ResourceRequirements:ptr nodeAllocatableResourceClaimStatuses:21:core.NodeAllocatableResourceClaimStatus:repeated volumeHealth:22:core.PodVolumeHealth:repeated',
  'core.PodTemplateSpec': 'metadata:1:meta.ObjectMeta spec:2:core.PodSpec',
  'core.PodVolumeHealth': 'name:1:string healthConditions:2:core.VolumeHealthCondition:repeated lastTransitionTime:3:meta.Time',
  'core.PortStatus': 'port:1:int32 protocol:2:string error:3:string:ptr',
  'core.PortworxVolumeSource': 'volumeID:1:string fsType:2:string readOnly:3:bool',
  'core.PreferredSchedulingTerm': 'weight:1:int32 preference:2:core.NodeSelectorTerm',
  'core.Probe':
    'handler:1:core.ProbeHandler:inline initialDelaySeconds:2:int32 timeoutSeconds:3:int32 periodSeconds:4:int32 successThreshold:5:int32 failureThreshold:6:int32 terminationGracePeriodSeconds:7:int64:ptr',
  'core.ProbeHandler':
    'exec:1:core.ExecAction:ptr httpGet:2:core.HTTPGetAction:ptr tcpSocket:3:core.TCPSocketAction:ptr grpc:4:core.GRPCAction:ptr',
  'core.ProjectedVolumeSource': 'sources:1:core.VolumeProjection:repeated defaultMode:2:int32:ptr defaultUser:3:int64:ptr',
  'core.QuobyteVolumeSource': 'registry:1:string volume:2:string readOnly:3:bool user:4:string group:5:string tenant:6:string',
  'core.RBDVolumeSource':
    'monitors:1:string:repeated image:2:string fsType:3:string pool:4:string user:5:string keyring:6:string secretRef:7:core.LocalObjectReference:ptr readOnly:8:bool',
  'core.ResourceClaim': 'name:1:string request:2:string',
  'core.ResourceFieldSelector': 'containerName:1:string resource:2:string divisor:3:resource.Quantity',
  'core.ResourceHealth': 'resourceID:1:string health:2:string message:6:string:ptr',
  'core.ResourceRequirements':
    'limits:1:resource.Quantity:map:string requests:2:resource.Quantity:map:string claims:3:core.ResourceClaim:repeated',
  'core.ResourceStatus': 'name:1:string resources:2:core.ResourceHealth:repeated',
  'core.SELinuxOptions': 'user:1:string role:2:string type:3:string level:4:string',
  'core.ScaleIOVolumeSource':
    'gateway:1:string system:2:string secretRef:3:core.LocalObjectReference:ptr sslEnabled:4:bool protectionDomain:5:string storagePool:6:string storageMode:7:string volumeName:8:string fsType:9:string readOnly:10:bool',
  'core.SeccompProfile': 'type:1:string localhostProfile:2:string:ptr',
  'core.Secret': 'metadata:1:meta.ObjectMeta immutable:5:bool:ptr data:2:bytes:map:string stringData:4:string:map:string type:3:string',
  'core.SecretEnvSource': 'localObjectReference:1:core.LocalObjectReference:inline optional:2:bool:ptr',
  'core.SecretKeySelector': 'localObjectReference:1:core.LocalObjectReference:inline key:2:string optional:3:bool:ptr',
  'core.SecretProjection': 'localObjectReference:1:core.LocalObjectReference:inline items:2:core.KeyToPath:repeated optional:4:bool:ptr',
  'core.SecretVolumeSource':
    'secretName:1:string items:2:core.KeyToPath:repeated defaultMode:3:int32:ptr optional:4:bool:ptr defaultUser:5:int64:ptr',
  'core.SecurityContext':
    'capabilities:1:core.Capabilities:ptr privileged:2:bool:ptr seLinuxOptions:3:core.SELinuxOptions:ptr windowsOptions:10:core.WindowsSecurityContextOptions:ptr runAsUser:4:int64:ptr runAsGroup:8:int64:ptr runAsNonRoot:5:bool:ptr readOnlyRootFilesystem:6:bool:ptr allowPrivilegeEscalation:7:bool:ptr procMount:9:string:ptr seccompProfile:11:core.SeccompProfile:ptr appArmorProfile:12:core.AppArmorProfile:ptr',
  'core.Service': 'metadata:1:meta.ObjectMeta spec:2:core.ServiceSpec status:3:core.ServiceStatus',
  'core.ServiceAccountTokenProjection': 'audience:1:string expirationSeconds:2:int64:ptr path:3:string user:4:int64:ptr',
  'core.ServicePort':
    'name:1:string protocol:2:string appProtocol:6:string:ptr port:3:int32 targetPort:4:intstr.IntOrString nodePort:5:int32',
  'core.ServiceSpec':
    'ports:1:core.ServicePort:repeated selector:2:string:map:string clusterIP:3:string clusterIPs:18:string:repeated type:4:string externalIPs:5:string:repeated sessionAffinity:7:string loadBalancerIP:8:string loadBalancerSourceRanges:9:string:repeated externalName:10:string externalTrafficPolicy:11:string healthCheckNodePort:12:int32 publishNotReadyAddresses:13:bool sessionAffinityConfig:14:core.SessionAffinityConfig:ptr ipFamilies:19:string:repeated ipFamilyPolicy:17:string:ptr allocateLoadBalancerNodePorts:20:bool:ptr loadBalancerClass:21:string:ptr internalTrafficPolicy:22:string:ptr trafficDistribution:23:string:ptr',
  'core.ServiceStatus': 'loadBalancer:1:core.LoadBalancerStatus conditions:2:meta.Condition:repeated',
  'core.SessionAffinityConfig': 'clientIP:1:core.ClientIPConfig:ptr',
  'core.SleepAction': 'seconds:1:int64',
  'core.StorageOSVolumeSource':
    'volumeName:1:string volumeNamespace:2:string fsType:3:string readOnly:4:bool secretRef:5:core.LocalObjectReference:ptr',
  'core.Sysctl': 'name:1:string value:2:string',
  'core.TCPSocketAction': 'port:1:intstr.IntOrString host:2:string',
  'core.Taint': 'key:1:string value:2:string effect:3:string timeAdded:4:meta.Time:ptr',
  'core.Toleration': 'key:1:string operator:2:string value:3:string effect:4:string tolerationSeconds:5:int64:ptr',
  'core.TopologySpreadConstraint':
    'maxSkew:1:int32 topologyKey:2:string whenUnsatisfiable:3:string labelSelector:4:meta.LabelSelector:ptr minDomains:5:int32:ptr nodeAffinityPolicy:6:string:ptr nodeTaintsPolicy:7:string:ptr matchLabelKeys:8:string:repeated',
  'core.TypedLocalObjectReference': 'apiGroup:1:string:ptr kind:2:string name:3:string',
  'core.TypedObjectReference': 'apiGroup:1:string:ptr kind:2:string name:3:string namespace:4:string:ptr',
  'core.Volume': 'name:1:string volumeSource:2:core.VolumeSource:inline',
  'core.VolumeDevice': 'name:1:string devicePath:2:string',
  'core.VolumeHealthCondition': 'status:1:string reason:2:string message:3:string',
  'core.VolumeMount':
    'name:1:string readOnly:2:bool recursiveReadOnly:7:string:ptr mountPath:3:string subPath:4:string mountPropagation:5:string:ptr subPathExpr:6:string bindMountOptions:8:string:repeated',
  'core.VolumeMountStatus':
    'name:1:string mountPath:2:string readOnly:3:bool recursiveReadOnly:4:string:ptr volumeStatus:5:core.VolumeStatus:ptr',
  'core.VolumeProjection':
    'secret:1:core.SecretProjection:ptr downwardAPI:2:core.DownwardAPIProjection:ptr configMap:3:core.ConfigMapProjection:ptr serviceAccountToken:4:core.ServiceAccountTokenProjection:ptr clusterTrustBundle:5:core.ClusterTrustBundleProjection:ptr podCertificate:6:core.PodCertificateProjection:ptr',
  'core.VolumeResourceRequirements': 'limits:1:resource.Quantity:map:string requests:2:resource.Quantity:map:string',
  'core.VolumeSource':
    'hostPath:1:core.HostPathVolumeSource:ptr emptyDir:2:core.EmptyDirVolumeSource:ptr gcePersistentDisk:3:core.GCEPersistentDiskVolumeSource:ptr awsElasticBlockStore:4:core.AWSElasticBlockStoreVolumeSource:ptr gitRepo:5:core.GitRepoVolumeSource:ptr secret:6:core.SecretVolumeSource:ptr nfs:7:core.NFSVolumeSource:ptr iscsi:8:core.ISCSIVolumeSource:ptr glusterfs:9:core.GlusterfsVolumeSource:ptr persistentVolumeClaim:10:core.PersistentVolumeClaimVolumeSource:ptr rbd:11:core.RBDVolumeSource:ptr flexVolume:12:core.FlexVolumeSource:ptr cinder:13:core.CinderVolumeSource:ptr cephfs:14:core.CephFSVolumeSource:ptr flocker:15:core.FlockerVolumeSource:ptr downwardAPI:16:core.DownwardAPIVolumeSource:ptr fc:17:core.FCVolumeSource:ptr azureFile:18:core.AzureFileVolumeSource:ptr configMap:19:core.ConfigMapVolumeSource:ptr vsphereVolume:20:core.VsphereVirtualDiskVolumeSource:ptr quobyte:21:core.QuobyteVolumeSource:ptr azureDisk:22:core.AzureDiskVolumeSource:ptr photonPersistentDisk:23:core.PhotonPersistentDiskVolumeSource:ptr projected:26:core.ProjectedVolumeSource:ptr portworxVolume:24:core.PortworxVolumeSource:ptr scaleIO:25:core.ScaleIOVolumeSource:ptr storageos:27:core.StorageOSVolumeSource:ptr csi:28:core.CSIVolumeSource:ptr ephemeral:29:core.EphemeralVolumeSource:ptr image:30:core.ImageVolumeSource:ptr',
  'core.VolumeStatus': 'image:1:core.ImageVolumeStatus:ptr',
  'core.VsphereVirtualDiskVolumeSource': 'volumePath:1:string fsType:2:string storagePolicyName:3:string storagePolicyID:4:string',
  'core.WeightedPodAffinityTerm': 'weight:1:int32 podAffinityTerm:2:core.PodAffinityTerm',
  'core.WindowsSecurityContextOptions':
    'gmsaCredentialSpecName:1:string:ptr gmsaCredentialSpec:2:string:ptr runAsUserName:3:string:ptr hostProcess:4:bool:ptr',
  'discovery.Endpoint':
    'addresses:1:string:repeated conditions:2:discovery.EndpointConditions hostname:3:string:ptr targetRef:4:core.ObjectReference:ptr deprecatedTopology:5:string:map:string nodeName:6:string:ptr zone:7:string:ptr hints:8:discovery.EndpointHints:ptr',
  'discovery.EndpointConditions': 'ready:1:bool:ptr serving:2:bool:ptr terminating:3:bool:ptr',
  'discovery.EndpointHints': 'forZones:1:discovery.ForZone:repeated forNodes:2:discovery.ForNode:repeated',
  'discovery.EndpointPort': 'name:1:string:ptr protocol:2:string:ptr port:3:int32:ptr appProtocol:4:string:ptr',
  'discovery.EndpointSlice':
    'metadata:1:meta.ObjectMeta addressType:4:string endpoints:2:discovery.Endpoint:repeated ports:3:discovery.EndpointPort:repeated',
  'discovery.ForNode': 'name:1:string',
  'discovery.ForZone': 'name:1:string',
  'intstr.IntOrString': 'type:1:int64 intVal:2:int32 strVal:3:string',
  'meta.Condition':
    'type:1:string status:2:string observedGeneration:3:int64 lastTransitionTime:4:meta.Time reason:5:string message:6:string',
  'meta.DeleteOptions':
    'gracePeriodSeconds:1:int64:ptr preconditions:2:meta.Preconditions:ptr orphanDependents:3:bool:ptr propagationPolicy:4:string:ptr dryRun:5:string:repeated ignoreStoreReadErrorWithClusterBreakingPotential:6:bool:ptr',
  'meta.FieldsV1': 'Raw:1:bytes',
  'meta.LabelSelector': 'matchLabels:1:string:map:string matchExpressions:2:meta.LabelSelectorRequirement:repeated',
  'meta.LabelSelectorRequirement': 'key:1:string operator:2:string values:3:string:repeated',
  'meta.ManagedFieldsEntry':
    'manager:1:string operation:2:string apiVersion:3:string time:4:meta.Time:ptr fieldsType:6:string fieldsV1:7:meta.FieldsV1:ptr subresource:8:string',
  'meta.MicroTime': 'seconds:1:int64 nanos:2:int32',
  'meta.ObjectMeta':
    'name:1:string generateName:2:string namespace:3:string selfLink:4:string uid:5:string resourceVersion:6:string generation:7:int64 creationTimestamp:8:meta.Time deletionTimestamp:9:meta.Time:ptr deletionGracePeriodSeconds:10:int64:ptr labels:11:string:map:string annotations:12:string:map:string ownerReferences:13:meta.OwnerReference:repeated finalizers:14:string:repeated managedFields:17:meta.ManagedFieldsEntry:repeated',
  'meta.OwnerReference': 'apiVersion:5:string kind:1:string name:3:string uid:4:string controller:6:bool:ptr blockOwnerDeletion:7:bool:ptr',
  'meta.Preconditions': 'uid:1:string:ptr resourceVersion:2:string:ptr',
  'meta.Time': 'seconds:1:int64 nanos:2:int32',
  'resource.Quantity': 'string:1:string',
  'runtime.TypeMeta': 'apiVersion:1:string kind:2:string',
  'runtime.Unknown': 'typeMeta:1:runtime.TypeMeta raw:2:bytes contentEncoding:3:string contentType:4:string',
};
