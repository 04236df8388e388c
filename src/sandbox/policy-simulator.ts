/**
 * IAM's policy simulator for the sandbox's roles: the role's inline and attached policies
 * (never its trust policy, which is no identity policy) through `simulatePolicies`. As
 * SimulatePrincipalPolicy does for a role (IAM API Reference, SimulatePrincipalPolicy:
 * "the policies attached to the principal"; no resource policies, no session policy).
 */
import type { NamedPolicyDocument } from '../domain/iam.js';
import { simulatePolicies, type SimulationRequest, type SimulationResult } from '../domain/policy-simulation.js';
import { PortError } from '../ports/errors.js';
import { awsManagedPolicy } from './aws-managed-policies.js';
import type { FleetView } from './view.js';

export function simulatePrincipalPolicy(view: FleetView, request: SimulationRequest): SimulationResult[] {
  // IAM role names are unique in an account whatever their path: one row read, not every role.
  const role = view.roleByArn(request.policySourceArn);
  if (role === undefined) {
    // IAM's answer for a policy source it cannot find.
    throw new PortError('not-found', `The role with ARN ${request.policySourceArn} cannot be found.`, {
      code: 'NoSuchEntity',
      httpStatus: 404,
    });
  }
  const inline: NamedPolicyDocument[] = Object.entries(role.inlinePolicies)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, document]) => ({ source: `inline:${name}`, document }));
  // Customer managed policies are rows of the account; AWS managed ones are IAM's own.
  const managed = role.managedPolicyArns.flatMap((arn) => {
    const document = view.managedPolicy(arn)?.document ?? awsManagedPolicy(arn);
    return document === undefined ? [] : [{ source: arn, document }];
  });
  return simulatePolicies([...inline, ...managed], request);
}
