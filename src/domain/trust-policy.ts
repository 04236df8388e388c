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

export function podIdentityStatement(sid: string): PolicyStatement {
  if (!SID.test(sid)) throw new ValidationError(`statement Sid "${sid}" must be letters and digits only`, 'sid');
  return {
    Sid: sid,
    Effect: 'Allow',
    Principal: { Service: POD_IDENTITY_PRINCIPAL },
    Action: [...POD_IDENTITY_ACTIONS],
  };
}

function principalValues(statement: PolicyStatement, type: string): string[] {
  const principal = statement.Principal;
  if (principal === undefined || principal === '*') return [];
  return toList(principal[type]);
}

function isPodIdentityStatement(statement: PolicyStatement): boolean {
  if (statement.Effect !== 'Allow') return false;
  // Any condition could narrow the grant; we cannot prove it equivalent, so it does not count.
  if (statement.Condition !== undefined && Object.keys(statement.Condition).length > 0) return false;
  if (!principalValues(statement, 'Service').includes(POD_IDENTITY_PRINCIPAL)) return false;
  const actions = toList(statement.Action);
  return POD_IDENTITY_ACTIONS.every((needed) =>
    actions.some((action) => iamWildcardMatch(action, needed, { ignoreCase: true })),
  );
}

export function hasPodIdentityTrust(doc: PolicyDocument): boolean {
  return doc.Statement.some(isPodIdentityStatement);
}

/** Adds the Pod Identity statement unless an equivalent one exists; the input is not mutated. */
export function addPodIdentityTrust(
  doc: PolicyDocument,
  sid: string = POD_IDENTITY_TRUST_SID,
): { document: PolicyDocument; added: boolean } {
  const document = cloneDocument(doc);
  if (hasPodIdentityTrust(doc)) return { document, added: false };
  if (doc.Statement.some((statement) => statement.Sid === sid)) {
    throw new ValidationError(
      `the trust policy already has a statement with Sid "${sid}" that is not the Pod Identity trust`,
      'sid',
    );
  }
  document.Statement.push(podIdentityStatement(sid));
  return { document, added: true };
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

/** Puts statements from `removeIrsaTrust` back: over their trimmed versions, or appended. Idempotent. */
export function restoreIrsaTrust(doc: PolicyDocument, removed: PolicyStatement[]): PolicyDocument {
  const document = cloneDocument(doc);
  for (const original of removed) {
    const wanted = canonicalJson(original);
    if (document.Statement.some((statement) => canonicalJson(statement) === wanted)) continue;
    const index = document.Statement.findIndex((statement) => isTrimmedVersionOf(statement, original));
    if (index >= 0) document.Statement[index] = cloneDocument(original);
    else document.Statement.push(cloneDocument(original));
  }
  return document;
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
