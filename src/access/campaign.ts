/**
 * A campaign under the access policy. It starts a migration per service account, so its
 * requester must be allowed to start every one of them, and one approval of a wave stands
 * for each of its migrations' approvals, so only someone every one of their rules lets
 * approve may give it.
 */
import {
  approvalShortfall,
  narrowApprovers,
  principalIds,
  ruleFor,
  type AccessPolicy,
  type MatchedRule,
} from '../domain/access-policy.js';
import type { CampaignApproval, CampaignItem, CampaignState } from '../domain/campaign.js';
import { ValidationError } from '../domain/errors.js';
import type { Directory } from '../ports/directory.js';
import { expand, startingRule, type Asker } from './start.js';

/** The rule of each distinct namespace and cluster list the items need; NotAllowedError names the first refused. */
async function rulesFor(
  policy: AccessPolicy,
  directory: Directory,
  items: readonly CampaignItem[],
  who: Asker,
): Promise<MatchedRule[]> {
  const requests = new Map<string, { namespace: string; clusters: string[] }>();
  for (const item of items) {
    const request = { namespace: item.serviceAccount.namespace, clusters: item.clusters };
    requests.set(`${request.namespace} ${request.clusters.join(',')}`, request);
  }
  const rules = new Map<string, MatchedRule>();
  for (const request of requests.values()) {
    const matched = await startingRule(policy, directory, request, who);
    rules.set(matched.label, matched);
  }
  return [...rules.values()];
}

/**
 * The campaign's approvers and minimum: those every rule involved lets approve (user groups
 * resolved now), narrowed by the approvers the request named, never widened. A rule that
 * asks for more than one approval cannot be met by one wave approval: such campaigns ask
 * each service account's approvers instead (`--approval service-account`).
 */
export async function authorizeCampaign(
  policy: AccessPolicy,
  directory: Directory,
  request: { items: readonly CampaignItem[]; approvers: readonly string[]; approval: CampaignApproval },
  who: Asker,
): Promise<{ approvers: string[]; minApprovals: number }> {
  const rules = await rulesFor(policy, directory, request.items, who);
  let allowed: { anyone: boolean; users: string[] } = { anyone: true, users: [] };
  for (const { rule } of rules) {
    if (rule.approvers.anyone) continue;
    const users = await expand(directory, principalIds(rule.approvers));
    allowed = allowed.anyone
      ? { anyone: false, users }
      : { anyone: false, users: allowed.users.filter((u) => users.includes(u)) };
  }
  const labels = rules.map((r) => r.label).join(', ');
  const requested = await expand(directory, request.approvers);
  if (allowed.anyone && requested.length === 0) {
    throw new ValidationError(
      `access rule(s) ${labels} let anyone approve: name the approvers with --approvers`,
      'approvers',
    );
  }
  const { approvers, refused } = narrowApprovers(allowed, requested);
  if (refused.length > 0) {
    throw new ValidationError(
      `--approvers may only narrow the approvers that access rule(s) ${labels} all give, never add to them: refused ${refused.join(', ')}`,
      'approvers',
    );
  }
  const strictest = rules.reduce<MatchedRule | undefined>(
    (most, r) => (r.rule.approvers.minApprovals > (most?.rule.approvers.minApprovals ?? 1) ? r : most),
    undefined,
  );
  const minApprovals = strictest?.rule.approvers.minApprovals ?? 1;
  if (request.approval === 'wave' && strictest) {
    throw new ValidationError(
      `access rule ${strictest.label} needs ${minApprovals} approvals per migration, and a wave approval is one: use --approval service-account`,
      'approval',
    );
  }
  const shortfall = approvalShortfall(approvers, who.id, minApprovals);
  if (shortfall) {
    throw new ValidationError(
      approvers.length === 0
        ? `no one may approve every service account of this campaign (access rule(s) ${labels}): split it by namespace`
        : `${shortfall} (access rule(s) ${labels})`,
      'approvers',
    );
  }
  return { approvers, minApprovals };
}

/**
 * Why `whoId` may not pause, resume or abort the campaign, or undefined when they may: its
 * requester and approvers may; so may whoever is an operator of the rule of every service
 * account it migrates, under the policy in force.
 */
export async function campaignOperateRefusal(
  state: Pick<CampaignState, 'requestedBy' | 'approvers' | 'items'>,
  whoId: string,
  directory: Directory,
  policy: AccessPolicy | undefined,
): Promise<string | undefined> {
  if (state.requestedBy === whoId || state.approvers.includes(whoId)) return undefined;
  const refusal =
    'only the requester, the approvers and the operators of every service account it migrates may pause, resume or abort this campaign';
  if (!policy) return refusal;
  const seen = new Set<string>();
  for (const item of state.items) {
    const matched = ruleFor(policy, { namespace: item.serviceAccount.namespace, clusters: item.clusters });
    if (!matched) return refusal;
    if (seen.has(matched.label)) continue;
    seen.add(matched.label);
    const { operators } = matched.rule;
    if (!operators.anyone && !(await directory.includesUser(principalIds(operators), whoId))) return refusal;
  }
  return undefined;
}
