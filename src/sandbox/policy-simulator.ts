/**
 * IAM's policy simulator for the sandbox's roles: the role's inline and attached policies
 * (never its trust policy, which is no identity policy) through `simulatePolicies`.
 */
import type { NamedPolicyDocument } from '../domain/iam.js';
import { simulatePolicies, type SimulationRequest, type SimulationResult } from '../domain/policy-simulation.js';
import { PortError } from '../ports/errors.js';
import type { FleetState } from './state.js';

export function simulatePrincipalPolicy(state: FleetState, request: SimulationRequest): SimulationResult[] {
  const role = Object.values(state.roles).find((r) => r.arn === request.policySourceArn);
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
  const managed = role.managedPolicyArns.flatMap((arn) => {
    const policy = state.managedPolicies[arn];
    return policy === undefined ? [] : [{ source: arn, document: policy.document }];
  });
  return simulatePolicies([...inline, ...managed], request);
}
