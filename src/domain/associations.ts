/**
 * When an existing Pod Identity association is the one a run would create. The role alone
 * does not say: an association with a `targetRoleArn` gives pods the target role's
 * credentials (EKS assumes `roleArn`, then the target), and one with `disableSessionTags`
 * gives sessions none of the six Pod Identity tags, so policies and trust conditions that
 * read them stop matching, and a session `policy` narrows what the pods may do to its
 * intersection with the role's policies (EKS API Reference, PodIdentityAssociation).
 */
import type { PodIdentityAssociation } from './eks.js';

/** What a run asks of an association besides namespace and service account. */
export interface AssociationSpec {
  roleArn: string;
  targetRoleArn?: string;
  disableSessionTags?: boolean;
  /** A session policy (JSON); a run never sets one. */
  policy?: string;
}

/** How `existing` differs from `wanted`, one phrase per field; empty when they are the same. */
export function associationDifferences(existing: AssociationSpec, wanted: AssociationSpec): string[] {
  const differences: string[] = [];
  if (existing.roleArn !== wanted.roleArn) differences.push(`role ${existing.roleArn}, not ${wanted.roleArn}`);
  const [target, wantedTarget] = [existing.targetRoleArn || undefined, wanted.targetRoleArn || undefined];
  if (target !== wantedTarget) {
    differences.push(
      target === undefined
        ? `no target role, not ${wantedTarget ?? ''}`
        : `target role ${target} (pods get its credentials)${wantedTarget === undefined ? '' : `, not ${wantedTarget}`}`,
    );
  }
  const [tagsOff, wantedTagsOff] = [existing.disableSessionTags === true, wanted.disableSessionTags === true];
  if (tagsOff !== wantedTagsOff) {
    differences.push(tagsOff ? 'session tags disabled' : 'session tags enabled (the run disables them)');
  }
  const [policy, wantedPolicy] = [existing.policy || undefined, wanted.policy || undefined];
  if (policy !== wantedPolicy && !samePolicy(policy, wantedPolicy)) {
    differences.push(
      policy === undefined
        ? 'no session policy (the run sets one)'
        : "a session policy that narrows the role's permissions for these pods",
    );
  }
  return differences;
}

/** Two session policies alike once parsed: EKS may answer with the JSON laid out otherwise. */
function samePolicy(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}

export function isSameAssociation(existing: AssociationSpec, wanted: AssociationSpec): boolean {
  return associationDifferences(existing, wanted).length === 0;
}

/** The association a run may reuse: not an add-on's, and the same in every field. */
export function reusableAssociation(
  existing: readonly PodIdentityAssociation[],
  wanted: AssociationSpec,
): PodIdentityAssociation | undefined {
  return existing.find((a) => a.ownerArn === undefined && isSameAssociation(a, wanted));
}
