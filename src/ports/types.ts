export interface PodIdentityAssociation {
  associationId: string;
  associationArn?: string;
  cluster: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  /** Set when an EKS add-on owns the association: never touch those. */
  ownerArn?: string;
}
