import {
  SimulatePrincipalPolicyCommand,
  type EvaluationResult,
  type IAMClient,
  type SimulatePrincipalPolicyCommandInput,
} from '@aws-sdk/client-iam';
import type { SimulationDecision, SimulationRequest, SimulationResult } from '../../domain/policy-simulation.js';
import { collectPages } from './pages.js';

/** What the request puts on the wire: every context entry a single string. */
export function simulationInput(request: SimulationRequest): SimulatePrincipalPolicyCommandInput {
  return {
    PolicySourceArn: request.policySourceArn,
    ActionNames: [...request.actions],
    ...(request.resources.length > 0 ? { ResourceArns: [...request.resources] } : {}),
    ContextEntries: Object.entries(request.context).map(([key, value]) => ({
      ContextKeyName: key,
      ContextKeyValues: [value],
      ContextKeyType: 'string',
    })),
  };
}

const decisionOf = (value: string | undefined): SimulationDecision =>
  value === 'allowed' || value === 'explicitDeny' ? value : 'implicitDeny';

/**
 * One result per action and resource. IAM answers one EvaluationResult per action whose
 * ResourceSpecificResults carry each resource's decision (the top level then aggregates
 * the most restrictive); without them, the top level is the decision for EvalResourceName.
 */
export function toSimulationResults(results: EvaluationResult[]): SimulationResult[] {
  return results.flatMap((result) => {
    const action = result.EvalActionName ?? '';
    const perResource = result.ResourceSpecificResults ?? [];
    if (perResource.length > 0) {
      return perResource.map((r) => ({
        action,
        resource: r.EvalResourceName ?? '*',
        decision: decisionOf(r.EvalResourceDecision),
        matchedStatements: (r.MatchedStatements ?? []).flatMap((s) => (s.SourcePolicyId ? [s.SourcePolicyId] : [])),
        missingContextKeys: [...(r.MissingContextValues ?? [])].sort(),
      }));
    }
    return [
      {
        action,
        resource: result.EvalResourceName ?? '*',
        decision: decisionOf(result.EvalDecision),
        matchedStatements: (result.MatchedStatements ?? []).flatMap((s) =>
          s.SourcePolicyId ? [s.SourcePolicyId] : [],
        ),
        missingContextKeys: [...(result.MissingContextValues ?? [])].sort(),
      },
    ];
  });
}

export async function simulate(
  client: IAMClient,
  request: SimulationRequest,
  maxItems: { MaxItems?: number },
): Promise<SimulationResult[]> {
  const results = await collectPages(async (marker) => {
    const page = await client.send(
      new SimulatePrincipalPolicyCommand({ ...simulationInput(request), Marker: marker, ...maxItems }),
    );
    return { items: page.EvaluationResults ?? [], next: page.IsTruncated === true ? page.Marker : undefined };
  });
  return toSimulationResults(results);
}
