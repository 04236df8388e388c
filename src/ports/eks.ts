import type {
  AddonInfo,
  ClusterInfo,
  CreateAssociationRequest,
  FargateProfileInfo,
  NodegroupInfo,
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
  /** Managed node groups, over all pages, each described for its node role (List has names only). */
  listNodegroups(cluster: string): Promise<NodegroupInfo[]>;
  /**
   * List filtered by namespace and service account, then Describe each (List has no roleArn).
   * List is eventually consistent: a create may not show yet, a delete may still show.
   */
  findPodIdentityAssociations(
    cluster: string,
    namespace: string,
    serviceAccount: string,
  ): Promise<PodIdentityAssociation[]>;
  createPodIdentityAssociation(request: CreateAssociationRequest): Promise<PodIdentityAssociation>;
  /**
   * One association by id (DescribePodIdentityAssociation), with its tags; undefined when it
   * does not exist. Unlike List, which is eventually consistent, it sees a fresh create at once:
   * resolve a 409's "Association already exists: <id>" with it.
   */
  describePodIdentityAssociation(cluster: string, associationId: string): Promise<PodIdentityAssociation | undefined>;
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
