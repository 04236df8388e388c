import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { CampaignPolicy } from '../domain/campaign-policy.js';
import { ConfigError, formatZodIssues } from './errors.js';

const pattern = z.string().regex(/^[A-Za-z0-9*][A-Za-z0-9*._-]*$/, 'a name, or a pattern with *');

const namespaceRuleSchema = z
  .object({
    match: z.array(pattern).min(1),
    keepIrsa: z.boolean().optional(),
    wave: z.number().int().min(1).max(99).optional(),
    reason: z.string().min(1).optional(),
  })
  .strict()
  .refine((rule) => rule.keepIrsa === true || rule.wave !== undefined, {
    message: 'a rule needs keepIrsa: true or a wave',
  })
  .refine((rule) => !(rule.keepIrsa === true && rule.wave !== undefined), {
    message: 'keepIrsa and wave exclude each other',
  });

const campaignPolicySchema = z
  .object({
    production: z.array(pattern).optional(),
    canary: z
      .string()
      .regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/, 'must be a cluster name')
      .optional(),
    namespaces: z.array(namespaceRuleSchema).default([]),
  })
  .strict();

/** Parses and validates a campaign policy (YAML or JSON); the error names the field. */
export function parseCampaignPolicy(text: string, source: string, knownClusters?: readonly string[]): CampaignPolicy {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${source}: not valid YAML: ${(err as Error).message}`);
  }
  const result = campaignPolicySchema.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(`${source}: ${formatZodIssues(result.error.issues)}`);
  const policy = result.data;
  if (policy.canary !== undefined && knownClusters && !knownClusters.includes(policy.canary)) {
    throw new ConfigError(`${source}: canary: "${policy.canary}" is not a fleet cluster (${knownClusters.join(', ')})`);
  }
  return policy;
}

export function loadCampaignPolicy(path: string, knownClusters?: readonly string[]): CampaignPolicy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`campaign policy ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseCampaignPolicy(text, `campaign policy ${path}`, knownClusters);
}
