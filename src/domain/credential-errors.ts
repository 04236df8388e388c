/**
 * Credential errors of one service account in one cluster, read from CloudTrail events (the
 * observation phase's first sample, issue 8 §5): the failures that mean its pods could not
 * get or use their credentials, as opposed to throttling (the STS profile counts that) or an
 * app asking for something its role never allowed before the migration either (the
 * baseline shows that).
 *
 * What CloudTrail shows, and where from:
 * - IRSA: a failed `AssumeRoleWithWebIdentity` of `system:serviceaccount:<ns>:<sa>` through the
 *   cluster's OIDC provider. "AssumeRoleWithWebIdentity API operation failures are logged in
 *   CloudTrail event history" (AWS re:Post Knowledge Center, "Why do I get AccessDenied or Not
 *   authorized AssumeRoleWithWebIdentity errors", CloudTrail event history section); its
 *   errors are STS's: AccessDenied, ExpiredTokenException, InvalidIdentityToken,
 *   IDPCommunicationError, IDPRejectedClaim (STS API Reference, AssumeRoleWithWebIdentity).
 * - Pod Identity: the agent's `AssumeRoleForPodIdentity` (eks-auth) fails with
 *   AccessDeniedException, ExpiredTokenException, InvalidTokenException (EKS Auth API
 *   Reference, AssumeRoleForPodIdentity, Errors). Its event names only the cluster
 *   (src/domain/cloudtrail.ts), so these are counted apart, as the cluster's.
 * - The sessions themselves: the STS `AssumeRole` EKS Auth makes (session
 *   `eks-<cluster>-<pod>-<uuid>`, tags naming namespace, service account and pod) when it
 *   carries an error code, and any call made with one of the service account's sessions
 *   (`userIdentity.arn` `arn:aws:sts::<account>:assumed-role/<role>/<session>`) that failed
 *   with an authorization or expired-credential error ("CloudTrail logs … errorCode
 *   AccessDenied" for denied management events, CloudTrail User Guide, "CloudTrail record
 *   contents"). Event history holds management events only: data events (S3 objects) never
 *   show there.
 */
import { ASSUME_ROLE_EVENT, POD_IDENTITY_SERVICE, type CloudTrailRecord } from './cloudtrail.js';
import { agentCalls, EVENT_IDS_KEPT, webIdentityCalls } from './cloudtrail-evidence.js';
import { SESSION_NAME_PART_MAX } from './credentials.js';
import { parseRoleArn } from './names.js';
import { toList } from './trust-policy.js';
import type { PolicyDocument, ServiceAccountRef } from './types.js';

/**
 * Error codes that mean "no valid credentials" or "credentials refused": STS's and EKS
 * Auth's documented errors for these calls, and the services' generic authorization and
 * expired-token codes (`AccessDenied`, `AccessDeniedException`, EC2's
 * `Client.UnauthorizedOperation`, `ExpiredToken`, `InvalidClientTokenId`). Throttling,
 * validation and server errors are not credential errors.
 */
const CREDENTIAL_ERROR =
  /^(Client\.)?(AccessDenied|Unauthorized|ExpiredToken|InvalidIdentityToken|InvalidToken|InvalidClientTokenId|IDPCommunicationError|IDPRejectedClaim|PackedPolicyTooLarge)/;

export function isCredentialError(code: string | undefined): boolean {
  return code !== undefined && CREDENTIAL_ERROR.test(code);
}

export interface CredentialErrorTarget {
  /** The EKS cluster name (session tags and names use it). */
  eksClusterName: string;
  serviceAccount: ServiceAccountRef;
  roleArn: string;
  /** The cluster's OIDC issuer URLs (IRSA's identity provider). */
  issuers: string[];
  since: string;
  until?: string;
}

/** One cluster's credential errors over a window. */
export interface CredentialErrorCounts {
  /** The service account's own: its web identity, its Pod Identity sessions, and calls those sessions made. */
  count: number;
  /** The agent's failed eks-auth calls on the cluster: any service account's (the event names none). */
  agent: number;
  /** How many of each error code, the service account's and the agent's. */
  codes: Record<string, number>;
  /** Pods the failing Pod Identity sessions name (their `kubernetes-pod-name` tag). */
  pods: string[];
  /** The newest few failing events, to look them up. */
  eventIds: string[];
}

const inWindow = (e: CloudTrailRecord, since: string, until?: string) =>
  e.eventTime >= since && (until === undefined || e.eventTime <= until);

function tagOf(e: CloudTrailRecord, key: string): string | undefined {
  const tags = e.requestParameters?.tags;
  if (!Array.isArray(tags)) return undefined;
  const found = (tags as { key?: unknown; value?: unknown }[]).find((t) => t.key === key);
  return typeof found?.value === 'string' ? found.value : undefined;
}

const sessionOf = (e: CloudTrailRecord): string | undefined => {
  const name = e.requestParameters?.roleSessionName;
  return typeof name === 'string' ? name : undefined;
};

/** `eks-<cluster, 10 characters>-`: every Pod Identity session of the cluster starts so (src/domain/credentials.ts). */
const clusterSessionPrefix = (cluster: string) => `eks-${cluster.slice(0, SESSION_NAME_PART_MAX)}-`;

/** The Pod Identity `AssumeRole` calls EKS Auth made for the service account in the cluster, failed or not. */
function podIdentityAssumes(events: CloudTrailRecord[], target: CredentialErrorTarget): CloudTrailRecord[] {
  const prefix = clusterSessionPrefix(target.eksClusterName);
  return events.filter((e) => {
    if (e.eventName !== ASSUME_ROLE_EVENT || e.userIdentity.invokedBy !== POD_IDENTITY_SERVICE) return false;
    if (!inWindow(e, target.since, target.until) || e.requestParameters?.roleArn !== target.roleArn) return false;
    const namespace = tagOf(e, 'kubernetes-namespace');
    // Without session tags (disableSessionTags) the session name is all there is.
    if (namespace === undefined) return sessionOf(e)?.startsWith(prefix) === true;
    return (
      tagOf(e, 'eks-cluster-name') === target.eksClusterName &&
      namespace === target.serviceAccount.namespace &&
      tagOf(e, 'kubernetes-service-account') === target.serviceAccount.name
    );
  });
}

/**
 * The service account's credential errors in one cluster, among `events` (any event names:
 * the caller looks up the STS and eks-auth calls, and the API calls the role's policies
 * allow). A call counts as the service account's when it was made with a session the window
 * shows it opening (web identity through the cluster's issuer, or Pod Identity with its
 * tags), or with a Pod Identity session of the cluster (`eks-<cluster>-`) of the role.
 */
export function credentialErrors(events: CloudTrailRecord[], target: CredentialErrorTarget): CredentialErrorCounts {
  const web = webIdentityCalls(events, target.serviceAccount, target.issuers, target.since, target.until);
  const assumes = podIdentityAssumes(events, target);
  const sessions = new Set([...web, ...assumes].map(sessionOf).filter((s) => s !== undefined));
  const podOfSession = new Map(assumes.map((e) => [sessionOf(e) ?? '', tagOf(e, 'kubernetes-pod-name')]));
  const { roleName } = parseRoleArn(target.roleArn);
  const prefix = clusterSessionPrefix(target.eksClusterName);
  const sessionCalls = events.filter((e) => {
    if (e.userIdentity.type !== 'AssumedRole' || !inWindow(e, target.since, target.until)) return false;
    const match = /:assumed-role\/([^/]+)\/(.+)$/.exec(e.userIdentity.arn ?? '');
    if (match?.[1] !== roleName) return false;
    const session = match[2] ?? '';
    return sessions.has(session) || session.startsWith(prefix);
  });
  const own = [...web, ...assumes, ...sessionCalls].filter((e) => isCredentialError(e.errorCode));
  const agent = agentCalls(events, target.eksClusterName, target.since, target.until).filter((e) =>
    isCredentialError(e.errorCode),
  );
  const codes: Record<string, number> = {};
  for (const e of [...own, ...agent]) codes[e.errorCode ?? ''] = (codes[e.errorCode ?? ''] ?? 0) + 1;
  const pods = new Set<string>();
  for (const e of own) {
    const session = e.eventName === ASSUME_ROLE_EVENT ? sessionOf(e) : /\/([^/]+)$/.exec(e.userIdentity.arn ?? '')?.[1];
    const pod =
      (e.eventName === ASSUME_ROLE_EVENT ? tagOf(e, 'kubernetes-pod-name') : undefined) ??
      podOfSession.get(session ?? '');
    if (pod !== undefined) pods.add(pod);
  }
  return {
    count: own.length,
    agent: agent.length,
    codes,
    pods: [...pods].sort(),
    eventIds: [...own, ...agent]
      .sort((a, b) => b.eventTime.localeCompare(a.eventTime))
      .slice(0, EVENT_IDS_KEPT)
      .map((e) => e.eventId),
  };
}

/** The actions the Allow statements of the documents name (`NotAction` names none). */
export function allowedActions(documents: PolicyDocument[]): string[] {
  return documents.flatMap((d) => d.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => toList(s.Action)));
}

/**
 * The CloudTrail event names of the API calls a role's policies allow (`ssm:GetParameter` →
 * `GetParameter`): what its sessions' calls are looked up by. LookupEvents takes one event
 * name per lookup and pages at two requests a second, so at most `max`; wildcards name no
 * event and are left out.
 */
export function eventNamesOfActions(actions: string[], max = 8): string[] {
  const names = actions
    .map((a) => a.split(':')[1] ?? '')
    .filter((name) => name !== '' && !name.includes('*') && !name.includes('?'));
  return [...new Set(names)].sort().slice(0, max);
}
