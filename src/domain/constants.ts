/** The IRSA service account annotation. */
export const IRSA_ANNOTATION = 'eks.amazonaws.com/role-arn';
/** The Pod Identity Agent add-on and its DaemonSet. */
export const AGENT_ADDON = 'eks-pod-identity-agent';
export const AGENT_DAEMONSET = { namespace: 'kube-system', name: 'eks-pod-identity-agent' } as const;
/** Sid of the trust statement a migration adds; rollback removes only this one. */
export const POD_IDENTITY_TRUST_SID = 'MigrateIdentityPodIdentity';
/** The in-pod probe when no --verify-command is given. */
export const DEFAULT_VERIFY_COMMAND = ['aws', 'sts', 'get-caller-identity', '--output', 'json'];
