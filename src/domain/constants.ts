/** The IRSA service account annotation. */
export const IRSA_ANNOTATION = 'eks.amazonaws.com/role-arn';
/** What the EKS webhook injects: IRSA's token file, Pod Identity's endpoint and token file. */
export const IRSA_TOKEN_FILE = '/var/run/secrets/eks.amazonaws.com/serviceaccount/token';
export const POD_IDENTITY_URI = 'http://169.254.170.23/v1/credentials';
export const POD_IDENTITY_TOKEN_FILE = '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token';
/** The Pod Identity Agent add-on, and the DaemonSet it installs (same name). */
export const AGENT_ADDON = 'eks-pod-identity-agent';
export const AGENT_DAEMONSET = { namespace: 'kube-system', name: AGENT_ADDON } as const;
/** Sid of the trust statement a migration adds; rollback removes only this one. */
export const POD_IDENTITY_TRUST_SID = 'MigrateIdentityPodIdentity';
/** The in-pod probe when no --verify-command is given. */
export const DEFAULT_VERIFY_COMMAND = ['aws', 'sts', 'get-caller-identity', '--output', 'json'];
