/**
 * CloudTrail events as the migrator reads them: the fields of `LookupEvents` and of the
 * `CloudTrailEvent` JSON document each event carries that evidence needs. JSON only.
 *
 * Shapes, from recorded events:
 * - Pod Identity: the agent calls eks-auth `AssumeRoleForPodIdentity` (event source
 *   `eks-auth.amazonaws.com`, caller the node role, user agent the agent's Go SDK). Its
 *   `requestParameters` hold only `clusterName` and `token: HIDDEN_DUE_TO_SECURITY_REASONS`,
 *   `responseElements` is null, and `resources` names the cluster (`AWS::EKS::Cluster`):
 *   the namespace, service account and role are not in it. They are in the STS `AssumeRole`
 *   event EKS Auth makes for it (`userIdentity.type: AWSService`, `invokedBy:
 *   pods.eks.amazonaws.com`): `requestParameters.roleArn`, `roleSessionName`
 *   (`eks-<cluster>-<pod>-<uuid>`, truncated), and `tags` `eks-cluster-name`,
 *   `kubernetes-namespace`, `kubernetes-service-account`, … (aws-samples/amazon-eks-security-immersion-day,
 *   content/2-identity-and-access-management/3-eks-pod-identity/3.eks-pod-identity-deep-dive:
 *   `aws cloudtrail lookup-events` output for both; response syntax in
 *   https://docs.aws.amazon.com/eks/latest/APIReference/API_auth_AssumeRoleForPodIdentity.html).
 * - IRSA: `AssumeRoleWithWebIdentity` (event source `sts.amazonaws.com`) with `userIdentity`
 *   `{ type: WebIdentityUser, userName: system:serviceaccount:<ns>:<sa>, identityProvider:
 *   arn:aws:iam::<account>:oidc-provider/<issuer host/path> }`, `requestParameters.roleArn`,
 *   and the calling SDK's `userAgent` (https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html,
 *   "Example OIDC AWS STS API event in CloudTrail log file").
 */

export const POD_IDENTITY_EVENT = 'AssumeRoleForPodIdentity';
export const EKS_AUTH_SOURCE = 'eks-auth.amazonaws.com';
export const WEB_IDENTITY_EVENT = 'AssumeRoleWithWebIdentity';
export const ASSUME_ROLE_EVENT = 'AssumeRole';
export const STS_SOURCE = 'sts.amazonaws.com';
/** `userIdentity.invokedBy` of the STS AssumeRole that EKS Auth makes for a Pod Identity session. */
export const POD_IDENTITY_SERVICE = 'pods.eks.amazonaws.com';

export interface CloudTrailUserIdentity {
  type?: string;
  arn?: string;
  principalId?: string;
  userName?: string;
  /** Web identity: the OIDC provider's ARN. */
  identityProvider?: string;
  /** AWS service callers: the service's principal. */
  invokedBy?: string;
}

/** One event: the LookupEvents fields and the parts of its CloudTrailEvent document evidence reads. */
export interface CloudTrailRecord {
  eventId: string;
  eventName: string;
  eventSource: string;
  /** ISO 8601. */
  eventTime: string;
  awsRegion?: string;
  userAgent?: string;
  sourceIPAddress?: string;
  /** Set when the call failed, e.g. `AccessDenied`, `ThrottlingException`. */
  errorCode?: string;
  errorMessage?: string;
  userIdentity: CloudTrailUserIdentity;
  requestParameters: Record<string, unknown> | null;
  /** LookupEvents `Resources` (type and name) and the document's `resources` (type and ARN). */
  resources: { type?: string; name?: string }[];
}

export interface CloudTrailLookup {
  /** LookupEvents takes one lookup attribute; evidence always looks up by event name. */
  eventName: string;
  /** ISO 8601, inclusive. */
  startTime: string;
  /** ISO 8601, inclusive; default now. */
  endTime?: string;
  /** Stop paging after this many events (default 5,000): `truncated` says so. */
  maxEvents?: number;
}

export interface CloudTrailLookupResult {
  /** Newest first, as LookupEvents returns them. */
  events: CloudTrailRecord[];
  /** More events matched than `maxEvents`. */
  truncated: boolean;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

/**
 * Reads one LookupEvents event. `document` is its `CloudTrailEvent` string; fields missing
 * from it fall back to the LookupEvents summary. Throws on a document that is not JSON.
 */
export function parseCloudTrailEvent(summary: {
  eventId?: string;
  eventName?: string;
  eventSource?: string;
  eventTime?: string;
  username?: string;
  resources?: { type?: string; name?: string }[];
  document?: string;
}): CloudTrailRecord {
  const doc = summary.document === undefined ? {} : (record(JSON.parse(summary.document)) ?? {});
  const identity = record(doc.userIdentity) ?? {};
  const documentResources = Array.isArray(doc.resources)
    ? doc.resources.flatMap((r) => {
        const res = record(r);
        return res ? [{ type: str(res.type), name: str(res.ARN) ?? str(res.arn) }] : [];
      })
    : [];
  const eventTime = str(doc.eventTime) ?? summary.eventTime ?? '';
  return {
    eventId: str(doc.eventID) ?? summary.eventId ?? '',
    eventName: str(doc.eventName) ?? summary.eventName ?? '',
    eventSource: str(doc.eventSource) ?? summary.eventSource ?? '',
    eventTime: eventTime === '' ? '' : new Date(eventTime).toISOString(),
    ...optional('awsRegion', str(doc.awsRegion)),
    ...optional('userAgent', str(doc.userAgent)),
    ...optional('sourceIPAddress', str(doc.sourceIPAddress)),
    ...optional('errorCode', str(doc.errorCode)),
    ...optional('errorMessage', str(doc.errorMessage)),
    userIdentity: {
      ...optional('type', str(identity.type)),
      ...optional('arn', str(identity.arn)),
      ...optional('principalId', str(identity.principalId)),
      ...optional('userName', str(identity.userName) ?? (identity.type === undefined ? summary.username : undefined)),
      ...optional('identityProvider', str(identity.identityProvider)),
      ...optional('invokedBy', str(identity.invokedBy)),
    },
    requestParameters: record(doc.requestParameters) ?? null,
    resources: [...(summary.resources ?? []), ...documentResources],
  };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
