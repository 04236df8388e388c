/**
 * The EKS pod-identity admission webhook: it runs once, when a pod is created, and
 * injects one set of credential variables. Running pods never change.
 */
import type { AssociationState, ClusterState, ContainerSpec } from './state.js';

import { IRSA_ANNOTATION, IRSA_TOKEN_FILE, POD_IDENTITY_TOKEN_FILE, POD_IDENTITY_URI } from '../domain/constants.js';
import { credentialPath, type CredentialPath } from '../domain/credentials.js';

export { IRSA_ANNOTATION, IRSA_TOKEN_FILE, POD_IDENTITY_TOKEN_FILE, POD_IDENTITY_URI };
export { credentialPath, type CredentialPath };

/** The association the webhook sees at time `at`: created and settled, not yet forgotten after a delete. */
export function visibleAssociation(
  cluster: ClusterState,
  namespace: string,
  serviceAccount: string,
  at: number,
): AssociationState | undefined {
  const visible = cluster.associations.filter(
    (a) =>
      a.namespace === namespace &&
      a.serviceAccount === serviceAccount &&
      a.visibleFrom <= at &&
      (a.hiddenFrom === undefined || at < a.hiddenFrom),
  );
  return visible.sort((a, b) => b.createdAt - a.createdAt)[0];
}

export interface Admission {
  containers: ContainerSpec[];
  podIdentityRoleArn?: string;
}

/** Admits a pod created at `at`: an association wins over the IRSA annotation. */
export function admitPod(
  cluster: ClusterState,
  region: string,
  namespace: string,
  serviceAccount: string,
  containers: ContainerSpec[],
  at: number,
): Admission {
  const association = visibleAssociation(cluster, namespace, serviceAccount, at);
  let injected: Record<string, string> = {};
  if (association !== undefined) {
    injected = {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: POD_IDENTITY_URI,
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: POD_IDENTITY_TOKEN_FILE,
    };
  } else {
    const sa = cluster.serviceAccounts.find((s) => s.namespace === namespace && s.name === serviceAccount);
    const roleArn = sa?.annotations[IRSA_ANNOTATION];
    if (roleArn !== undefined) {
      injected = {
        AWS_STS_REGIONAL_ENDPOINTS: 'regional',
        AWS_DEFAULT_REGION: region,
        AWS_REGION: region,
        AWS_ROLE_ARN: roleArn,
        AWS_WEB_IDENTITY_TOKEN_FILE: IRSA_TOKEN_FILE,
      };
    }
  }
  return {
    containers: containers.map((c) => ({ ...c, env: { ...injected, ...c.env } })),
    ...(association === undefined ? {} : { podIdentityRoleArn: association.roleArn }),
  };
}

/**
 * Which path the AWS SDKs take with these variables. Web identity comes before
 * container credentials in the SDK provider chains, so hand-set IRSA variables win.
 */
export function podCredentialPath(containers: ContainerSpec[]): CredentialPath {
  const paths = containers.map((c) => credentialPath(c.env));
  if (paths.includes('pod-identity')) return 'pod-identity';
  if (paths.includes('irsa')) return 'irsa';
  return 'none';
}
