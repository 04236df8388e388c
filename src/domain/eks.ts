/** What EKS answers about a cluster, its add-ons, Fargate profiles and Pod Identity associations. */

export type ClusterStatus = 'CREATING' | 'ACTIVE' | 'DELETING' | 'FAILED' | 'UPDATING' | 'PENDING';

export interface ClusterInfo {
  name: string;
  arn: string;
  status: ClusterStatus;
  /** Kubernetes minor version, e.g. `1.30`. */
  version: string;
  /** EKS platform version, e.g. `eks.4`. */
  platformVersion: string;
  /** OIDC issuer URL, e.g. `https://oidc.eks.us-east-1.amazonaws.com/id/ABC`. */
  oidcIssuer?: string;
  /** EKS Auto Mode: the Pod Identity Agent is built in, there is no DaemonSet. */
  autoMode: boolean;
  /** kubernetesNetworkConfig.ipFamily: which address the Pod Identity webhook gives pods. */
  ipFamily?: 'ipv4' | 'ipv6';
  endpoint?: string;
  /** Base64 PEM bundle, as DescribeCluster returns it. */
  certificateAuthority?: string;
}

export interface AddonInfo {
  name: string;
  status: string;
  healthIssues: string[];
}

export interface FargateProfileInfo {
  name: string;
  selectors: { namespace: string; labels?: Record<string, string> }[];
}

export interface PodIdentityAssociation {
  associationId: string;
  associationArn?: string;
  cluster: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  /** Role chaining: the agent assumes `roleArn`, then this role (possibly in another account). */
  targetRoleArn?: string;
  disableSessionTags?: boolean;
  /** Set when an EKS add-on owns the association: never touch those. */
  ownerArn?: string;
  /** As Describe returns them; List summaries carry none. */
  tags?: Record<string, string>;
}

export interface CreateAssociationRequest {
  cluster: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  /** Idempotency token; the same token returns the same association. */
  clientRequestToken: string;
  tags?: Record<string, string>;
  targetRoleArn?: string;
}
