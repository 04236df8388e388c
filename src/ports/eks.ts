import type {
  AddonInfo,
  ClusterInfo,
  CreateAssociationRequest,
  FargateProfileInfo,
  PodIdentityAssociation,
} from '../domain/eks.js';

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
  /**
   * Every association of the cluster, over all pages, each described for its role (List
   * has no roleArn). Add-on owned ones are included with `ownerArn` set, as in
   * `findPodIdentityAssociations`; one deleted between List and Describe is left out.
   */
  listPodIdentityAssociations(cluster: string): Promise<PodIdentityAssociation[]>;
  /**
   * When the association was created and last changed (DescribePodIdentityAssociation), ISO
   * 8601: `diagnose` tells a change still inside the consistency window. Throws `not-found`.
   */
  getAssociationTimes(cluster: string, associationId: string): Promise<{ createdAt?: string; modifiedAt?: string }>;
}
