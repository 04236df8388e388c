import { ruleFor, snapshotOf, type AccessPolicy } from '../domain/access-policy.js';
import type { MigrationInput } from '../domain/types.js';
import type { Directory } from '../ports/directory.js';

/**
 * Why `who` may not abort, pause or resume this run, or undefined when they may: its
 * requester and approvers always may; so may the operators of the rule it started under
 * (as the rule was then). A run started outside the policy is looked up in the current one.
 */
export async function operateRefusal(
  input: MigrationInput,
  whoId: string,
  directory: Directory,
  policy: AccessPolicy | undefined,
  /** What is asked, as the refusal names it; the same people may roll back or end an observation. */
  what = 'abort, pause or resume',
): Promise<string | undefined> {
  if (input.requestedBy === whoId || input.options.approvers.includes(whoId)) return undefined;
  const matched = policy && ruleFor(policy, { namespace: input.serviceAccount.namespace, clusters: input.clusters });
  const snapshot = input.access ?? (matched && snapshotOf(matched));
  if (!snapshot) {
    return `no access policy rule covers this migration: only its requester and approvers may ${what} it`;
  }
  if (snapshot.anyoneMayOperate || (await directory.includesUser(snapshot.operators, whoId))) return undefined;
  return `only the requester, the approvers and the operators of access rule ${snapshot.rule} may ${what} this migration`;
}
