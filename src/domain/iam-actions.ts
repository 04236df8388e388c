/**
 * Whether identity policies allow an action, read from their documents as IAM would grant
 * it, without simulating: an explicit Deny wins, an unconditioned Allow grants, and an
 * Allow under conditions cannot be decided without the request (IAM User Guide, "Policy
 * evaluation logic"). Used where the role is not ours to simulate (a node role).
 */
import type { NamedPolicyDocument } from './iam.js';
import { iamWildcardMatch, toList } from './trust-policy.js';
import type { PolicyStatement } from './types.js';

export type ActionVerdict =
  { allows: 'yes'; source: string } | { allows: 'no'; reason: string } | { allows: 'unknown'; reason: string };

function coversAction(statement: PolicyStatement, action: string): boolean {
  const match = (pattern: string) => iamWildcardMatch(pattern, action, { ignoreCase: true });
  if (statement.Action !== undefined) return toList(statement.Action).some(match);
  if (statement.NotAction !== undefined) return !toList(statement.NotAction).some(match);
  return false;
}

/** Resource '*' or a pattern matching `resourceArn`; NotResource is left undecided. */
function coversResource(statement: PolicyStatement, resourceArn: string): boolean | undefined {
  if (statement.NotResource !== undefined) return undefined;
  return toList(statement.Resource).some((pattern) => iamWildcardMatch(pattern, resourceArn, { ignoreCase: false }));
}

export function policiesAllow(documents: NamedPolicyDocument[], action: string, resourceArn: string): ActionVerdict {
  let allowedBy: string | undefined;
  let mayDeny: string | undefined;
  let mayAllow: string | undefined;
  for (const { source, document } of documents) {
    for (const statement of document.Statement) {
      if (!coversAction(statement, action)) continue;
      const resource = coversResource(statement, resourceArn);
      if (resource === false) continue;
      const decided = resource === true && !(statement.Condition && Object.keys(statement.Condition).length > 0);
      if (statement.Effect === 'Deny') {
        if (decided) return { allows: 'no', reason: `${source} denies ${action}` };
        mayDeny ??= `${source} may deny ${action} (conditions or NotResource)`;
      } else if (decided) {
        allowedBy ??= source;
      } else {
        mayAllow ??= `${source} allows ${action} only under conditions or NotResource`;
      }
    }
  }
  if (mayDeny !== undefined) return { allows: 'unknown', reason: mayDeny };
  if (allowedBy !== undefined) return { allows: 'yes', source: allowedBy };
  if (mayAllow !== undefined) return { allows: 'unknown', reason: mayAllow };
  return { allows: 'no', reason: `no policy allows ${action}` };
}
