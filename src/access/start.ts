import {
  approvalShortfall,
  narrowApprovers,
  noRuleMessage,
  principalIds,
  probeRefusal,
  sharedRoleRefusal,
  ruleFor,
  snapshotOf,
  type AccessPolicy,
  type MatchedRule,
} from '../domain/access-policy.js';
import { NotAllowedError, ValidationError } from '../domain/errors.js';
import type { MigrationInput } from '../domain/types.js';
import { isUserGroupId, type Directory } from '../ports/directory.js';

/** Who asks: a Slack user (in a channel) or the identity a CLI user acts as. */
export interface Asker {
  id: string;
  channel?: string;
}

/** User groups replaced by their members; everything else (user ids, CLI names) as given. */
export async function expand(directory: Directory, ids: readonly string[]): Promise<string[]> {
  const groups = ids.filter(isUserGroupId);
  const members = groups.length ? await directory.expandUsers(groups) : [];
  return [...new Set([...ids.filter((id) => !isUserGroupId(id)), ...members])];
}

/** The rule for this request and whether the asker is one of its starters; throws NotAllowedError if not. */
export async function startingRule(
  policy: AccessPolicy,
  directory: Directory,
  request: { namespace: string; clusters: readonly string[] },
  who: Asker,
): Promise<MatchedRule> {
  const matched = ruleFor(policy, request);
  if (!matched) throw new NotAllowedError(noRuleMessage(request));
  const { starters } = matched.rule;
  const allowed =
    starters.anyone ||
    (who.channel !== undefined && starters.channels.includes(who.channel)) ||
    (await directory.includesUser(principalIds(starters), who.id));
  if (!allowed) {
    throw new NotAllowedError(
      `you are not allowed to start migrations of namespace ${request.namespace} on ${request.clusters.join(', ')} (access rule ${matched.label})`,
    );
  }
  return matched;
}

/**
 * A start request checked against the access policy and completed from it: the rule's
 * approvers (user groups resolved now: the run keeps the list), narrowed by the ones the
 * request named, never widened; the rule's minimum of approvals; the probe's argv; the
 * rule itself, as the run's snapshot. Throws NotAllowedError (who) or ValidationError (what).
 */
export async function authorizeStart(
  policy: AccessPolicy,
  directory: Directory,
  input: MigrationInput,
  who: Asker,
): Promise<MigrationInput> {
  const matched = await startingRule(
    policy,
    directory,
    { namespace: input.serviceAccount.namespace, clusters: input.clusters },
    who,
  );
  const { rule, label } = matched;
  const allowed = { anyone: rule.approvers.anyone, users: await expand(directory, principalIds(rule.approvers)) };
  const requested = await expand(directory, input.options.approvers);
  if (allowed.anyone && requested.length === 0) {
    throw new ValidationError(
      `access rule ${label} lets anyone approve: name the approvers with --approvers`,
      'approvers',
    );
  }
  const { approvers, refused } = narrowApprovers(allowed, requested);
  if (refused.length > 0) {
    throw new ValidationError(
      `--approvers may only narrow the approvers access rule ${label} gives this run, never add to them: refused ${refused.join(', ')}`,
      'approvers',
    );
  }
  const minApprovals = rule.approvers.minApprovals;
  const shortfall = approvalShortfall(approvers, who.id, minApprovals);
  if (shortfall) throw new ValidationError(`${shortfall} (access rule ${label})`, 'approvers');
  if (input.options.acceptSharedRole === true) {
    const refusal = sharedRoleRefusal(rule, label, input.options.targetRoleArn ?? input.roleArn);
    if (refusal) throw new ValidationError(refusal, 'accept-shared-role');
  }
  const probe = input.options.verifyProbe;
  let verifyCommand: string[] | undefined;
  if (probe !== undefined) {
    const refusal = probeRefusal(policy, rule, probe);
    if (refusal) throw new ValidationError(refusal, 'probe');
    verifyCommand = [...(policy.probes[probe]?.argv ?? [])];
  }
  return {
    ...input,
    options: {
      ...input.options,
      approvers,
      minApprovals,
      ...(verifyCommand ? { verifyCommand } : {}),
    },
    access: snapshotOf(matched),
  };
}

/** Outside the policy (the CLI on the sandbox): a named probe still has to be one the policy defines. */
export function resolveProbe(policy: AccessPolicy | undefined, input: MigrationInput): MigrationInput {
  const probe = input.options.verifyProbe;
  if (probe === undefined) return input;
  const argv = policy?.probes[probe]?.argv;
  if (!policy || !argv) {
    throw new ValidationError(
      policy
        ? (probeRefusal(policy, undefined, probe) ?? `unknown probe "${probe}"`)
        : `--probe ${probe}: no access policy defines probes`,
      'probe',
    );
  }
  return { ...input, options: { ...input.options, verifyCommand: [...argv] } };
}
