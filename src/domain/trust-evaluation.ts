/**
 * Just enough IAM trust-policy evaluation to answer as STS does: which
 * statements let a principal assume a role, with the condition keys STS knows.
 */
import type { PolicyDocument, PolicyStatement } from './types.js';

export interface AssumeRequest {
  principalType: 'Service' | 'Federated' | 'AWS';
  /** Several names when the caller answers to each (a role, and its account's root). */
  principal: string | string[];
  actions: string[];
  /** Condition keys known for this request; a condition on any other key fails, as in IAM. */
  context: Record<string, string>;
}

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function glob(pattern: string, value: string): boolean {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`).test(value);
}

function conditionHolds(operator: string, key: string, expected: string[], context: Record<string, string>): boolean {
  const ifExists = operator.endsWith('IfExists');
  const base = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  const actual = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
  if (actual === undefined) return ifExists || base === 'Null';
  switch (base) {
    case 'StringEquals':
    case 'ArnEquals':
      return expected.includes(actual);
    case 'StringEqualsIgnoreCase':
      return expected.some((e) => e.toLowerCase() === actual.toLowerCase());
    case 'StringLike':
    case 'ArnLike':
      return expected.some((e) => glob(e, actual));
    case 'StringNotEquals':
      return !expected.includes(actual);
    case 'StringNotLike':
      return !expected.some((e) => glob(e, actual));
    default:
      return false;
  }
}

function statementMatches(statement: PolicyStatement, request: AssumeRequest, action: string): boolean {
  const principal = statement.Principal;
  const principals = principal === '*' ? ['*'] : principal === undefined ? [] : list(principal[request.principalType]);
  if (!list(request.principal).some((name) => principals.includes(name)) && !principals.includes('*')) return false;
  if (!list(statement.Action).some((a) => glob(a.toLowerCase(), action.toLowerCase()))) return false;
  return Object.entries(statement.Condition ?? {}).every(([operator, block]) =>
    Object.entries(block).every(([key, value]) => conditionHolds(operator, key, list(value), request.context)),
  );
}

/** True when every requested action is allowed by some statement and denied by none. */
export function trustAllows(policy: PolicyDocument, request: AssumeRequest): boolean {
  return request.actions.every((action) => {
    const hits = policy.Statement.filter((s) => statementMatches(s, request, action));
    return hits.some((s) => s.Effect === 'Allow') && !hits.some((s) => s.Effect === 'Deny');
  });
}
