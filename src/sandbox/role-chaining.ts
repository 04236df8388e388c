/**
 * The second hop of an association with a target role. EKS, holding a session of the
 * association's role, calls `sts:AssumeRole` on the target and gives the pod those
 * credentials (EKS User Guide, "Access AWS Resources using EKS Pod Identity Target IAM
 * Roles"). STS grants it as IAM evaluates any role chaining (IAM User Guide,
 * "Cross-account policy evaluation logic"): the target's trust must admit the caller, and
 * the caller's own policies must allow the call too unless the trust names the role itself
 * in the same account. The Pod Identity session tags are transitive, so the hop passes them
 * on and needs `sts:TagSession` (EKS User Guide, pod-id-abac, "Cross-account tags"); the
 * request also carries the association's external id as `sts:ExternalId` and the caller's
 * `aws:PrincipalARN`.
 */
import { policiesAllow } from '../domain/iam-actions.js';
import { managedPolicyDocument } from './iam.js';
import type { AssociationState, FleetState, RoleState } from './state.js';
import { trustAllows } from './trust.js';

const accountOf = (arn: string): string => /^arn:[^:]+:iam::(\d{12}):/.exec(arn)?.[1] ?? '';

/** The fleet account's role by its name (names are unique in an account, whatever the path), or another account's. */
export function roleByArn(state: FleetState, arn: string | undefined): RoleState | undefined {
  if (arn === undefined) return undefined;
  const own = state.roles[arn.slice(arn.lastIndexOf('/') + 1)];
  return own?.arn === arn ? own : state.otherAccountRoles?.[arn];
}

function policyDocuments(state: FleetState, role: RoleState) {
  return [
    ...Object.entries(role.inlinePolicies).map(([name, document]) => ({ source: `inline:${name}`, document })),
    ...role.managedPolicyArns.flatMap((arn) => {
      const document = managedPolicyDocument(state, arn);
      return document === undefined ? [] : [{ source: arn, document }];
    }),
  ];
}

/** The caller's permissions boundary, if it has one, allows `action` on the target. */
function boundaryAllows(state: FleetState, caller: RoleState, action: string, targetArn: string): boolean {
  const boundaryArn = caller.permissionsBoundaryArn;
  if (boundaryArn === undefined) return true;
  const boundary = managedPolicyDocument(state, boundaryArn);
  return (
    boundary !== undefined &&
    policiesAllow([{ source: boundaryArn, document: boundary }], action, targetArn).allows === 'yes'
  );
}

/** The caller's policies, and its boundary if any, allow `action` on the target. */
function callerMayCall(state: FleetState, caller: RoleState, action: string, targetArn: string): boolean {
  return (
    policiesAllow(policyDocuments(state, caller), action, targetArn).allows === 'yes' &&
    boundaryAllows(state, caller, action, targetArn)
  );
}

/**
 * Why STS refuses `caller` the target role, or undefined when it grants it. `requestTags`
 * are the `aws:RequestTag/…` keys of the first hop (none with session tags disabled).
 */
export function chainRefusal(
  state: FleetState,
  caller: RoleState,
  target: RoleState | undefined,
  association: Pick<AssociationState, 'targetRoleArn' | 'externalId' | 'disableSessionTags'>,
  requestTags: Record<string, string>,
): string | undefined {
  const targetArn = association.targetRoleArn ?? '';
  const denied = (action: string) =>
    `User: ${caller.arn} is not authorized to perform: ${action} on resource: ${targetArn}`;
  if (target === undefined) return denied('sts:AssumeRole');
  const actions = association.disableSessionTags === true ? ['sts:AssumeRole'] : ['sts:AssumeRole', 'sts:TagSession'];
  const callerAccount = accountOf(caller.arn);
  const context = {
    ...requestTags,
    'aws:PrincipalArn': caller.arn,
    'aws:PrincipalAccount': callerAccount,
    ...(association.externalId === undefined ? {} : { 'sts:ExternalId': association.externalId }),
  };
  const request = (principal: string[]) => ({ principalType: 'AWS' as const, principal, actions, context });
  const sameAccount = accountOf(target.arn) === callerAccount;
  // A trust naming the role's ARN grants without its identity policies, yet "resource-based
  // policies that grant permissions to an IAM role ARN are limited by an implicit deny in a
  // permissions boundary or session policy" (IAM User Guide, "How AWS enforcement code logic
  // evaluates requests", Resource-based policies, IAM role; shown in
  // github.com/benkehoe/permissions-boundary-test). The
  // association's session policy is no limit here: with a target role it "applies only to
  // the target role's permissions" (EKS API Reference, CreatePodIdentityAssociation, policy).
  if (sameAccount && trustAllows(target.trustPolicy, request([caller.arn]))) {
    const bounded = actions.find((action) => !boundaryAllows(state, caller, action, target.arn));
    return bounded === undefined ? undefined : denied(bounded);
  }
  const root = `arn:aws:iam::${callerAccount}:root`;
  if (!trustAllows(target.trustPolicy, request([caller.arn, root, callerAccount]))) return denied(actions.join(', '));
  const missing = actions.find((action) => !callerMayCall(state, caller, action, target.arn));
  return missing === undefined ? undefined : denied(missing);
}
