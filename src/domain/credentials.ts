import { ValidationError } from './errors.js';
import { parseRoleArn } from './names.js';

export type CredentialPath = 'pod-identity' | 'irsa' | 'static-keys' | 'none';

export interface CredentialVariablesReport {
  staticKeys: boolean;
  irsa: boolean;
  podIdentity: boolean;
  /** The set the SDK default chain picks: see `credentialPath`. */
  effective: CredentialPath;
  /** More than one set is present: the others are dead weight, or a trap after a change. */
  conflicting: boolean;
}

// Presence, not content: pod specs map `valueFrom` entries to '', and those still set the variable.
const isSet = (env: Record<string, string>, name: string): boolean => env[name] !== undefined;

export function credentialVariablesReport(env: Record<string, string>): CredentialVariablesReport {
  const staticKeys = isSet(env, 'AWS_ACCESS_KEY_ID');
  const irsa = isSet(env, 'AWS_ROLE_ARN') && isSet(env, 'AWS_WEB_IDENTITY_TOKEN_FILE');
  const podIdentity = isSet(env, 'AWS_CONTAINER_CREDENTIALS_FULL_URI');
  // Every SDK's default chain (JS v3 defaultProvider, botocore, Java v2, Go v2) tries environment
  // keys first, then web identity, then container credentials; profiles and SSO sit between and
  // are not set by either webhook.
  const effective: CredentialPath = staticKeys ? 'static-keys' : irsa ? 'irsa' : podIdentity ? 'pod-identity' : 'none';
  const conflicting = [staticKeys, irsa, podIdentity].filter(Boolean).length > 1;
  return { staticKeys, irsa, podIdentity, effective, conflicting };
}

/** Which credentials a process with this environment gets from the SDK default chain. */
export function credentialPath(env: Record<string, string>): CredentialPath {
  return credentialVariablesReport(env).effective;
}

export interface ExpectedIdentity {
  roleArn: string;
  /**
   * The association's target role: on Pod Identity the pods run as it, EKS having assumed
   * `roleArn` first (EKS User Guide, "Access AWS Resources using EKS Pod Identity Target IAM
   * Roles"). IRSA is unaffected.
   */
  targetRoleArn?: string;
  /** Fleet cluster name. */
  cluster: string;
  /** EKS cluster name when it differs from the fleet name: Pod Identity sessions carry this one. */
  eksClusterName?: string;
}

const ASSUMED_ROLE = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;
// STS caps role session names at 64 characters (IAM and STS quotas, "Role session name").
const SESSION_NAME_MAX = 64;
const TRAILING_UUID = /-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * EKS keeps the first 10 characters of the cluster and of the pod name in a Pod Identity
 * session name. The EKS Auth API documents only `eks-clustername-podname-random UUID`
 * (AssumeRoleForPodIdentity, AssumedRoleUser.assumeRoleId); real sessions read
 * `eks-eksworksho-app1-v1-5b-de387d83-…` for cluster `eksworkshop-eksctl` and pod
 * `app1-v1-5b…` (aws-samples' EKS workshops, `aws sts get-caller-identity` in a pod, and
 * the STS AssumeRole event EKS Auth makes). With a 36-character UUID that is at most 62.
 */
export const SESSION_NAME_PART_MAX = 10;

/** The session name EKS gives a pod's Pod Identity credentials (see SESSION_NAME_PART_MAX). */
export function podIdentitySessionName(cluster: string, pod: string, uuid: string): string {
  return `eks-${cluster.slice(0, SESSION_NAME_PART_MAX)}-${pod.slice(0, SESSION_NAME_PART_MAX)}-${uuid}`.slice(
    0,
    SESSION_NAME_MAX,
  );
}

/**
 * Is `session` a Pod Identity session of `cluster`? Its part after `eks-` starts with the
 * cluster name cut to 10 characters or longer (the cut is EKS's, undocumented, so a longer
 * kept prefix is accepted too), then `-`. Clusters that share their first 10 characters
 * cannot be told apart by the session name; the role and the pod's variables still are
 * checked. A name STS cut at 64 inside the cluster part counts if what is left is a prefix.
 */
function isPodIdentitySession(session: string, cluster: string): boolean {
  if (!session.startsWith('eks-')) return false;
  const rest = session.slice('eks-'.length);
  for (let kept = cluster.length; kept >= Math.min(cluster.length, SESSION_NAME_PART_MAX); kept--) {
    if (rest.startsWith(`${cluster.slice(0, kept)}-`)) return true;
  }
  if (session.length !== SESSION_NAME_MAX) return false;
  const head = rest.replace(TRAILING_UUID, '');
  return head.length > 0 && `${cluster}-`.startsWith(head);
}

/** Does this `get-caller-identity` ARN show the pod on the expected role, through the expected path? */
export function checkCallerIdentity(
  arn: string,
  expected: ExpectedIdentity,
  path: 'pod-identity' | 'irsa',
): { ok: boolean; message: string } {
  const fail = (message: string) => ({ ok: false, message });
  const chained = path === 'pod-identity' && expected.targetRoleArn !== undefined;
  let role;
  try {
    role = parseRoleArn(chained ? (expected.targetRoleArn ?? '') : expected.roleArn);
  } catch (err) {
    if (err instanceof ValidationError) return fail(err.message);
    throw err;
  }
  const match = ASSUMED_ROLE.exec(arn.trim());
  if (!match) return fail(`caller ${arn} is not an assumed-role session`);
  const [, partition, account, roleName = '', session = ''] = match;
  if (partition !== role.partition || account !== role.accountId) {
    return fail(`caller ${arn} is in ${partition}/${account}, expected ${role.partition}/${role.accountId}`);
  }
  // Assumed-role ARNs drop the role path; IAM role names are case-insensitive.
  if (roleName.toLowerCase() !== role.roleName.toLowerCase()) {
    return fail(`caller ${arn} runs as role ${roleName}, expected ${role.roleName}`);
  }
  const eksCluster = expected.eksClusterName ?? expected.cluster;
  const prefix = `eks-${eksCluster}-`;
  if (chained) {
    // How EKS names the session on the target role is not documented, so only the role and its
    // account are checked here; the pod's credential variables have already shown Pod Identity.
    return { ok: true, message: `Pod Identity session ${session} on target role ${roleName}` };
  }
  if (path === 'pod-identity') {
    if (isPodIdentitySession(session, eksCluster)) {
      return { ok: true, message: `Pod Identity session ${session} on role ${roleName}` };
    }
    return fail(`caller ${arn} is not a Pod Identity session for cluster ${expected.cluster} (expected ${prefix}…)`);
  }
  if (session.startsWith('eks-')) {
    return fail(`caller ${arn} is a Pod Identity session, expected IRSA (web identity)`);
  }
  return { ok: true, message: `IRSA session ${session} on role ${roleName}` };
}

export interface CallerIdentity {
  arn: string;
  account?: string;
  userId?: string;
}

/** `aws sts get-caller-identity` output, JSON (or text) among whatever else the command printed. */
export function parseCallerIdentityOutput(stdout: string): CallerIdentity | undefined {
  for (const candidate of jsonObjectCandidates(stdout)) {
    const identity = identityFrom(candidate);
    if (identity) return identity;
  }
  // `--output text`: UserId, Account, Arn separated by tabs.
  const arnMatch = /\barn:[\w-]+:(?:sts|iam)::\d{12}:\S+/.exec(stdout);
  if (!arnMatch) return undefined;
  const line = stdout.split('\n').find((l) => l.includes(arnMatch[0])) ?? '';
  const fields = line.trim().split(/\s+/);
  const arnIndex = fields.indexOf(arnMatch[0]);
  if (arnIndex === 2 && /^\d{12}$/.test(fields[1] ?? '')) {
    return { arn: arnMatch[0], account: fields[1], userId: fields[0] };
  }
  return { arn: arnMatch[0] };
}

// Bounds the quadratic search below; real output is a few hundred bytes.
const MAX_OUTPUT = 64 * 1024;

/** JSON objects spanning whole lines (`{` opens a line, `}` ends one), longest first. */
function* jsonObjectCandidates(text: string): Generator<unknown> {
  const lines = text.slice(0, MAX_OUTPUT).split('\n');
  for (let first = 0; first < lines.length; first++) {
    if (!(lines[first] ?? '').trimStart().startsWith('{')) continue;
    for (let last = lines.length - 1; last >= first; last--) {
      if (!(lines[last] ?? '').trimEnd().endsWith('}')) continue;
      const parsed = tryParseJson(lines.slice(first, last + 1).join('\n'));
      if (parsed !== undefined) {
        yield parsed;
        break;
      }
    }
  }
}

function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function identityFrom(value: unknown): CallerIdentity | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.Arn !== 'string') return undefined;
  const identity: CallerIdentity = { arn: record.Arn };
  if (typeof record.Account === 'string') identity.account = record.Account;
  if (typeof record.UserId === 'string') identity.userId = record.UserId;
  return identity;
}
