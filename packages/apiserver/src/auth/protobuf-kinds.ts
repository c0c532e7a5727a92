// Protobuf forms of ServiceAccounts and the RBAC kinds, which kubectl 1.32+ sends typed in protobuf
// (`kubectl create serviceaccount|role|clusterrole|rolebinding|clusterrolebinding`). Field numbers from
// k8s.io/api core/v1 and rbac/v1 generated.proto.
import { registerProtobufKinds } from '../rest/protobuf/kube-protobuf';

registerProtobufKinds(
  {
    'v1/ServiceAccount': 'core.ServiceAccount',
    'rbac.authorization.k8s.io/v1/Role': 'rbac.Role',
    'rbac.authorization.k8s.io/v1/ClusterRole': 'rbac.ClusterRole',
    'rbac.authorization.k8s.io/v1/RoleBinding': 'rbac.RoleBinding',
    'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'rbac.ClusterRoleBinding',
  },
  {
    'core.ServiceAccount':
      'metadata:1:meta.ObjectMeta secrets:2:core.ObjectReference:repeated imagePullSecrets:3:core.LocalObjectReference:repeated automountServiceAccountToken:4:bool:ptr',
    'rbac.PolicyRule':
      'verbs:1:string:repeated apiGroups:2:string:repeated resources:3:string:repeated resourceNames:4:string:repeated nonResourceURLs:5:string:repeated',
    'rbac.AggregationRule': 'clusterRoleSelectors:1:meta.LabelSelector:repeated',
    'rbac.Role': 'metadata:1:meta.ObjectMeta rules:2:rbac.PolicyRule:repeated',
    'rbac.ClusterRole': 'metadata:1:meta.ObjectMeta rules:2:rbac.PolicyRule:repeated aggregationRule:3:rbac.AggregationRule:ptr',
    'rbac.Subject': 'kind:1:string apiGroup:2:string name:3:string namespace:4:string',
    'rbac.RoleRef': 'apiGroup:1:string kind:2:string name:3:string',
    'rbac.RoleBinding': 'metadata:1:meta.ObjectMeta subjects:2:rbac.Subject:repeated roleRef:3:rbac.RoleRef',
    'rbac.ClusterRoleBinding': 'metadata:1:meta.ObjectMeta subjects:2:rbac.Subject:repeated roleRef:3:rbac.RoleRef',
  },
);
