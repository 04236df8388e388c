/**
 * Role reuse (the seed's FAQ 3: "if you skip conditions, role reuse becomes shared blast
 * radius in disguise"). A role that other service accounts' associations use is judged by
 * what IAM's simulator answers for the session tags Pod Identity sets: the intended
 * service account and each foreign one, on the actions and resources the role's policies
 * name. A foreign namespace allowed what the intended one is blocks (unless the requester
 * accepted it); a tag key no session carries that denies the intended one blocks too.
 */
import type { NamedPolicyDocument } from './iam.js';
import type { SimulationDecision, SimulationResult } from './policy-simulation.js';
import { isSessionTag, principalTagKeys } from './principal-tags.js';
import type { Finding, PolicyStatement } from './types.js';

/** An association of the role for a service account other than the one migrating. */
export interface RoleUser {
  cluster: string;
  namespace: string;
  serviceAccount: string;
  associationId: string;
}

/** A service account whose sessions are simulated: its tags are what Pod Identity would set. */
export interface ReuseSubject {
  cluster: string;
  namespace: string;
  serviceAccount: string;
  intended: boolean;
}

export interface ReuseCell {
  action: string;
  resource: string;
  decision: SimulationDecision;
  missingContextKeys?: string[];
}

export interface ReuseRow extends ReuseSubject {
  cells: ReuseCell[];
}

/** What the check found, for the plan, the state and the CLI's matrix. Plain JSON. */
export interface RoleReuseReport {
  roleArn: string;
  /** `--target-role`: the role the pods run as; its policies were simulated, its users counted. */
  targetRoleArn?: string;
  sharedWith: RoleUser[];
  /** Clusters whose associations could not be listed: the role may be shared there. */
  unreadClusters: string[];
  /** Pairs simulated; wildcard actions (`s3:*`) and `NotAction` statements are not. */
  simulated: { pairs: { action: string; resource: string }[]; notSimulated: string[] };
  /** One row per subject, the intended one first. Empty: nothing needed simulating. */
  matrix: ReuseRow[];
  /** Set when the requester accepted a shared role (`--accept-shared-role`). */
  accepted?: { by: string };
}

const toList = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

const isWildcard = (action: string) => /[*?]/.test(action);
const subjectName = (s: { namespace: string; serviceAccount: string }) => `${s.namespace}/${s.serviceAccount}`;

/** The six session tags Pod Identity sets for a pod of `subject`, as simulator context entries. */
export function sessionTagContext(
  subject: ReuseSubject,
  cluster: { name: string; arn?: string },
  roleTags: Record<string, string> = {},
): Record<string, string> {
  const context: Record<string, string> = {};
  // Role tags are principal tags of every session; on a key collision the session tag wins.
  for (const [key, value] of Object.entries(roleTags)) context[`aws:PrincipalTag/${key}`] = value;
  Object.assign(context, {
    ...(cluster.arn === undefined ? {} : { 'aws:PrincipalTag/eks-cluster-arn': cluster.arn }),
    'aws:PrincipalTag/eks-cluster-name': cluster.name,
    'aws:PrincipalTag/kubernetes-namespace': subject.namespace,
    'aws:PrincipalTag/kubernetes-service-account': subject.serviceAccount,
    'aws:PrincipalTag/kubernetes-pod-name': `${subject.serviceAccount}-simulated`,
    'aws:PrincipalTag/kubernetes-pod-uid': '00000000-0000-4000-8000-000000000000',
  });
  return context;
}

/** `${aws:PrincipalTag/x}` replaced by the intended subject's value; an unknown key by `*`. */
function resourceFor(resource: string, context: Record<string, string>): string {
  return resource.replace(/\$\{([^}]*)\}/g, (_, inner: string) => {
    if (inner === '*' || inner === '?' || inner === '$') return inner;
    const key = inner.split(',')[0]?.trim().toLowerCase() ?? '';
    return Object.entries(context).find(([k]) => k.toLowerCase() === key)?.[1] ?? '*';
  });
}

/**
 * The actions the role's Allow statements name, each with the resources of its statement
 * (variables filled in for the intended subject): what the simulator is asked about.
 */
export function simulationTargets(
  documents: NamedPolicyDocument[],
  intendedContext: Record<string, string>,
  limit = 40,
): RoleReuseReport['simulated'] {
  const pairs = new Map<string, { action: string; resource: string }>();
  const notSimulated = new Set<string>();
  for (const { document } of documents) {
    for (const statement of document.Statement) {
      if (statement.Effect !== 'Allow') continue;
      if (statement.Action === undefined) {
        notSimulated.add(`NotAction ${toList(statement.NotAction).join(',')}`);
        continue;
      }
      const resources = statement.Resource === undefined ? ['*'] : toList(statement.Resource);
      for (const action of toList(statement.Action)) {
        if (isWildcard(action)) {
          notSimulated.add(action);
          continue;
        }
        for (const raw of resources) {
          const resource = resourceFor(raw, intendedContext);
          const key = `${action.toLowerCase()} ${resource}`;
          if (pairs.size < limit && !pairs.has(key)) pairs.set(key, { action, resource });
        }
      }
    }
  }
  return { pairs: [...pairs.values()], notSimulated: [...notSimulated].sort() };
}

/** The simulator's answers cut down to the pairs asked about, in their order. */
export function rowOf(
  subject: ReuseSubject,
  pairs: RoleReuseReport['simulated']['pairs'],
  results: SimulationResult[],
): ReuseRow {
  return {
    ...subject,
    cells: pairs.map(({ action, resource }) => {
      const result = results.find((r) => r.action.toLowerCase() === action.toLowerCase() && r.resource === resource);
      const missing = result?.missingContextKeys ?? [];
      return {
        action,
        resource,
        decision: result?.decision ?? 'implicitDeny',
        ...(missing.length > 0 ? { missingContextKeys: missing } : {}),
      };
    }),
  };
}

/** Does the policy need simulating: the role is shared, or its policies read principal tags. */
export function needsSimulation(documents: NamedPolicyDocument[], sharedWith: RoleUser[]): boolean {
  return sharedWith.length > 0 || documents.some((d) => principalTagKeys(d.document).length > 0);
}

/** The statements that name `action` and read the principal-tag `key`: what to quote. */
function statementsReading(documents: NamedPolicyDocument[], action: string, key: string): string[] {
  const tag = key.replace(/^aws:principaltag\//i, '').toLowerCase();
  return documents.flatMap(({ source, document }) =>
    document.Statement.filter(
      (s: PolicyStatement) =>
        s.Effect === 'Allow' &&
        toList(s.Action).some((a) => a.toLowerCase() === action.toLowerCase()) &&
        principalTagKeys(s).some((k) => k.toLowerCase() === tag),
    ).map((s) => `${source}: ${JSON.stringify(s)}`),
  );
}

const nameOf = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

/** `role app` or, chained, `target role data (via app)`: the role whose permissions were weighed. */
export function reusedRoleLabel(report: Pick<RoleReuseReport, 'roleArn' | 'targetRoleArn'>): string {
  return report.targetRoleArn === undefined
    ? `role ${nameOf(report.roleArn)}`
    : `target role ${nameOf(report.targetRoleArn)} (via ${nameOf(report.roleArn)})`;
}

/** The findings the matrix holds. */
export function judgeRoleReuse(report: RoleReuseReport, documents: NamedPolicyDocument[]): Finding[] {
  const findings: Finding[] = [];
  const role = reusedRoleLabel(report);
  const intended = report.matrix.find((row) => row.intended);
  if (intended === undefined) return findings;
  const who = subjectName(intended);
  for (const cell of intended.cells.filter((c) => c.decision === 'implicitDeny')) {
    const foreignKeys = (cell.missingContextKeys ?? []).filter((k) => /^aws:principaltag\//i.test(k));
    for (const key of foreignKeys.filter((k) => !isSessionTag(k.replace(/^aws:principaltag\//i, '').toLowerCase()))) {
      const quoted = statementsReading(documents, cell.action, key);
      findings.push({
        severity: 'blocking',
        code: 'principal-tag-denies',
        message:
          `${role}: ${who} would be denied ${cell.action} on ${cell.resource}: the policy reads ${key}, which no ` +
          `Pod Identity session carries (simulated: implicitDeny, missing ${key})` +
          (quoted.length > 0 ? `; statement ${quoted.join('; statement ')}` : ''),
      });
    }
  }
  const allowedForIntended = new Set(
    intended.cells.filter((c) => c.decision === 'allowed').map((c) => `${c.action} ${c.resource}`),
  );
  for (const row of report.matrix.filter((r) => !r.intended && r.namespace !== intended.namespace)) {
    const leaked = row.cells.filter(
      (c) => c.decision === 'allowed' && allowedForIntended.has(`${c.action} ${c.resource}`),
    );
    if (leaked.length === 0) continue;
    const what = leaked.map((c) => `${c.action} on ${c.resource}`).join(', ');
    const base =
      `${role} is shared with ${subjectName(row)} (${row.cluster}), and namespace ${row.namespace} is allowed what ` +
      `${who} is: ${what}: shared blast radius in disguise`;
    findings.push(
      report.accepted
        ? {
            severity: 'warning',
            code: 'shared-role-accepted',
            message: `${base} (accepted by ${report.accepted.by} with --accept-shared-role)`,
          }
        : {
            severity: 'blocking',
            code: 'shared-role-foreign-allowed',
            message: `${base}; scope the policy with aws:PrincipalTag/kubernetes-namespace (or …/kubernetes-service-account), give ${who} a role of its own, or accept it with --accept-shared-role (under the access policy, only for a role its rule lists in sharedRoles)`,
          },
    );
  }
  if (report.unreadClusters.length > 0) {
    findings.push({
      severity: 'warning',
      code: 'role-associations-unread',
      message: `${role}: associations in ${report.unreadClusters.join(', ')} could not be listed: it may be shared there too`,
    });
  }
  return findings;
}
