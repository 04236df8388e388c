/**
 * The access policy: who may start, approve and stop migrations of which service accounts
 * in which clusters, and which verification probes may run in their pods. The platform
 * team owns the file (src/config/access-policy.ts reads and validates it); these are the
 * rules over it, shared by the Slack app and the CLI.
 */

/** People, user groups and channels a permission is given to. */
export interface Principals {
  /** Everyone in the workspace (starters, operators; approvers only on a sandbox fleet). */
  anyone: boolean;
  /** Slack user ids (U…/W…) or, for the CLI, the identity a local user acts as. */
  users: string[];
  /** Slack user group ids (S…): their members, resolved when asked. */
  userGroups: string[];
}

export interface Starters extends Principals {
  /** Slack channel ids (C…/G…): anyone may start from these channels. */
  channels: string[];
}

export interface Approvers extends Principals {
  /** Distinct approvals, never the requester's, that close the gate as approved. */
  minApprovals: number;
}

export interface AccessRule {
  name?: string;
  /** Namespace patterns: `payments`, `payments-*`, `*`. */
  namespaces: string[];
  /** Cluster patterns; the rule applies when they cover every cluster of the request. */
  clusters: string[];
  starters: Starters;
  approvers: Approvers;
  /** May abort, pause and resume, besides the run's requester and approvers. */
  operators: Principals;
  /** Names from `probes` that runs under this rule may use. */
  probes: string[];
  /**
   * Roles (ARN patterns) the platform team accepts being shared with other namespaces: a run
   * under this rule may pass `--accept-shared-role` for these and no others.
   */
  sharedRoles: string[];
}

/** A command run in one pod per workload to verify credentials; its exit status decides. */
export interface ProbeDefinition {
  argv: string[];
  description?: string;
}

/** Who may view the fleet inventory: read-only, fleet-wide. */
export interface Viewers extends Principals {
  /** Slack channel ids (C…/G…): anyone may view from these channels. */
  channels: string[];
}

export interface AccessPolicy {
  rules: AccessRule[];
  /** Unset: everyone the rules name (see `viewersOf`). */
  viewers?: Viewers;
  probes: Record<string, ProbeDefinition>;
  /** Under `mode: aws`, the identity each local (OS) user acts as in the CLI. */
  cliUsers: Record<string, string>;
}

/** What the run keeps of the rule it started under: later policy changes do not touch it. */
export interface AccessSnapshot {
  /** The rule's name, or `rules[i]`. */
  rule: string;
  /** Who may abort, pause and resume: user and user group ids as the rule listed them. */
  operators: string[];
  anyoneMayOperate: boolean;
}

/** `*` matches any run of characters; everything else matches itself. Linear in practice, never backtracks past one star. */
export function globMatch(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let resume = 0;
  while (v < value.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === value[v]) {
      p++;
      v++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = v;
    } else if (star >= 0) {
      p = star + 1;
      v = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

export function ruleLabel(rule: AccessRule, index: number): string {
  return rule.name ?? `rules[${index}]`;
}

export interface MatchedRule {
  rule: AccessRule;
  label: string;
}

/**
 * The rule for a request: the first, top to bottom, whose namespace patterns match the
 * service account's namespace and whose cluster patterns match every requested cluster.
 * First match, like a firewall: put specific rules above broad ones.
 */
export function ruleFor(
  policy: AccessPolicy,
  request: { namespace: string; clusters: readonly string[] },
): MatchedRule | undefined {
  const index = policy.rules.findIndex(
    (rule) =>
      rule.namespaces.some((p) => globMatch(p, request.namespace)) &&
      request.clusters.every((cluster) => rule.clusters.some((p) => globMatch(p, cluster))),
  );
  const rule = policy.rules[index];
  return rule && { rule, label: ruleLabel(rule, index) };
}

/** Why no rule applies, in words for the person who asked. */
export function noRuleMessage(request: { namespace: string; clusters: readonly string[] }): string {
  return `no access policy rule covers namespace ${request.namespace} on ${request.clusters.join(', ')}: ask the platform team, or start clusters that one rule covers`;
}

/** The ids a membership check looks through: users and user groups. */
export function principalIds(principals: Principals): string[] {
  return [...principals.users, ...principals.userGroups];
}

/**
 * Who may view the fleet inventory (`view`: the `inventory` summary and the App Home tab;
 * a scan it starts when none has finished only reads the fleet). The policy's `viewers`
 * when it has them, else everyone the rules give a role: starters (and their channels),
 * approvers and operators of any rule. Read-only, fleet-wide: no rule is matched.
 */
export function viewersOf(policy: AccessPolicy): Viewers {
  if (policy.viewers) return policy.viewers;
  const named = policy.rules.flatMap((r) => [r.starters, r.approvers, r.operators]);
  const unique = (ids: string[]) => [...new Set(ids)];
  return {
    anyone: named.some((p) => p.anyone),
    users: unique(named.flatMap((p) => p.users)),
    userGroups: unique(named.flatMap((p) => p.userGroups)),
    channels: unique(policy.rules.flatMap((r) => r.starters.channels)),
  };
}

export function snapshotOf(matched: MatchedRule): AccessSnapshot {
  const { operators } = matched.rule;
  return { rule: matched.label, operators: principalIds(operators), anyoneMayOperate: operators.anyone };
}

/**
 * The approvers of a run from the rule's (user groups expanded) and the ones the request
 * named (expanded too): a request may narrow the list, never widen it. Without named
 * approvers the run gets the rule's. `anyone` rules take the named ones as they are.
 */
export function narrowApprovers(
  allowed: { anyone: boolean; users: readonly string[] },
  requested: readonly string[],
): { approvers: string[]; refused: string[] } {
  const unique = [...new Set(requested)];
  if (unique.length === 0) return { approvers: allowed.anyone ? [] : [...allowed.users], refused: [] };
  if (allowed.anyone) return { approvers: unique, refused: [] };
  return {
    approvers: unique.filter((id) => allowed.users.includes(id)),
    refused: unique.filter((id) => !allowed.users.includes(id)),
  };
}

/** Why these approvers cannot close the gate, or undefined when they can. */
export function approvalShortfall(approvers: readonly string[], requestedBy: string, minApprovals: number) {
  const others = approvers.filter((a) => a !== requestedBy).length;
  if (others >= minApprovals) return undefined;
  if (approvers.length === 0) return 'no approvers: cleanup needs someone to approve it';
  return `${minApprovals} approval(s) from someone other than the requester are needed, but only ${others} approver(s) other than ${requestedBy} are available`;
}

/** The probe a run may use under a rule (undefined name: the built-in caller-identity check). */
/**
 * Why `--accept-shared-role` is refused for `roleArn` under `rule`, or undefined: accepting a
 * shared role's blast radius is the platform team's call (the rule's `sharedRoles`), never
 * the requester's alone.
 */
export function sharedRoleRefusal(rule: AccessRule, label: string, roleArn: string): string | undefined {
  if (rule.sharedRoles.some((pattern) => globMatch(pattern, roleArn))) return undefined;
  return `--accept-shared-role: access rule ${label} accepts no shared role ${roleArn} (the platform team lists the shared roles it accepts in the rule's sharedRoles${rule.sharedRoles.length ? `: ${rule.sharedRoles.join(', ')}` : ''})`;
}

export function probeRefusal(policy: AccessPolicy, rule: AccessRule | undefined, name: string): string | undefined {
  if (!policy.probes[name]) {
    const known = Object.keys(policy.probes);
    return `unknown probe "${name}" (the access policy defines ${known.length ? known.join(', ') : 'none'})`;
  }
  if (rule && !rule.probes.includes(name)) {
    return `probe "${name}" is not allowed for this service account (allowed: ${rule.probes.join(', ') || 'only the built-in check'})`;
  }
  return undefined;
}
