// Protobuf forms of the kinds kubectl 1.32+ sends typed and in protobuf to the endpoints of this folder:
// `auth can-i` (SelfSubjectAccessReview, SelfSubjectRulesReview), `create token` (TokenRequest), `auth whoami`
// (SelfSubjectReview), `drain` (policy/v1 Eviction), and node Leases. Field numbers from k8s.io/api
// authorization/v1, authentication/v1, policy/v1 and coordination/v1 generated.proto.
import { registerProtobufKinds } from '../rest/protobuf/kube-protobuf';

registerProtobufKinds(
  {
    'authorization.k8s.io/v1/SelfSubjectAccessReview': 'authorization.SelfSubjectAccessReview',
    'authorization.k8s.io/v1/SelfSubjectRulesReview': 'authorization.SelfSubjectRulesReview',
    'policy/v1/Eviction': 'policy.Eviction',
    'authentication.k8s.io/v1/TokenRequest': 'authentication.TokenRequest',
    'authentication.k8s.io/v1/SelfSubjectReview': 'authentication.SelfSubjectReview',
    'coordination.k8s.io/v1/Lease': 'coordination.Lease',
  },
  {
    'authorization.SelfSubjectAccessReview':
      'metadata:1:meta.ObjectMeta spec:2:authorization.SelfSubjectAccessReviewSpec status:3:authorization.SubjectAccessReviewStatus',
    'authorization.SelfSubjectAccessReviewSpec':
      'resourceAttributes:1:authorization.ResourceAttributes:ptr nonResourceAttributes:2:authorization.NonResourceAttributes:ptr',
    'authorization.ResourceAttributes':
      'namespace:1:string verb:2:string group:3:string version:4:string resource:5:string subresource:6:string name:7:string',
    'authorization.NonResourceAttributes': 'path:1:string verb:2:string',
    'authorization.SubjectAccessReviewStatus': 'allowed:1:bool denied:4:bool reason:2:string evaluationError:3:string',
    'authorization.SelfSubjectRulesReview': 'metadata:1:meta.ObjectMeta spec:2:authorization.SelfSubjectRulesReviewSpec',
    'authorization.SelfSubjectRulesReviewSpec': 'namespace:1:string',
    'policy.Eviction': 'metadata:1:meta.ObjectMeta deleteOptions:2:meta.DeleteOptions:ptr',
    // `kubectl create token` (TokenRequest) and `kubectl auth whoami` (SelfSubjectReview): authentication/v1.
    'authentication.TokenRequest': 'metadata:1:meta.ObjectMeta spec:2:authentication.TokenRequestSpec',
    'authentication.TokenRequestSpec':
      'audiences:1:string:repeated expirationSeconds:4:int64:ptr boundObjectRef:3:authentication.BoundObjectReference:ptr',
    'authentication.BoundObjectReference': 'kind:1:string apiVersion:2:string name:3:string uid:4:string',
    'authentication.SelfSubjectReview': 'metadata:1:meta.ObjectMeta',
    'coordination.Lease': 'metadata:1:meta.ObjectMeta spec:2:coordination.LeaseSpec',
    'coordination.LeaseSpec':
      'holderIdentity:1:string:ptr leaseDurationSeconds:2:int32:ptr acquireTime:3:meta.MicroTime:ptr renewTime:4:meta.MicroTime:ptr leaseTransitions:5:int32:ptr strategy:6:string:ptr preferredHolder:7:string:ptr',
  },
);
