import type { NamedPolicyDocument } from './iam.js';
import type { Finding, ServiceAccountRef } from './types.js';

/** The session tags Pod Identity sets; no other `aws:PrincipalTag/` key will ever be present. */
export const POD_IDENTITY_SESSION_TAGS = [
  'eks-cluster-arn',
  'eks-cluster-name',
  'kubernetes-namespace',
  'kubernetes-service-account',
  'kubernetes-pod-name',
  'kubernetes-pod-uid',
] as const;

const CONDITION_KEY = /^aws:principaltag\/(.+)$/i;
const POLICY_VARIABLE = /\$\{aws:principaltag\/([^}]+)\}/gi;

export interface PrincipalTagContext {
  /**
   * The role's own tags: also `aws:PrincipalTag/` keys of its sessions (IAM User Guide,
   * "Pass session tags in AWS STS": a session's principal tags are its session tags,
   * incoming transitive tags and the role's tags; a session tag overrides a role tag with
   * the same key).
   */
  roleTags?: Record<string, string>;
  /** False when the associations have `disableSessionTags`: then none of the six is set. */
  sessionTags?: boolean;
  /** Whose sessions these are: the values the namespace and service-account tags will have. */
  serviceAccount?: ServiceAccountRef;
}

/**
 * A policy that reads a tag the role's Pod Identity sessions will not carry silently
 * denies (or silently stops matching) once the role is used through Pod Identity: flag
 * every such key. The policies are the role's own and its permissions boundary's.
 */
export function lintPrincipalTags(docs: NamedPolicyDocument[], context: PrincipalTagContext = {}): Finding[] {
  const sessionTags = context.sessionTags ?? true;
  const roleTags = new Map(Object.entries(context.roleTags ?? {}).map(([key, value]) => [key.toLowerCase(), value]));
  const findings: Finding[] = [];
  const overridden = new Set<string>();
  for (const { source, document } of docs) {
    const seen = new Set<string>();
    for (const key of principalTagKeys(document)) {
      // Tag keys in condition keys and policy variables are matched case-insensitively.
      const normalized = key.toLowerCase();
      if (seen.has(normalized)) continue;
      seen.add(normalized);
      const finding = keyFinding(source, key, { sessionTags, roleTags, context });
      if (finding) findings.push(finding);
      if (sessionTags && isSessionTag(normalized) && roleTags.has(normalized)) overridden.add(normalized);
    }
  }
  for (const key of overridden) {
    const expected = knownSessionValue(key, context.serviceAccount);
    const value = roleTags.get(key) ?? '';
    if (expected === value) continue;
    findings.push({
      severity: 'warning',
      code: 'principal-tag-overridden',
      message:
        `the role's tag ${key}=${value} is read as aws:PrincipalTag/${key}, but Pod Identity sets a session tag ` +
        `with that key, which wins: after the switch policies see ${expected ?? 'the session tag value'} instead`,
    });
  }
  return findings;
}

function keyFinding(
  source: string,
  key: string,
  known: { sessionTags: boolean; roleTags: Map<string, string>; context: PrincipalTagContext },
): Finding | undefined {
  const normalized = key.toLowerCase();
  if (known.roleTags.has(normalized)) return undefined;
  if (isSessionTag(normalized)) {
    if (known.sessionTags) return undefined;
    return {
      severity: 'blocking',
      code: 'principal-tag-no-session-tags',
      message:
        `policy ${source} uses aws:PrincipalTag/${key}, but the associations have session tags disabled ` +
        `(--disable-session-tags): the key is never set, so the policy silently denies or stops matching`,
    };
  }
  const candidates = [...(known.sessionTags ? POD_IDENTITY_SESSION_TAGS : []), ...known.roleTags.keys()];
  const setBy = known.roleTags.size > 0 ? "neither Pod Identity nor the role's tags set" : 'Pod Identity never sets';
  return {
    severity: 'blocking',
    code: 'principal-tag-typo',
    message:
      `policy ${source} uses aws:PrincipalTag/${key}, which ${setBy}` +
      (candidates.length > 0 ? ` (did you mean ${closestKey(normalized, candidates)}?)` : ''),
  };
}

/** The value Pod Identity gives a session tag for every pod of the service account, when it is one value. */
function knownSessionValue(key: string, sa: ServiceAccountRef | undefined): string | undefined {
  if (sa === undefined) return undefined;
  if (key === 'kubernetes-namespace') return sa.namespace;
  if (key === 'kubernetes-service-account') return sa.name;
  return undefined;
}

export function isSessionTag(key: string): boolean {
  return (POD_IDENTITY_SESSION_TAGS as readonly string[]).includes(key);
}

/** Keys from condition keys and from `${aws:PrincipalTag/…}` anywhere in a string, in document order. */
export function principalTagKeys(value: unknown): string[] {
  if (typeof value === 'string') return [...value.matchAll(POLICY_VARIABLE)].map((m) => m[1] ?? '');
  if (Array.isArray(value)) return value.flatMap(principalTagKeys);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, nested]) => {
    const conditionKey = CONDITION_KEY.exec(key)?.[1];
    return [
      ...(conditionKey === undefined ? [] : [conditionKey]),
      ...principalTagKeys(key),
      ...principalTagKeys(nested),
    ];
  });
}

/** A key that contains the key (`pod-name` → `kubernetes-pod-name`) wins; otherwise the fewest edits. */
function closestKey(key: string, candidates: readonly string[]): string {
  const score = (tag: string): number => (tag.includes(key) || key.includes(tag) ? 0 : 1000) + editDistance(key, tag);
  let best = candidates[0] ?? '';
  for (const tag of candidates) if (score(tag) < score(best)) best = tag;
  return best;
}

/** Levenshtein distance; keys are short, so the full table is fine. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
