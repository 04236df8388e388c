import type { NamedPolicyDocument } from './iam.js';
import type { Finding } from './types.js';

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

/**
 * A policy that reads a tag Pod Identity never sets silently denies (or silently stops
 * matching) once the role is used through Pod Identity: flag every such key.
 */
export function lintPrincipalTags(docs: NamedPolicyDocument[]): Finding[] {
  const findings: Finding[] = [];
  for (const { source, document } of docs) {
    const seen = new Set<string>();
    for (const key of principalTagKeys(document)) {
      const normalized = key.toLowerCase();
      // Tag keys in condition keys and policy variables are matched case-insensitively.
      if (isSessionTag(normalized) || seen.has(normalized)) continue;
      seen.add(normalized);
      findings.push({
        severity: 'blocking',
        code: 'principal-tag-typo',
        message:
          `policy ${source} uses aws:PrincipalTag/${key}, which Pod Identity never sets ` +
          `(did you mean ${closestSessionTag(normalized)}?)`,
      });
    }
  }
  return findings;
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

/** A tag that contains the key (`pod-name` → `kubernetes-pod-name`) wins; otherwise the fewest edits. */
function closestSessionTag(key: string): string {
  const score = (tag: string): number => (tag.includes(key) || key.includes(tag) ? 0 : 1000) + editDistance(key, tag);
  let best: string = POD_IDENTITY_SESSION_TAGS[0];
  for (const tag of POD_IDENTITY_SESSION_TAGS) if (score(tag) < score(best)) best = tag;
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
