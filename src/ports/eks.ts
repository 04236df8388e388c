import type { PodIdentityAssociation } from './types.js';

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

export interface CreateAssociationRequest {
  cluster: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  /** Idempotency token; the same token returns the same association. */
  clientRequestToken: string;
  tags?: Record<string, string>;
}

/**
 * EKS, per cluster. `cluster` is the fleet's cluster name; adapters map it to
 * the EKS cluster name, region and account from the fleet file.
 *
 * Errors are thrown as `PortError` (see `errors.ts`); a `409 ResourceInUse` on create
 * is thrown as kind `conflict` with `existingId` set when AWS names it.
 */
export interface EksPort {
  describeCluster(cluster: string): Promise<ClusterInfo>;
  /** Undefined when the add-on is not installed. */
  describeAddon(cluster: string, addonName: string): Promise<AddonInfo | undefined>;
  listFargateProfiles(cluster: string): Promise<FargateProfileInfo[]>;
  /** List filtered by namespace and service account, then Describe each (List has no roleArn). */
  findPodIdentityAssociations(
    cluster: string,
    namespace: string,
    serviceAccount: string,
  ): Promise<PodIdentityAssociation[]>;
  createPodIdentityAssociation(request: CreateAssociationRequest): Promise<PodIdentityAssociation>;
  /** Throws `not-found` when the association does not exist. */
  deletePodIdentityAssociation(cluster: string, associationId: string): Promise<void>;
}
