/**
 * Whether an association's target role will let EKS chain to it. EKS Pod Identity assumes
 * the association's role, then calls `sts:AssumeRole` on the target with that session
 * (EKS User Guide, "Access AWS Resources using EKS Pod Identity Target IAM Roles",
 * https://docs.aws.amazon.com/eks/latest/userguide/pod-id-assign-target-role.html):
 * - the target's trust must admit the role, for `sts:AssumeRole` and, since the Pod Identity
 *   session tags are transitive and passed on, `sts:TagSession` (the guide's trust example;
 *   EKS User Guide, pod-id-abac, "Cross-account tags");
 * - the role's permission policy must allow both on the target (the guide's "Update the
 *   permission policy for EKS Pod Identity role"). IAM needs that grant for any other
 *   account, and in the same account whenever the trust names the account rather than the
 *   role (IAM User Guide, "Cross-account policy evaluation logic").
 * The guide conditions the trust on `aws:PrincipalARN`, the request tags and, with session
 * tags disabled, `sts:ExternalId`: the first two are decided here, the external id (the
 * association's, known once it exists) is not.
 */
import { policiesAllow, type ActionVerdict } from './iam-actions.js';
import type { NamedPolicyDocument } from './iam.js';
import { parseRoleArn } from './names.js';
import { iamWildcardMatch, toList } from './trust-policy.js';
import type { Finding, PolicyDocument, PolicyStatement, ServiceAccountRef } from './types.js';

export interface TargetRoleFacts {
  /** The association's role, in the clusters' account. */
  roleArn: string;
  targetRoleArn: string;
  /** Whether the associations pass the six Pod Identity session tags (not `--disable-session-tags`). */
  sessionTags: boolean;
  serviceAccount: ServiceAccountRef;
  /** The run's clusters, for the `eks-cluster-arn` and `eks-cluster-name` request tags. */
  clusterArns: string[];
  /** The role's inline and attached policies; undefined when they could not be read. */
  rolePolicies?: NamedPolicyDocument[];
  /** The role's permissions boundary, when it has one. */
  boundary?: NamedPolicyDocument;
  /** The target's trust policy; undefined when it is in an account this tool cannot read. */
  targetTrust?: PolicyDocument;
}

type Decided = boolean | undefined;

/** What EKS's `AssumeRole` on the target carries, for one cluster: keys lower-cased; undefined values vary per pod. */
function requestContext(f: TargetRoleFacts, clusterArn: string | undefined): Map<string, string | undefined> {
  const role = parseRoleArn(f.roleArn);
  const context = new Map<string, string | undefined>([
    ['aws:principalarn', f.roleArn],
    ['aws:principalaccount', role.accountId],
    // Set by EKS from the association, which does not exist yet.
    ['sts:externalid', undefined],
  ]);
  if (f.sessionTags) {
    const tags: Record<string, string | undefined> = {
      'kubernetes-namespace': f.serviceAccount.namespace,
      'kubernetes-service-account': f.serviceAccount.name,
      'eks-cluster-arn': clusterArn,
      'eks-cluster-name': clusterArn === undefined ? undefined : /:cluster\/([^/]+)$/.exec(clusterArn)?.[1],
      'kubernetes-pod-name': undefined,
      'kubernetes-pod-uid': undefined,
    };
    for (const [key, value] of Object.entries(tags)) context.set(`aws:requesttag/${key}`, value);
  }
  return context;
}

const STRING_OPERATORS: Record<string, (expected: string, actual: string) => boolean> = {
  StringEquals: (e, a) => e === a,
  StringEqualsIgnoreCase: (e, a) => e.toLowerCase() === a.toLowerCase(),
  StringLike: (e, a) => iamWildcardMatch(e, a, { ignoreCase: false }),
  ArnEquals: (e, a) => iamWildcardMatch(e, a, { ignoreCase: false }),
  ArnLike: (e, a) => iamWildcardMatch(e, a, { ignoreCase: false }),
};
const NEGATED: Record<string, string> = {
  StringNotEquals: 'StringEquals',
  StringNotEqualsIgnoreCase: 'StringEqualsIgnoreCase',
  StringNotLike: 'StringLike',
  ArnNotEquals: 'ArnEquals',
  ArnNotLike: 'ArnLike',
};

/**
 * One condition, three-valued: true or false when the request decides it, undefined when
 * it depends on what is not known here (a value that varies per pod, an operator or key not
 * modelled). A key absent from the request fails it unless the operator ends in `IfExists`
 * (IAM User Guide, "Condition operators").
 */
function conditionHolds(
  operator: string,
  key: string,
  values: string[],
  context: Map<string, string | undefined>,
): Decided {
  const lowered = key.toLowerCase();
  if (operator === 'Null') {
    if (!context.has(lowered)) return values.includes('true');
    return context.get(lowered) === undefined ? undefined : values.includes('false');
  }
  const ifExists = operator.endsWith('IfExists');
  const base = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  const positive = STRING_OPERATORS[base] ?? STRING_OPERATORS[NEGATED[base] ?? ''];
  if (positive === undefined) return undefined;
  if (!context.has(lowered)) return ifExists;
  const actual = context.get(lowered);
  if (actual === undefined) return undefined;
  const matched = values.some((expected) => positive(expected, actual));
  return NEGATED[base] === undefined ? matched : !matched;
}

function allConditions(statement: PolicyStatement, context: Map<string, string | undefined>): Decided {
  let result: Decided = true;
  for (const [operator, block] of Object.entries(statement.Condition ?? {})) {
    for (const [key, value] of Object.entries(block)) {
      const holds = conditionHolds(operator, key, toList(value), context);
      if (holds === false) return false;
      if (holds === undefined) result = undefined;
    }
  }
  return result;
}

/** How the statement names the caller: the role itself, its account, or anyone; undefined: it does not. */
function namedBy(statement: PolicyStatement, roleArn: string): 'role' | 'account' | undefined {
  if (statement.NotPrincipal !== undefined) return undefined;
  const role = parseRoleArn(roleArn);
  const principals = statement.Principal === '*' ? ['*'] : toList(statement.Principal?.AWS);
  if (principals.some((p) => p.toLowerCase() === roleArn.toLowerCase())) return 'role';
  const root = `arn:${role.partition}:iam::${role.accountId}:root`;
  return principals.some((p) => p === '*' || p === root || p === role.accountId) ? 'account' : undefined;
}

function coversAction(statement: PolicyStatement, action: string): boolean {
  const match = (pattern: string) => iamWildcardMatch(pattern, action, { ignoreCase: true });
  if (statement.Action !== undefined) return toList(statement.Action).some(match);
  return statement.NotAction !== undefined && !toList(statement.NotAction).some(match);
}

interface TrustVerdict {
  allows: Decided;
  /** Allowed only through a statement naming the account (or anyone): the role's own policy must grant it too. */
  throughAccount: boolean;
  reason: string;
}

/** Does the target's trust let the role's session do `action` in this request? */
function trustAllows(
  trust: PolicyDocument,
  f: TargetRoleFacts,
  action: string,
  context: Map<string, string | undefined>,
): TrustVerdict {
  let allowed = false;
  let mayDeny: string | undefined;
  let mayAllow: string | undefined;
  // How the statements that allow (or may) name the caller: the role itself wins.
  const naming = { allow: new Set<string>(), mayAllow: new Set<string>() };
  for (const statement of trust.Statement) {
    const named = namedBy(statement, f.roleArn);
    if (named === undefined || !coversAction(statement, action)) continue;
    const applies = allConditions(statement, context);
    const label = statement.Sid === undefined ? 'a statement' : `statement ${statement.Sid}`;
    if (statement.Effect === 'Deny') {
      if (applies === true) return { allows: false, throughAccount: false, reason: `${label} denies ${action}` };
      if (applies === undefined) mayDeny ??= `${label} may deny ${action} (conditions decided only when EKS calls)`;
      continue;
    }
    if (applies === false) continue;
    naming[applies === true ? 'allow' : 'mayAllow'].add(named);
    if (applies === true) allowed = true;
    else
      mayAllow ??= `${label} allows ${action} only under conditions decided when EKS calls (an external id or a pod's name)`;
  }
  const throughAccount = !naming[allowed ? 'allow' : 'mayAllow'].has('role');
  if (mayDeny !== undefined) return { allows: undefined, throughAccount, reason: mayDeny };
  if (allowed) return { allows: true, throughAccount, reason: '' };
  if (mayAllow !== undefined) return { allows: undefined, throughAccount, reason: mayAllow };
  return { allows: false, throughAccount, reason: `no statement admits ${f.roleArn} for ${action}` };
}

/** The trust statement the guide gives, for this role: what to add to the target. */
export function targetTrustStatement(f: Pick<TargetRoleFacts, 'roleArn' | 'sessionTags'>): PolicyStatement {
  const role = parseRoleArn(f.roleArn);
  return {
    Effect: 'Allow',
    Principal: { AWS: `arn:${role.partition}:iam::${role.accountId}:root` },
    Action: f.sessionTags ? ['sts:AssumeRole', 'sts:TagSession'] : 'sts:AssumeRole',
    Condition: { ArnEquals: { 'aws:PrincipalARN': f.roleArn } },
  };
}

function neededActions(f: TargetRoleFacts): string[] {
  return f.sessionTags ? ['sts:AssumeRole', 'sts:TagSession'] : ['sts:AssumeRole'];
}

/** The role's own grant of `action` on the target: its policies allow it, and its boundary lets them. */
function roleGrants(f: TargetRoleFacts, action: string): ActionVerdict | undefined {
  if (f.rolePolicies === undefined) return undefined;
  const granted = policiesAllow(f.rolePolicies, action, f.targetRoleArn);
  if (granted.allows !== 'yes' || f.boundary === undefined) return granted;
  const bounded = policiesAllow([f.boundary], action, f.targetRoleArn);
  return bounded.allows === 'yes' ? granted : bounded;
}

export function checkTargetRole(f: TargetRoleFacts): Finding[] {
  const findings: Finding[] = [];
  const role = parseRoleArn(f.roleArn);
  const target = parseRoleArn(f.targetRoleArn);
  const crossAccount = target.accountId !== role.accountId;
  const statement = JSON.stringify(targetTrustStatement(f));
  const actions = neededActions(f);
  let throughAccount = crossAccount;

  if (f.targetTrust === undefined) {
    findings.push({
      severity: 'warning',
      code: 'target-role-unverified',
      message:
        `target role ${f.targetRoleArn} is in account ${target.accountId}, whose IAM this tool does not read: ` +
        `make sure its trust policy admits ${f.roleArn} for ${actions.join(' and ')}, e.g. ${statement}, or the pods get no credentials`,
    });
  } else {
    const clusters: (string | undefined)[] = f.clusterArns.length > 0 ? f.clusterArns : [undefined];
    const verdicts = clusters.flatMap((clusterArn) =>
      actions.map((action) => ({
        clusterArn,
        ...trustAllows(f.targetTrust!, f, action, requestContext(f, clusterArn)),
      })),
    );
    const refused = verdicts.find((v) => v.allows === false);
    const undecided = verdicts.find((v) => v.allows === undefined);
    throughAccount ||= verdicts.some((v) => v.allows !== false && v.throughAccount);
    if (refused !== undefined) {
      const where = refused.clusterArn === undefined ? '' : ` for pods of ${refused.clusterArn}`;
      findings.push({
        severity: 'blocking',
        code: 'target-role-trust',
        message:
          `target role ${f.targetRoleArn} does not let ${f.roleArn} assume it${where}: ${refused.reason}. ` +
          `Add to its trust policy, e.g. ${statement}`,
      });
    } else if (undecided !== undefined) {
      findings.push({
        severity: 'warning',
        code: 'target-role-trust-unverified',
        message:
          `target role ${f.targetRoleArn}: ${undecided.reason}; check it once the association exists ` +
          `(its externalId is in aws eks describe-pod-identity-association)`,
      });
    }
  }

  if (!throughAccount) return findings;
  for (const action of actions) {
    const grant = roleGrants(f, action);
    if (grant === undefined || grant.allows === 'yes') continue;
    findings.push({
      severity: grant.allows === 'no' ? 'blocking' : 'warning',
      code: 'target-role-permission',
      message:
        `role ${f.roleArn} must itself be allowed ${action} on ${f.targetRoleArn}` +
        `${crossAccount ? ' (another account)' : " (the target's trust names the account, not the role)"}: ${grant.reason}`,
    });
  }
  return findings;
}
