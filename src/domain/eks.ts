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
  /** resourcesVpcConfig.endpointPublicAccess: false for a private cluster. */
  endpointPublicAccess?: boolean;
  /** resourcesVpcConfig.vpcId: where an `eks-auth` interface endpoint would have to be. */
  vpcId?: string;
}

/** A managed node group, as DescribeNodegroup answers it. */
export interface NodegroupInfo {
  name: string;
  /** The IAM role its nodes run as: it must allow `eks-auth:AssumeRoleForPodIdentity`. */
  nodeRoleArn?: string;
  status?: string;
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
  /**
   * Role chaining: EKS assumes `roleArn`, then this role, and the pods get this one's
   * credentials. It may be in another account; `roleArn` must be in the cluster's.
   */
  targetRoleArn?: string;
  /** The association's sessions carry none of the six Pod Identity session tags. */
  disableSessionTags?: boolean;
  /** What the target role's trust must require as `sts:ExternalId` (set with a target role). */
  externalId?: string;
  /** A session policy (JSON) intersected with the role's policies for these pods. */
  policy?: string;
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
  disableSessionTags?: boolean;
  policy?: string;
}
