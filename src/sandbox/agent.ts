/**
 * Whether a Pod Identity Agent serves a node, and may call the EKS Auth API there. The
 * agent runs on Auto Mode nodes by itself, and elsewhere as the DaemonSet
 * `kube-system/eks-pod-identity-agent`, installed by the add-on or by the Helm chart (then
 * DescribeAddon answers NotFound, yet the agent works). It calls
 * `eks-auth:AssumeRoleForPodIdentity` as the node's role (EKS User Guide, "Set up the Amazon
 * EKS Pod Identity Agent"). It "runs as a Kubernetes DaemonSet on your nodes and only provides
 * credentials to pods on the node that it runs on", on the host network at 169.254.170.23
 * (EKS User Guide, "EKS Pod Identity considerations"); the variables that point the SDKs at
 * it are the webhook's, set only when a pod is created (webhook.ts). After a delete it
 * keeps serving what it cached until its next renewal (VENDED_CREDENTIALS_LIFETIME_MS, eks.ts).
 */
import { AGENT_ADDON, AGENT_DAEMONSET } from '../domain/constants.js';
import { policiesAllow } from '../domain/iam-actions.js';
import { managedPolicyDocument } from './iam.js';
import { roleByArn } from './role-chaining.js';
import type { ClusterState, FleetState, NodeState } from './state.js';

const AUTO_MODE_NODE = (node: NodeState | undefined) => node?.labels['eks.amazonaws.com/compute-type'] === 'auto';

/** Why no agent listens on this node, if none does. */
export function agentMissing(cluster: ClusterState, node: NodeState | undefined): string | undefined {
  if (cluster.autoMode && AUTO_MODE_NODE(node)) return undefined;
  const daemonSet = cluster.daemonSets.find(
    (ds) => ds.namespace === AGENT_DAEMONSET.namespace && ds.name === AGENT_DAEMONSET.name,
  );
  if (cluster.addons[AGENT_ADDON] !== undefined || (daemonSet !== undefined && daemonSet.numberReady > 0)) {
    return undefined;
  }
  return cluster.autoMode ? 'not an Auto Mode node, and no agent add-on or DaemonSet' : 'no agent installed';
}

/**
 * Why the agent on this node may not call AssumeRoleForPodIdentity, if it may not: its
 * managed node group's role, when the sandbox knows the group and the role, lacks the action.
 */
export function nodeRoleRefusal(
  state: FleetState,
  cluster: ClusterState,
  node: NodeState | undefined,
): string | undefined {
  if (node === undefined || AUTO_MODE_NODE(node)) return undefined;
  const group = cluster.nodegroups?.find((g) => g.name === node.labels['eks.amazonaws.com/nodegroup']);
  const role = roleByArn(state, group?.nodeRoleArn);
  if (group === undefined || role === undefined) return undefined;
  const documents = [
    ...Object.entries(role.inlinePolicies).map(([name, document]) => ({ source: `inline:${name}`, document })),
    ...role.managedPolicyArns.flatMap((arn) => {
      const document = managedPolicyDocument(state, arn);
      return document === undefined ? [] : [{ source: arn, document }];
    }),
  ];
  const verdict = policiesAllow(documents, 'eks-auth:AssumeRoleForPodIdentity', cluster.arn);
  if (verdict.allows === 'yes') return undefined;
  // IAM's AccessDenied form; the session name EKS nodes use (the instance id) is *unconfirmed*:
  // the sandbox names the node.
  return `User: arn:aws:sts::${state.accountId}:assumed-role/${role.name}/${node.name} is not authorized to perform: eks-auth:AssumeRoleForPodIdentity on resource: ${cluster.arn}`;
}
