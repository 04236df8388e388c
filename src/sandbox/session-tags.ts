/**
 * What STS sees when EKS Pod Identity assumes a role for a pod: the request context its
 * trust policy's conditions are evaluated against.
 */
import type { AssociationState, ClusterState, FleetState, PodState } from './state.js';

/**
 * The six session tags EKS Pod Identity passes (EKS User Guide, "Enable or disable session
 * tags", pod-id-abac.html), as `aws:RequestTag/<key>` keys of the AssumeRole/TagSession
 * request. An association with `disableSessionTags` passes none, so a trust condition on
 * any of them fails for it: IAM evaluates a condition on a key absent from the request as
 * false unless the operator ends in `IfExists` (IAM User Guide, "Condition operators").
 */
export function podIdentityRequestContext(
  state: FleetState,
  cluster: ClusterState,
  pod: PodState,
  association: Pick<AssociationState, 'disableSessionTags'> | undefined,
): Record<string, string> {
  const source = { 'aws:SourceAccount': state.accountId, 'aws:SourceArn': cluster.arn };
  if (association?.disableSessionTags === true) return source;
  return {
    ...source,
    'aws:RequestTag/eks-cluster-arn': cluster.arn,
    'aws:RequestTag/eks-cluster-name': cluster.name,
    'aws:RequestTag/kubernetes-namespace': pod.namespace,
    'aws:RequestTag/kubernetes-service-account': pod.serviceAccount,
    'aws:RequestTag/kubernetes-pod-name': pod.name,
    'aws:RequestTag/kubernetes-pod-uid': pod.uid,
  };
}
