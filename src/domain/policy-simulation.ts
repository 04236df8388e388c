/**
 * `iam:SimulatePrincipalPolicy`: its request and answer as plain data, and an evaluator of
 * a role's permission policies that decides as IAM's simulator does for what the role
 * reuse check asks (identity policies of one account, string conditions on
 * `aws:PrincipalTag/*`, policy variables in resources and condition values). The sandbox
 * answers with it; the real adapter asks IAM.
 *
 * IAM User Guide: "Condition operators" (a key absent from the request context makes the
 * condition false, except for negated operators, where it is true, and for `…IfExists` and
 * `Null`), "Policy variables" (a variable that cannot be resolved makes its element not
 * match; `${key, 'default'}` supplies a default; `${*}`, `${?}`, `${$}` are literals),
 * "Policy evaluation logic" (an explicit Deny wins, then an Allow, else implicitly denied).
 */
import type { NamedPolicyDocument } from './iam.js';
import type { PolicyStatement } from './types.js';

export type SimulationDecision = 'allowed' | 'explicitDeny' | 'implicitDeny';

export interface SimulationRequest {
  /** The role whose policies are simulated. */
  policySourceArn: string;
  actions: string[];
  /** Empty: `*`. */
  resources: string[];
  /** Context keys and their (single) string values, e.g. `aws:PrincipalTag/kubernetes-namespace`. */
  context: Record<string, string>;
}

export interface SimulationResult {
  action: string;
  resource: string;
  decision: SimulationDecision;
  /** `SourcePolicyId` of the statements that decided it (the Deny alone when one denies). */
  matchedStatements: string[];
  /** Context keys the policies needed and the request did not give. */
  missingContextKeys: string[];
}

const toList = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

const escapeRegExp = (text: string) => text.replace(/[.+^${}()|[\]\\*?]/g, '\\$&');

/** IAM wildcards: `*` any run of characters, `?` one character. */
function globToRegExp(pattern: string, flags = ''): RegExp {
  const body = [...pattern].map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : escapeRegExp(ch))).join('');
  return new RegExp(`^${body}$`, flags);
}

const VARIABLE = /\$\{([^}]*)\}/g;
/** Stands for a `*` or `?` that a `${*}` or `${?}` made literal, until the glob is built. */
const LITERAL_STAR = '\u0000';
const LITERAL_QUESTION = '\u0001';

function lookup(context: Record<string, string>, key: string): string | undefined {
  const wanted = key.trim().toLowerCase();
  return Object.entries(context).find(([k]) => k.toLowerCase() === wanted)?.[1];
}

/**
 * Substitutes policy variables; undefined when one cannot be resolved (its key is then in
 * `missing`). Literal `${*}`/`${?}` come back as placeholder characters for `matches`.
 */
function resolveVariables(text: string, context: Record<string, string>, missing: Set<string>): string | undefined {
  let unresolved = false;
  const out = text.replace(VARIABLE, (_, inner: string) => {
    if (inner === '*') return LITERAL_STAR;
    if (inner === '?') return LITERAL_QUESTION;
    if (inner === '$') return '$';
    const withDefault = /^(.*?),\s*'((?:[^']|'')*)'\s*$/.exec(inner);
    const key = (withDefault ? withDefault[1] : inner)?.trim() ?? '';
    const value = lookup(context, key);
    if (value !== undefined) return value;
    if (withDefault) return (withDefault[2] ?? '').replace(/''/g, "'");
    missing.add(key);
    unresolved = true;
    return '';
  });
  return unresolved ? undefined : out;
}

/** A pattern (after variables) against a value, with the literal placeholders put back. */
function matches(pattern: string, value: string, ignoreCase = false): boolean {
  const regex = globToRegExp(pattern, ignoreCase ? 'i' : '');
  const source = regex.source
    .replace(new RegExp(LITERAL_STAR, 'g'), '\\*')
    .replace(new RegExp(LITERAL_QUESTION, 'g'), '\\?');
  return new RegExp(source, regex.flags).test(value);
}

const NEGATED = new Set([
  'StringNotEquals',
  'StringNotEqualsIgnoreCase',
  'StringNotLike',
  'ArnNotEquals',
  'ArnNotLike',
]);

/** One operator on one key. Unknown operators never hold (the check reads string keys only). */
function conditionHolds(
  operator: string,
  key: string,
  rawExpected: string[],
  context: Record<string, string>,
  missing: Set<string>,
): boolean {
  const qualifier = /^(ForAnyValue|ForAllValues):/.exec(operator)?.[1];
  const unqualified = qualifier ? operator.slice(qualifier.length + 1) : operator;
  const ifExists = unqualified.endsWith('IfExists');
  const base = ifExists ? unqualified.slice(0, -'IfExists'.length) : unqualified;
  const actual = lookup(context, key);
  if (base === 'Null') {
    const wantsAbsent = rawExpected.some((v) => v.toLowerCase() === 'true');
    return wantsAbsent === (actual === undefined);
  }
  if (actual === undefined) {
    if (ifExists) return true;
    missing.add(key);
    // A set qualifier over no values: ForAllValues holds, ForAnyValue does not.
    if (qualifier) return qualifier === 'ForAllValues';
    return NEGATED.has(base);
  }
  const expected = rawExpected.flatMap((e) => {
    const resolved = resolveVariables(e, context, missing);
    return resolved === undefined ? [] : [resolved];
  });
  switch (base) {
    case 'StringEquals':
    case 'ArnEquals':
      return expected.some((e) => e === actual);
    case 'StringNotEquals':
    case 'ArnNotEquals':
      return !expected.some((e) => e === actual);
    case 'StringEqualsIgnoreCase':
      return expected.some((e) => e.toLowerCase() === actual.toLowerCase());
    case 'StringNotEqualsIgnoreCase':
      return !expected.some((e) => e.toLowerCase() === actual.toLowerCase());
    case 'StringLike':
    case 'ArnLike':
      return expected.some((e) => matches(e, actual));
    case 'StringNotLike':
    case 'ArnNotLike':
      return !expected.some((e) => matches(e, actual));
    default:
      return false;
  }
}

function actionMatches(statement: PolicyStatement, action: string): boolean {
  if (statement.Action !== undefined) return toList(statement.Action).some((a) => matches(a, action, true));
  if (statement.NotAction !== undefined) return !toList(statement.NotAction).some((a) => matches(a, action, true));
  return false;
}

function resourceMatches(
  statement: PolicyStatement,
  resource: string,
  context: Record<string, string>,
  missing: Set<string>,
): boolean {
  const patterns = (list: string | string[] | undefined) =>
    toList(list).flatMap((p) => {
      const resolved = resolveVariables(p, context, missing);
      return resolved === undefined ? [] : [resolved];
    });
  if (statement.Resource !== undefined) return patterns(statement.Resource).some((p) => matches(p, resource));
  if (statement.NotResource !== undefined) return !patterns(statement.NotResource).some((p) => matches(p, resource));
  return false;
}

function statementApplies(
  statement: PolicyStatement,
  action: string,
  resource: string,
  context: Record<string, string>,
  missing: Set<string>,
): boolean {
  if (!actionMatches(statement, action)) return false;
  if (!resourceMatches(statement, resource, context, missing)) return false;
  return Object.entries(statement.Condition ?? {}).every(([operator, block]) =>
    Object.entries(block).every(([key, value]) => conditionHolds(operator, key, toList(value), context, missing)),
  );
}

/** `inline:reconciler-data` → `reconciler-data`; a managed policy ARN → its name: what IAM reports as `SourcePolicyId`. */
export function sourcePolicyId(source: string): string {
  return source.startsWith('inline:') ? source.slice('inline:'.length) : source.slice(source.lastIndexOf('/') + 1);
}

/** Every action on every resource, against the role's permission policies. */
export function simulatePolicies(documents: NamedPolicyDocument[], request: SimulationRequest): SimulationResult[] {
  const resources = request.resources.length > 0 ? request.resources : ['*'];
  return request.actions.flatMap((action) =>
    resources.map((resource) => {
      const missing = new Set<string>();
      const allows: string[] = [];
      const denies: string[] = [];
      for (const { source, document } of documents) {
        for (const statement of document.Statement) {
          if (!statementApplies(statement, action, resource, request.context, missing)) continue;
          (statement.Effect === 'Deny' ? denies : allows).push(sourcePolicyId(source));
        }
      }
      const decision: SimulationDecision =
        denies.length > 0 ? 'explicitDeny' : allows.length > 0 ? 'allowed' : 'implicitDeny';
      return {
        action,
        resource,
        decision,
        matchedStatements: [...new Set(decision === 'explicitDeny' ? denies : decision === 'allowed' ? allows : [])],
        missingContextKeys: [...missing].sort(),
      };
    }),
  );
}
