/**
 * The invariant a migration keeps, in every phase and in every compensation:
 *
 *   At every step boundary, every running pod of the service account holds a credential
 *   path that is backed.
 *
 * - A pod on **Pod Identity** (the webhook injected the container-credentials variables at
 *   its creation) is backed by an association for its namespace and service account in its
 *   cluster, whose role trusts `pods.eks.amazonaws.com` for `sts:AssumeRole` and
 *   `sts:TagSession`. The agent asks EKS for the association when it vends credentials, so
 *   deleting it strands the pod once its vended credentials expire (AWS: "credentials
 *   already vended stay valid until they expire"): a deleted association backs its pods
 *   only for that grace, which a rollback spends between the delete and the restart.
 * - A pod on **IRSA** (the annotation was present at its creation, so it holds
 *   `AWS_ROLE_ARN` and the web-identity token) is backed by that role trusting the OIDC
 *   provider of its cluster's issuer for `system:serviceaccount:<ns>:<sa>` and audience
 *   `sts.amazonaws.com`. The annotation itself is read only at pod creation.
 *
 * So: never remove Pod Identity trust while a pod uses Pod Identity, never remove IRSA
 * trust while a pod uses IRSA, and never leave a Pod Identity pod without its association.
 * Pure: the sandbox and the tests feed it facts; the workflow orders its steps by it.
 */
import type { CredentialPath } from './credentials.js';
import { issuerHostPath, oidcProviderArn, POD_IDENTITY_ACTIONS, POD_IDENTITY_PRINCIPAL } from './trust-policy.js';
import { trustAllows } from './trust-evaluation.js';
import type { PolicyDocument } from './types.js';

export type MissingLink = 'association' | 'pod-identity-trust' | 'target-trust' | 'irsa-trust' | 'role' | 'credentials';

export interface PodCredentialFacts {
  cluster: string;
  namespace: string;
  name: string;
  uid?: string;
  serviceAccount: string;
  /** The path its variables select (`credentialPath`), fixed when the pod was created. */
  path: CredentialPath;
  /** IRSA: the role the webhook injected (`AWS_ROLE_ARN`). */
  irsaRoleArn?: string;
}

export interface AssociationFacts {
  cluster: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  /** Its sessions carry no request tags: a trust scoped by them does not admit its pods. */
  disableSessionTags?: boolean;
  /** The role the pods run as, which EKS assumes with `roleArn`'s session (role chaining). */
  targetRoleArn?: string;
  /** The external ID EKS passes when it assumes the target role. */
  externalId?: string;
  /** Epoch ms of its deletion; absent while it exists. */
  deletedAt?: number;
}

export interface CredentialFacts {
  accountId: string;
  pods: PodCredentialFacts[];
  associations: AssociationFacts[];
  /** Role ARN → its trust policy. A role missing here does not exist. */
  trustPolicies: Record<string, PolicyDocument>;
  /** Cluster name → its OIDC issuer URL and ARN. */
  clusters: Record<string, { arn: string; oidcIssuer?: string }>;
  /** Epoch ms the facts were read at. */
  now: number;
}

export interface InvariantViolation {
  cluster: string;
  /** `namespace/name`. */
  pod: string;
  path: CredentialPath;
  missing: MissingLink;
  detail: string;
}

export interface InvariantOptions {
  /** How long after its deletion an association still backs its pods (vended credentials). Default 0. */
  deletedAssociationGraceMs?: number;
  /** Only pods of these service accounts (`namespace/name`); default every pod. */
  serviceAccounts?: string[];
}

/** Every pod whose credential path is not backed, naming the missing link. */
export function credentialInvariantViolations(
  facts: CredentialFacts,
  options: InvariantOptions = {},
): InvariantViolation[] {
  const grace = options.deletedAssociationGraceMs ?? 0;
  const scope = options.serviceAccounts;
  const violations: InvariantViolation[] = [];
  for (const pod of facts.pods) {
    if (scope !== undefined && !scope.includes(`${pod.namespace}/${pod.serviceAccount}`)) continue;
    const missing = (link: MissingLink, detail: string) =>
      violations.push({
        cluster: pod.cluster,
        pod: `${pod.namespace}/${pod.name}`,
        path: pod.path,
        missing: link,
        detail,
      });
    switch (pod.path) {
      case 'static-keys':
        // Keys the workload brought itself: not a path the migration gives or takes.
        break;
      case 'none':
        missing('credentials', 'the webhook injected no credentials: no association and no IRSA annotation');
        break;
      case 'pod-identity': {
        const association = backingAssociation(facts, pod, grace);
        if (association === undefined) {
          missing('association', `no Pod Identity association for ${pod.namespace}/${pod.serviceAccount}`);
          break;
        }
        const trust = facts.trustPolicies[association.roleArn];
        if (trust === undefined) missing('role', `role ${association.roleArn} does not exist`);
        else if (!podIdentityTrusted(facts, pod, trust, association.disableSessionTags === true))
          missing('pod-identity-trust', `role ${association.roleArn} does not trust ${POD_IDENTITY_PRINCIPAL}`);
        else if (association.targetRoleArn !== undefined) {
          const target = facts.trustPolicies[association.targetRoleArn];
          if (target === undefined) missing('role', `target role ${association.targetRoleArn} does not exist`);
          else if (!targetTrusted(facts, pod, association, target))
            missing(
              'target-trust',
              `target role ${association.targetRoleArn} does not trust ${association.roleArn} to assume it`,
            );
        }
        break;
      }
      case 'irsa': {
        const roleArn = pod.irsaRoleArn ?? '';
        const trust = facts.trustPolicies[roleArn];
        const issuer = facts.clusters[pod.cluster]?.oidcIssuer;
        if (trust === undefined) missing('role', `role ${roleArn || '(none)'} does not exist`);
        else if (issuer === undefined || !irsaTrusted(facts, pod, trust, issuer))
          missing(
            'irsa-trust',
            `role ${roleArn} does not trust the OIDC issuer of ${pod.cluster} for system:serviceaccount:${pod.namespace}:${pod.serviceAccount}`,
          );
        break;
      }
    }
  }
  return violations;
}

export function describeViolation(v: InvariantViolation): string {
  return `${v.cluster}: pod ${v.pod} on ${v.path} is missing its ${v.missing}: ${v.detail}`;
}

function backingAssociation(facts: CredentialFacts, pod: PodCredentialFacts, graceMs: number) {
  const candidates = facts.associations.filter(
    (a) =>
      a.cluster === pod.cluster &&
      a.namespace === pod.namespace &&
      a.serviceAccount === pod.serviceAccount &&
      (a.deletedAt === undefined || facts.now - a.deletedAt < graceMs),
  );
  return candidates.find((a) => a.deletedAt === undefined) ?? candidates[0];
}

/**
 * Whether the trust admits EKS assuming the role for this pod, with the request tags EKS
 * sets (none when the association disables session tags, so a statement scoped by them
 * does not match).
 */
function podIdentityTrusted(
  facts: CredentialFacts,
  pod: PodCredentialFacts,
  trust: PolicyDocument,
  sessionTagsDisabled: boolean,
): boolean {
  const cluster = facts.clusters[pod.cluster];
  const source = { 'aws:SourceAccount': facts.accountId, ...(cluster && { 'aws:SourceArn': cluster.arn }) };
  return trustAllows(trust, {
    principalType: 'Service',
    principal: POD_IDENTITY_PRINCIPAL,
    actions: [...POD_IDENTITY_ACTIONS],
    context: sessionTagsDisabled ? source : { ...source, ...podRequestTags(facts, pod) },
  });
}

/** The session tags EKS sets on a pod's session, as `aws:RequestTag/…` condition keys. */
function podRequestTags(facts: CredentialFacts, pod: PodCredentialFacts): Record<string, string> {
  const cluster = facts.clusters[pod.cluster];
  return {
    ...(cluster && { 'aws:RequestTag/eks-cluster-arn': cluster.arn }),
    'aws:RequestTag/eks-cluster-name': pod.cluster,
    'aws:RequestTag/kubernetes-namespace': pod.namespace,
    'aws:RequestTag/kubernetes-service-account': pod.serviceAccount,
    'aws:RequestTag/kubernetes-pod-name': pod.name,
    ...(pod.uid !== undefined && { 'aws:RequestTag/kubernetes-pod-uid': pod.uid }),
  };
}

/**
 * Whether the target role's trust admits the association's role: EKS assumes the target
 * with the role's session, for `sts:AssumeRole` and, with session tags on, `sts:TagSession`
 * carrying the first hop's tags (EKS User Guide, "Access AWS resources using EKS Pod
 * Identity Target IAM Roles"). A trust naming the role's account admits it too; whether the
 * role's own policies allow the call is the sandbox's STS to check (src/sandbox/role-chaining.ts).
 */
function targetTrusted(
  facts: CredentialFacts,
  pod: PodCredentialFacts,
  association: AssociationFacts,
  trust: PolicyDocument,
): boolean {
  const [, partition = 'aws', , , account = ''] = association.roleArn.split(':');
  const sessionTagsDisabled = association.disableSessionTags === true;
  return trustAllows(trust, {
    principalType: 'AWS',
    principal: [association.roleArn, `arn:${partition}:iam::${account}:root`, account],
    actions: sessionTagsDisabled ? ['sts:AssumeRole'] : ['sts:AssumeRole', 'sts:TagSession'],
    context: {
      ...(!sessionTagsDisabled && podRequestTags(facts, pod)),
      'aws:PrincipalArn': association.roleArn,
      'aws:PrincipalAccount': account,
      ...(association.externalId !== undefined && { 'sts:ExternalId': association.externalId }),
    },
  });
}

function irsaTrusted(facts: CredentialFacts, pod: PodCredentialFacts, trust: PolicyDocument, issuer: string): boolean {
  const host = issuerHostPath(issuer);
  return trustAllows(trust, {
    principalType: 'Federated',
    principal: oidcProviderArn(facts.accountId, issuer),
    actions: ['sts:AssumeRoleWithWebIdentity'],
    context: {
      [`${host}:sub`]: `system:serviceaccount:${pod.namespace}:${pod.serviceAccount}`,
      [`${host}:aud`]: 'sts.amazonaws.com',
    },
  });
}
