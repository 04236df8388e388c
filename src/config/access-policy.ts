import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { AccessPolicy } from '../domain/access-policy.js';
import { ConfigError } from './errors.js';

/**
 * The access policy file (YAML): who may start, approve and stop migrations, per namespace
 * pattern and cluster, and the probes that may run in pods. See access-policy.example.yaml.
 */

const userId = z.string().regex(/^[^\s,*]{1,100}$/, 'expected a user id (U…) or a CLI user name, without spaces');
const userGroupId = z.string().regex(/^S[A-Z0-9]{2,}$/, 'expected a Slack user group id (S…)');
const channelId = z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'expected a Slack channel id (C… or G…)');
const pattern = z
  .string()
  .regex(/^[a-z0-9*][a-zA-Z0-9*_.-]{0,99}$/, 'expected a name or a pattern with *, e.g. payments-*');
// A role ARN, `*` for any run of characters: `arn:aws:iam::111122223333:role/shop-*`.
const roleArnPattern = z
  .string()
  .regex(
    /^arn:[a-z*-]+:iam::(\d{12}|\*):role\/[\w+=,.@/*-]{1,512}$/,
    'expected a role ARN or a pattern of one with *, e.g. arn:aws:iam::111122223333:role/shop-*',
  );
const probeName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a probe name (lowercase, digits, -)');

const principals = {
  anyone: z.boolean().default(false),
  users: z.array(userId).default([]),
  userGroups: z.array(userGroupId).default([]),
};

const ruleSchema = z
  .object({
    name: z.string().min(1).max(100).optional(),
    namespaces: z.array(pattern).min(1, 'expected at least one namespace pattern'),
    clusters: z.array(pattern).min(1, 'expected at least one cluster pattern').default(['*']),
    starters: z.object({ ...principals, channels: z.array(channelId).default([]) }).strict(),
    approvers: z
      .object({
        ...principals,
        minApprovals: z
          .number({ error: 'expected a number ≥ 1' })
          .int('expected a whole number ≥ 1')
          .min(1, 'expected a number ≥ 1')
          .default(1),
      })
      .strict(),
    operators: z.object(principals).strict().default({ anyone: false, users: [], userGroups: [] }),
    probes: z.array(probeName).default([]),
    sharedRoles: z.array(roleArnPattern).default([]),
  })
  .strict();

const policySchema = z
  .object({
    rules: z.array(ruleSchema).min(1, 'expected at least one rule'),
    // Who may view the fleet inventory; unset: everyone the rules name.
    viewers: z
      .object({ ...principals, channels: z.array(channelId).default([]) })
      .strict()
      .optional(),
    probes: z
      .record(
        probeName,
        z
          .object({
            argv: z.array(z.string().min(1).max(1000)).min(1, 'expected the command and its arguments').max(32),
            description: z.string().max(300).optional(),
          })
          .strict(),
      )
      .default({}),
    cli: z
      .object({ users: z.record(z.string().min(1), userId).default({}) })
      .strict()
      .default({ users: {} }),
  })
  .strict();

/** `rules[2].approvers.minApprovals`, as the file's reader would point at it. */
export function policyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
  return out || '(root)';
}

function check(policy: z.infer<typeof policySchema>, fleetMode: 'sandbox' | 'aws'): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  policy.rules.forEach((rule, i) => {
    const at = `rules[${i}]`;
    if (rule.name !== undefined) {
      if (names.has(rule.name)) problems.push(`${at}.name: duplicate rule name "${rule.name}"`);
      names.add(rule.name);
    }
    const { approvers, starters } = rule;
    if (!approvers.anyone && approvers.users.length === 0 && approvers.userGroups.length === 0) {
      problems.push(`${at}.approvers: expected users or userGroups: cleanup needs someone to approve it`);
    }
    if (approvers.anyone && fleetMode !== 'sandbox') {
      problems.push(`${at}.approvers.anyone: allowed only with a sandbox fleet; list the approvers`);
    }
    if (!approvers.anyone && approvers.userGroups.length === 0 && approvers.minApprovals > approvers.users.length) {
      problems.push(
        `${at}.approvers.minApprovals: ${approvers.minApprovals} approvals needed but only ${approvers.users.length} approver(s) listed`,
      );
    }
    if (!starters.anyone && !starters.users.length && !starters.userGroups.length && !starters.channels.length) {
      problems.push(`${at}.starters: expected users, userGroups, channels or anyone: true`);
    }
    rule.probes.forEach((name, j) => {
      if (!policy.probes[name]) {
        const known = Object.keys(policy.probes);
        problems.push(`${at}.probes[${j}]: unknown probe "${name}" (defined: ${known.join(', ') || 'none'})`);
      }
    });
  });
  const { viewers } = policy;
  if (viewers && !viewers.anyone && !viewers.users.length && !viewers.userGroups.length && !viewers.channels.length) {
    problems.push(
      'viewers: expected users, userGroups, channels or anyone: true (leave viewers out and everyone the rules name may view)',
    );
  }
  return problems;
}

/** Parses and validates the policy; a problem names the field (`rules[2].approvers.minApprovals: …`). */
export function parseAccessPolicy(text: string, source: string, fleetMode: 'sandbox' | 'aws'): AccessPolicy {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`access policy ${source}: not valid YAML: ${(err as Error).message}`);
  }
  const result = policySchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${policyPath(i.path)}: ${i.message}`);
    throw new ConfigError(`access policy ${issues.join('; ')} (in ${source})`);
  }
  const problems = check(result.data, fleetMode);
  if (problems.length) throw new ConfigError(`access policy ${problems.join('; ')} (in ${source})`);
  const { rules, viewers, probes, cli } = result.data;
  return { rules, ...(viewers && { viewers }), probes, cliUsers: cli.users };
}

export function loadAccessPolicyFile(path: string, fleetMode: 'sandbox' | 'aws'): AccessPolicy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`access policy ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseAccessPolicy(text, path, fleetMode);
}
