/**
 * The exact commands that fix a drift finding. Trust fixes are computed per role from all
 * of its findings at once: two commands that each rewrite the whole trust policy from the
 * same starting point would undo each other.
 */
import { IRSA_ANNOTATION } from './constants.js';
import {
  cloneDocument,
  federatedIssuers,
  irsaStatement,
  issuerHostPath,
  POD_IDENTITY_PRINCIPAL,
  podIdentityStatement,
  toList,
  trustPolicySize,
} from './trust-policy.js';
import type { PolicyDocument, PolicyStatement } from './types.js';

/** Sid of a Pod Identity statement a drift fix adds; not the migration's, which rollback removes. */
export const DRIFT_FIX_POD_IDENTITY_SID = 'EksPodIdentity';

/** POSIX single-quoting: the argument reaches the command exactly as given. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:=@,+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

export function annotateCommand(context: string, namespace: string, name: string, roleArn: string): string {
  return [
    'kubectl',
    '--context',
    shellQuote(context),
    '--namespace',
    shellQuote(namespace),
    'annotate',
    'serviceaccount',
    shellQuote(name),
    `${IRSA_ANNOTATION}=${roleArn}`,
    '--overwrite',
  ].join(' ');
}

export interface EksClusterRef {
  eksClusterName: string;
  region?: string;
}

const regionFlag = (region: string | undefined) => (region === undefined ? '' : ` --region ${shellQuote(region)}`);

export function deleteAssociationCommand(cluster: EksClusterRef, associationId: string): string {
  return `aws eks delete-pod-identity-association${regionFlag(cluster.region)} --cluster-name ${shellQuote(cluster.eksClusterName)} --association-id ${shellQuote(associationId)}`;
}

export function updateAssociationCommand(cluster: EksClusterRef, associationId: string, roleArn: string): string {
  return `aws eks update-pod-identity-association${regionFlag(cluster.region)} --cluster-name ${shellQuote(cluster.eksClusterName)} --association-id ${shellQuote(associationId)} --role-arn ${shellQuote(roleArn)}`;
}

export function createOidcProviderCommand(issuerUrl: string): string {
  return `aws iam create-open-id-connect-provider --url ${shellQuote(issuerUrl)} --client-id-list sts.amazonaws.com`;
}

/** What the findings of one role ask of its trust policy. */
export interface TrustEdit {
  /** IRSA subjects to admit: the cluster's issuer URL and the service account. */
  admit: { issuer: string; namespace: string; serviceAccount: string }[];
  /** Issuer host+paths whose statements go (their OIDC provider is gone). */
  dropIssuers: string[];
  addPodIdentity: boolean;
  dropPodIdentity: boolean;
}

export function emptyTrustEdit(): TrustEdit {
  return { admit: [], dropIssuers: [], addPodIdentity: false, dropPodIdentity: false };
}

function admitStatements(edit: TrustEdit, roleArn: string): PolicyStatement[] {
  const [, partition = 'aws', accountId = ''] = /^arn:([^:]+):iam::(\d{12}):/.exec(roleArn) ?? [];
  const byIssuer = new Map<string, { issuer: string; subjects: string[] }>();
  for (const { issuer, namespace, serviceAccount } of edit.admit) {
    const host = issuerHostPath(issuer);
    const entry = byIssuer.get(host) ?? { issuer, subjects: [] };
    const subject = `system:serviceaccount:${namespace}:${serviceAccount}`;
    if (!entry.subjects.includes(subject)) entry.subjects.push(subject);
    byIssuer.set(host, entry);
  }
  return [...byIssuer.entries()].map(([host, { issuer, subjects }]) => {
    const [first = ''] = subjects;
    const [ns = '', sa = ''] = first.split(':').slice(2);
    const statement = irsaStatement(accountId, issuer, ns, sa, partition);
    const condition = statement.Condition?.StringEquals;
    if (condition && subjects.length > 1) condition[`${host}:sub`] = subjects;
    return statement;
  });
}

/** The statement without Pod Identity among its principals; undefined when nothing is left. */
function withoutPodIdentity(statement: PolicyStatement): PolicyStatement | undefined {
  const principal = statement.Principal;
  if (principal === undefined || principal === '*') return statement;
  const services = toList(principal.Service);
  if (!services.includes(POD_IDENTITY_PRINCIPAL)) return statement;
  const copy = cloneDocument(statement);
  const rest = services.filter((s) => s !== POD_IDENTITY_PRINCIPAL);
  const principals = { ...principal };
  if (rest.length === 0) delete principals.Service;
  else principals.Service = rest.length === 1 ? (rest[0] ?? '') : rest;
  if (Object.keys(principals).length === 0) return undefined;
  copy.Principal = principals;
  return copy;
}

/** The trust policy with the edit applied. */
export function editTrustPolicy(current: PolicyDocument, edit: TrustEdit, roleArn: string): PolicyDocument {
  const dropped = edit.dropIssuers.map(issuerHostPath);
  const statements: PolicyStatement[] = [];
  for (const statement of current.Statement) {
    const issuers = federatedIssuers(statement);
    if (issuers.length > 0 && issuers.every((i) => dropped.includes(i))) continue;
    const kept = edit.dropPodIdentity ? withoutPodIdentity(statement) : statement;
    if (kept) statements.push(cloneDocument(kept));
  }
  statements.push(...admitStatements(edit, roleArn));
  if (edit.addPodIdentity) {
    const sidTaken = statements.some((s) => s.Sid === DRIFT_FIX_POD_IDENTITY_SID);
    const statement = podIdentityStatement(DRIFT_FIX_POD_IDENTITY_SID);
    if (sidTaken) delete statement.Sid;
    statements.push(statement);
  }
  return { Version: current.Version ?? '2012-10-17', Statement: statements };
}

export interface TrustFix {
  commands: string[];
  note?: string;
}

/**
 * The command that makes the role's trust what its findings ask: `update-assume-role-policy`
 * with the whole new document, or `create-role` when the role does not exist.
 */
export function trustFix(
  role: { arn: string; name: string; trustPolicy?: PolicyDocument },
  edit: TrustEdit,
  limit: number,
): TrustFix {
  const name = shellQuote(role.name);
  const document = editTrustPolicy(role.trustPolicy ?? { Version: '2012-10-17', Statement: [] }, edit, role.arn);
  if (document.Statement.length === 0) {
    return {
      commands: [`aws iam delete-role --role-name ${name}`],
      note: `no trust statement would be left: nothing can assume ${role.name}. Detach and delete its policies first (aws iam list-attached-role-policies, list-role-policies), or keep it with a statement of its own`,
    };
  }
  const json = shellQuote(JSON.stringify(document));
  const command =
    role.trustPolicy === undefined
      ? `aws iam create-role --role-name ${name} --assume-role-policy-document ${json}`
      : `aws iam update-assume-role-policy --role-name ${name} --policy-document ${json}`;
  const size = trustPolicySize(document);
  const notes = [
    role.trustPolicy === undefined ? `then attach the permissions ${role.name} had` : undefined,
    size > limit
      ? `the new trust policy is ${size} characters, over the account's ${limit}-character quota: raise the quota (Service Quotas, IAM "Role trust policy length") or move clusters to Pod Identity first`
      : undefined,
  ].filter((n): n is string => n !== undefined);
  return { commands: [command], ...(notes.length ? { note: notes.join('; ') } : {}) };
}
