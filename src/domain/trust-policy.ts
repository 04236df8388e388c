import { POD_IDENTITY_TRUST_SID } from './constants.js';
import { ValidationError } from './errors.js';
import type { PolicyDocument, PolicyStatement } from './types.js';

// The same in every partition: the China user guide's Pod Identity trust policy names
// `pods.eks.amazonaws.com` too (docs.amazonaws.cn/en_us/eks/latest/userguide/pod-id-role.html).
export const POD_IDENTITY_PRINCIPAL = 'pods.eks.amazonaws.com';
export const POD_IDENTITY_ACTIONS = ['sts:AssumeRole', 'sts:TagSession'] as const;
/** IAM's default quota for a role trust policy, in characters, whitespace excluded. */
export const DEFAULT_TRUST_POLICY_LIMIT = 2048;

const IRSA_ACTION = 'sts:AssumeRoleWithWebIdentity';
const IRSA_AUDIENCE = 'sts.amazonaws.com';
// IAM only accepts alphanumeric Sids.
const SID = /^[A-Za-z0-9]+$/;

export function toList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** JSON-only deep copy: the documents are JSON, and this also runs in the workflow sandbox. */
export function cloneDocument<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** IAM wildcard match (`*`, `?`). Actions match case-insensitively; `StringLike` values do not. */
export function iamWildcardMatch(pattern: string, value: string, options: { ignoreCase: boolean }): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, options.ignoreCase ? 'is' : 's').test(value);
}

/**
 * Who a scoped Pod Identity statement admits. EKS Pod Identity sets these as request tags
 * when it assumes the role (EKS User Guide, "Create IAM role with trust policy required by
 * EKS Pod Identity", https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html:
 * "You can use these tags in the condition keys in the trust policy to restrict which
 * service accounts, namespaces, and clusters can use this role"). Without them the
 * statement trusts every association in the account that names the role.
 */
export interface PodIdentityTrustScope {
  namespace: string;
  serviceAccount: string;
  /**
   * The clusters' ARNs, as the `eks-cluster-arn` session tag carries them. Empty: any
   * cluster, as in the guide's own example (namespace and service account only).
   */
  clusterArns: string[];
}

/** The request-tag condition keys a scoped statement tests, in the order it writes them. */
export const POD_IDENTITY_SCOPE_KEYS = {
  namespace: 'aws:RequestTag/kubernetes-namespace',
  serviceAccount: 'aws:RequestTag/kubernetes-service-account',
  clusterArn: 'aws:RequestTag/eks-cluster-arn',
} as const;
const CLUSTER_NAME_KEY = 'aws:RequestTag/eks-cluster-name';

type ScopeDimension = keyof typeof POD_IDENTITY_SCOPE_KEYS;
const DIMENSIONS: ScopeDimension[] = ['namespace', 'serviceAccount', 'clusterArn'];
/** Condition values by dimension; a dimension left out is not tested (any value). */
type ScopeValues = Partial<Record<ScopeDimension, string[]>>;

function scopeValues(scope: PodIdentityTrustScope): ScopeValues {
  const clusterArns = [...new Set(scope.clusterArns)].sort();
  return {
    namespace: [scope.namespace],
    serviceAccount: [scope.serviceAccount],
    ...(clusterArns.length > 0 && { clusterArn: clusterArns }),
  };
}

function scopeCondition(values: ScopeValues): PolicyStatement['Condition'] {
  return {
    StringEquals: Object.fromEntries(
      DIMENSIONS.flatMap((d) => (values[d] === undefined ? [] : [[POD_IDENTITY_SCOPE_KEYS[d], values[d]]])),
    ),
  };
}

/** The statement AWS documents, narrowed to `scope` with `StringEquals` request-tag conditions when given. */
export function podIdentityStatement(sid: string, scope?: PodIdentityTrustScope): PolicyStatement {
  if (!SID.test(sid)) throw new ValidationError(`statement Sid "${sid}" must be letters and digits only`, 'sid');
  return {
    Sid: sid,
    Effect: 'Allow',
    Principal: { Service: POD_IDENTITY_PRINCIPAL },
    Action: [...POD_IDENTITY_ACTIONS],
    ...(scope === undefined ? {} : { Condition: scopeCondition(scopeValues(scope)) }),
  };
}

function principalValues(statement: PolicyStatement, type: string): string[] {
  const principal = statement.Principal;
  if (principal === undefined || principal === '*') return [];
  return toList(principal[type]);
}

/** Allow, the Pod Identity service principal, both actions: whatever its conditions. */
function grantsPodIdentity(statement: PolicyStatement): boolean {
  if (statement.Effect !== 'Allow') return false;
  if (!principalValues(statement, 'Service').includes(POD_IDENTITY_PRINCIPAL)) return false;
  const actions = toList(statement.Action);
  return POD_IDENTITY_ACTIONS.every((needed) =>
    actions.some((action) => iamWildcardMatch(action, needed, { ignoreCase: true })),
  );
}

function hasConditions(statement: PolicyStatement): boolean {
  return statement.Condition !== undefined && Object.keys(statement.Condition).length > 0;
}

/**
 * The request tags EKS sets for a pod of `scope` in one cluster (undefined: a cluster not
 * known in advance, whose tags could be anything). Pod name and uid vary: never known.
 */
function requestTags(scope: PodIdentityTrustScope, clusterArn: string | undefined): Record<string, string> {
  const clusterName = clusterArn === undefined ? undefined : /:cluster\/([^/]+)$/.exec(clusterArn)?.[1];
  return {
    [POD_IDENTITY_SCOPE_KEYS.namespace.toLowerCase()]: scope.namespace,
    [POD_IDENTITY_SCOPE_KEYS.serviceAccount.toLowerCase()]: scope.serviceAccount,
    ...(clusterArn === undefined ? {} : { [POD_IDENTITY_SCOPE_KEYS.clusterArn.toLowerCase()]: clusterArn }),
    ...(clusterName === undefined ? {} : { [CLUSTER_NAME_KEY.toLowerCase()]: clusterName }),
  };
}

/**
 * Does one condition hold for a request with these tags? Only what can be proven: string
 * operators on request tags EKS sets (IAM User Guide, "Conditions with multiple context keys
 * or values": the values of one key are ORed; a key absent from the request fails the
 * condition unless the operator ends in `IfExists`). Anything else could deny: false.
 */
function conditionHolds(operator: string, key: string, expected: string[], tags: Record<string, string>): boolean {
  const base = operator.endsWith('IfExists') ? operator.slice(0, -'IfExists'.length) : operator;
  const actual = tags[key.toLowerCase()];
  if (actual === undefined) return false;
  switch (base) {
    case 'StringEquals':
      return expected.includes(actual);
    case 'StringEqualsIgnoreCase':
      return expected.some((value) => value.toLowerCase() === actual.toLowerCase());
    case 'StringLike':
      return expected.some((value) => iamWildcardMatch(value, actual, { ignoreCase: false }));
    default:
      return false;
  }
}

/**
 * Does this statement let Pod Identity assume the role for every pod of `scope`? With no
 * scope, only an unconditioned statement does: a condition could narrow the grant, and we
 * cannot prove it equivalent.
 */
function coversScope(statement: PolicyStatement, scope: PodIdentityTrustScope | undefined): boolean {
  if (!grantsPodIdentity(statement)) return false;
  if (!hasConditions(statement)) return true;
  if (scope === undefined) return false;
  const clusters: (string | undefined)[] = scope.clusterArns.length > 0 ? scope.clusterArns : [undefined];
  return clusters.every((clusterArn) => {
    const tags = requestTags(scope, clusterArn);
    return Object.entries(statement.Condition ?? {}).every(([operator, block]) =>
      Object.entries(block).every(([key, value]) => conditionHolds(operator, key, toList(value), tags)),
    );
  });
}

/**
 * Whether the role already trusts Pod Identity: for every pod of `scope` when given (an
 * unconditioned statement, or one whose request-tag conditions admit them), otherwise
 * through an unconditioned statement.
 */
export function hasPodIdentityTrust(doc: PolicyDocument, scope?: PodIdentityTrustScope): boolean {
  return doc.Statement.some((statement) => coversScope(statement, scope));
}

/**
 * The condition values of a statement scoped only by our request tags under
 * `StringEquals` (as `podIdentityStatement` writes it: namespace and service account, and
 * maybe clusters); undefined for any other shape, which is never edited.
 */
function scopedValues(statement: PolicyStatement): ScopeValues | undefined {
  if (!grantsPodIdentity(statement) || !hasConditions(statement)) return undefined;
  const block = statement.Condition?.StringEquals;
  if (Object.keys(statement.Condition ?? {}).length !== 1 || block === undefined) return undefined;
  const values: ScopeValues = {};
  for (const [key, value] of Object.entries(block)) {
    const dimension = DIMENSIONS.find((d) => POD_IDENTITY_SCOPE_KEYS[d].toLowerCase() === key.toLowerCase());
    if (dimension === undefined || values[dimension] !== undefined) return undefined;
    values[dimension] = toList(value);
  }
  return values.namespace && values.serviceAccount ? values : undefined;
}

const sameSet = (a: string[], b: string[]) => {
  const [left, right] = [new Set(a), new Set(b)];
  return left.size === right.size && [...left].every((value) => right.has(value));
};

/**
 * Dimensions in which `current` differs from `wanted` (the statement grants the product of
 * its value lists); undefined when one tests clusters and the other does not.
 */
function differingDimensions(current: ScopeValues, wanted: ScopeValues): ScopeDimension[] | undefined {
  if ((current.clusterArn === undefined) !== (wanted.clusterArn === undefined)) return undefined;
  return DIMENSIONS.filter((d) => !sameSet(current[d] ?? [], wanted[d] ?? []));
}

function widenStatement(statement: PolicyStatement, current: ScopeValues, wanted: ScopeValues): PolicyStatement {
  const merged: ScopeValues = {};
  for (const d of DIMENSIONS) {
    const [mine, theirs] = [current[d], wanted[d]];
    if (mine !== undefined && theirs !== undefined) merged[d] = [...new Set([...mine, ...theirs])];
  }
  return { ...cloneDocument(statement), Condition: scopeCondition(merged) };
}

export interface PodIdentityTrustChange {
  document: PolicyDocument;
  /** A statement was appended. */
  added: boolean;
  /** An existing scoped statement's condition values were extended instead. */
  widened: boolean;
}

/**
 * Makes the role trust Pod Identity for `scope` (for every association, when unscoped),
 * unless it already does; the input is not mutated.
 *
 * A scoped statement already there is extended rather than duplicated: one whose values
 * differ from ours in at most one of namespace, service account and clusters takes ours in
 * that one, which grants exactly both (the condition keys are ANDed, so a statement grants
 * the product of its value lists). Otherwise the statement holding `sid` is extended in
 * every dimension, a wider grant but never two statements with one Sid; with neither, a new
 * statement is appended.
 */
export function addPodIdentityTrust(
  doc: PolicyDocument,
  sid: string = POD_IDENTITY_TRUST_SID,
  scope?: PodIdentityTrustScope,
): PodIdentityTrustChange {
  const document = cloneDocument(doc);
  if (hasPodIdentityTrust(doc, scope)) return { document, added: false, widened: false };
  if (scope !== undefined) {
    const wanted = scopeValues(scope);
    const candidates = doc.Statement.flatMap((statement, index) => {
      const current = scopedValues(statement);
      const differing = current === undefined ? undefined : differingDimensions(current, wanted);
      return current === undefined || differing === undefined ? [] : [{ statement, index, current, differing }];
    });
    const target = candidates.find((c) => c.differing.length <= 1) ?? candidates.find((c) => c.statement.Sid === sid);
    if (target !== undefined) {
      document.Statement[target.index] = widenStatement(target.statement, target.current, wanted);
      return { document, added: false, widened: true };
    }
  }
  if (doc.Statement.some((statement) => statement.Sid === sid)) {
    throw new ValidationError(
      `the trust policy already has a statement with Sid "${sid}" that is not the Pod Identity trust`,
      'sid',
    );
  }
  document.Statement.push(podIdentityStatement(sid, scope));
  return { document, added: true, widened: false };
}

export function removeStatementBySid(doc: PolicyDocument, sid: string): { document: PolicyDocument; removed: boolean } {
  const document = cloneDocument(doc);
  document.Statement = document.Statement.filter((statement) => statement.Sid !== sid);
  return { document, removed: document.Statement.length !== doc.Statement.length };
}

/** `https://oidc.eks.../id/X/` and `oidc.eks.../id/X` both become `oidc.eks.../id/X` (host lowercased). */
export function issuerHostPath(issuer: string): string {
  const withoutScheme = issuer
    .trim()
    .replace(/^https?:\/\//i, '')
    .replace(/\/+$/, '');
  const slash = withoutScheme.indexOf('/');
  if (slash < 0) return withoutScheme.toLowerCase();
  return withoutScheme.slice(0, slash).toLowerCase() + withoutScheme.slice(slash);
}

export function oidcProviderArn(accountId: string, issuer: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${accountId}:oidc-provider/${issuerHostPath(issuer)}`;
}

export function serviceAccountSubject(namespace: string, serviceAccount: string): string {
  return `system:serviceaccount:${namespace}:${serviceAccount}`;
}

export function irsaStatement(
  accountId: string,
  issuerUrl: string,
  namespace: string,
  serviceAccount: string,
  partition = 'aws',
): PolicyStatement {
  const hostPath = issuerHostPath(issuerUrl);
  return {
    Effect: 'Allow',
    Principal: { Federated: oidcProviderArn(accountId, hostPath, partition) },
    Action: IRSA_ACTION,
    Condition: {
      StringEquals: {
        [`${hostPath}:sub`]: serviceAccountSubject(namespace, serviceAccount),
        [`${hostPath}:aud`]: IRSA_AUDIENCE,
      },
    },
  };
}

/** Host+paths of the OIDC providers a statement federates with. */
export function federatedIssuers(statement: PolicyStatement): string[] {
  return principalValues(statement, 'Federated').flatMap((arn) => {
    const match = /^arn:[^:]+:iam::[^:]*:oidc-provider\/(.+)$/.exec(arn);
    return match?.[1] === undefined ? [] : [issuerHostPath(match[1])];
  });
}

function isSubKeyFor(key: string, hostPaths: readonly string[]): boolean {
  const lower = key.toLowerCase();
  return hostPaths.some((hostPath) => lower === `${hostPath.toLowerCase()}:sub`);
}

/** Every `<issuer>:sub` condition under `StringEquals`/`StringLike`; other operators are left alone. */
export function subjectConditions(
  statement: PolicyStatement,
  hostPaths: readonly string[],
): { operator: 'StringEquals' | 'StringLike'; key: string; values: string[] }[] {
  const found: { operator: 'StringEquals' | 'StringLike'; key: string; values: string[] }[] = [];
  for (const operator of ['StringEquals', 'StringLike'] as const) {
    const block = statement.Condition?.[operator];
    if (block === undefined || typeof block !== 'object') continue;
    for (const [key, value] of Object.entries(block)) {
      if (isSubKeyFor(key, hostPaths)) found.push({ operator, key, values: toList(value) });
    }
  }
  return found;
}

export function trustPolicySize(doc: PolicyDocument): number {
  return JSON.stringify(doc).length;
}

/** Issuer host+paths with an Allow statement that lets this service account assume the role. */
export function irsaIssuersTrusted(doc: PolicyDocument, namespace: string, serviceAccount: string): string[] {
  const subject = serviceAccountSubject(namespace, serviceAccount);
  const trusted: string[] = [];
  for (const statement of doc.Statement) {
    if (statement.Effect !== 'Allow') continue;
    for (const hostPath of federatedIssuers(statement)) {
      const conditions = subjectConditions(statement, [hostPath]);
      // No subject condition at all trusts every service account of that cluster.
      const trusts =
        conditions.length === 0 ||
        conditions.every(({ operator, values }) =>
          values.some((value) =>
            operator === 'StringLike' ? iamWildcardMatch(value, subject, { ignoreCase: false }) : value === subject,
          ),
        );
      if (trusts && !trusted.includes(hostPath)) trusted.push(hostPath);
    }
  }
  return trusted;
}

export interface IrsaTrustTarget {
  /** Issuer URLs (`https://…`) or host+paths of the clusters being cleaned up. */
  issuers: string[];
  namespace: string;
  serviceAccount: string;
}

/**
 * Removes this service account's subject from the IRSA statements of these issuers only.
 * A statement left with no subject under a condition key is dropped: it could match nobody,
 * and deleting just the key would widen it to every service account. Wildcard subjects
 * serve other service accounts too, so they stay. `removed` holds the statements as they
 * were, for `restoreIrsaTrust`.
 */
export function removeIrsaTrust(
  doc: PolicyDocument,
  target: IrsaTrustTarget,
): { document: PolicyDocument; removed: PolicyStatement[] } {
  const hostPaths = target.issuers.map(issuerHostPath);
  const subject = serviceAccountSubject(target.namespace, target.serviceAccount);
  const document = cloneDocument(doc);
  const removed: PolicyStatement[] = [];
  document.Statement = [];
  for (const original of doc.Statement) {
    const copy = cloneDocument(original);
    const issuers =
      original.Effect === 'Allow' ? federatedIssuers(original).filter((hp) => hostPaths.includes(hp)) : [];
    let changed = false;
    let emptied = false;
    for (const { operator, key, values } of subjectConditions(original, issuers)) {
      const remaining = values.filter((value) => value !== subject);
      if (remaining.length === values.length) continue;
      changed = true;
      if (remaining.length === 0) emptied = true;
      else if (copy.Condition?.[operator]) copy.Condition[operator][key] = remaining;
    }
    if (changed) removed.push(cloneDocument(original));
    if (!emptied) document.Statement.push(copy);
  }
  return { document, removed };
}

/**
 * Puts statements from `removeIrsaTrust` back: over their trimmed versions, or, for a dropped
 * one, where it stood in `before` (the document before the run: ahead of the first statement
 * that followed it there and is still here), else appended. Idempotent.
 */
export function restoreIrsaTrust(
  doc: PolicyDocument,
  removed: PolicyStatement[],
  before?: PolicyDocument,
): PolicyDocument {
  const document = cloneDocument(doc);
  for (const original of removed) {
    const wanted = canonicalJson(original);
    if (document.Statement.some((statement) => canonicalJson(statement) === wanted)) continue;
    const index = document.Statement.findIndex((statement) => isTrimmedVersionOf(statement, original));
    if (index >= 0) document.Statement[index] = cloneDocument(original);
    else document.Statement.splice(insertionPoint(document, original, before), 0, cloneDocument(original));
  }
  return document;
}

/** Where a dropped statement goes back: before the first statement that followed it in `before` and is still in `doc`. */
function insertionPoint(doc: PolicyDocument, statement: PolicyStatement, before: PolicyDocument | undefined): number {
  const wanted = canonicalJson(statement);
  const at = before?.Statement.findIndex((s) => canonicalJson(s) === wanted) ?? -1;
  if (before === undefined || at < 0) return doc.Statement.length;
  for (const next of before.Statement.slice(at + 1)) {
    const found = doc.Statement.findIndex(
      (s) => canonicalJson(s) === canonicalJson(next) || isTrimmedVersionOf(s, next),
    );
    if (found >= 0) return found;
  }
  return doc.Statement.length;
}

/**
 * Same Federated principals and condition keys, and no value the original lacks: a value
 * someone added since cleanup makes it a different statement, which is kept.
 */
function isTrimmedVersionOf(candidate: PolicyStatement, original: PolicyStatement): boolean {
  if (candidate.Effect !== original.Effect) return false;
  const sortedFederated = (statement: PolicyStatement): string =>
    JSON.stringify([...principalValues(statement, 'Federated')].sort());
  if (sortedFederated(candidate) !== sortedFederated(original)) return false;
  const conditionKeys = (statement: PolicyStatement): string[] =>
    Object.entries(statement.Condition ?? {})
      .flatMap(([operator, block]) => Object.keys(block).map((key) => `${operator}\n${key.toLowerCase()}`))
      .sort();
  if (JSON.stringify(conditionKeys(candidate)) !== JSON.stringify(conditionKeys(original))) return false;
  return Object.entries(candidate.Condition ?? {}).every(([operator, block]) =>
    Object.entries(block).every(([key, value]) => {
      const originalBlock = original.Condition?.[operator] ?? {};
      const originalKey = Object.keys(originalBlock).find((k) => k.toLowerCase() === key.toLowerCase());
      const allowed = toList(originalKey === undefined ? undefined : originalBlock[originalKey]);
      return toList(value).every((v) => allowed.includes(v));
    }),
  );
}

/** JSON with object keys sorted, so key order does not make two statements differ. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, nested: unknown) =>
    nested !== null && typeof nested === 'object' && !Array.isArray(nested)
      ? Object.fromEntries(Object.entries(nested).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : nested,
  );
}
