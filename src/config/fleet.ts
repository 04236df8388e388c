import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseEksClusterArn } from '../domain/eks-cluster-arn.js';
import { ConfigError, formatZodIssues } from './errors.js';

const clusterName = z.string().regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/, 'must be a valid EKS cluster name');
const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN');
const duration = z.union([z.string(), z.number()]);

const clusterSchema = z
  .object({
    /** The name used in commands and state; unique in the fleet. */
    name: clusterName,
    /**
     * The EKS cluster name, when it differs from `name`. Every EKS call (associations,
     * DescribeCluster) uses it, also for clusters reached through `kubeconfigContext`.
     */
    eksClusterName: clusterName.optional(),
    region: z.string().min(1).optional(),
    accountId: accountId.optional(),
    /** Role to assume for EKS calls and the Kubernetes token in this cluster's account. */
    assumeRoleArn: roleArn.optional(),
    /** Use this kubeconfig context instead of DescribeCluster endpoint + EKS token. */
    kubeconfigContext: z.string().min(1).optional(),
    kubeconfigPath: z.string().min(1).optional(),
  })
  .strict();

const defaultsSchema = z
  .object({
    region: z.string().min(1).optional(),
    consistencyWait: duration.optional(),
    soak: duration.optional(),
    approvers: z.array(z.string().min(1)).optional(),
    approvalReminder: duration.optional(),
    approvalWindow: duration.optional(),
    onApprovalTimeout: z.enum(['hold', 'rollback']).optional(),
    rolloutTimeout: duration.optional(),
    /** How a migration checks the caller identity: `pod` (verification pod), `exec` (in the app's pods), `both`. */
    verifyWith: z.enum(['pod', 'exec', 'both']).optional(),
    /** The Observing phase after cleanup (`--observe`; `0` skips it) and its sample interval (`--observe-every`). */
    observe: duration.optional(),
    observeEvery: duration.optional(),
  })
  .strict();

/** The verification pod: what it runs, for how long; `pod: false` turns verification pods off. */
const verificationSchema = z
  .object({
    pod: z.boolean().optional(),
    probeImage: z.string().min(1).optional(),
    /** The command (argv) that prints `sts get-caller-identity` JSON. */
    probeCommand: z.array(z.string().min(1)).min(1).optional(),
    /** `activeDeadlineSeconds`: `2m`, `90s`, or seconds. */
    probeDeadline: duration.optional(),
  })
  .strict();

const sandboxSchema = z
  .object({
    consistencyDelayMs: z.number().int().min(0).optional(),
    podStartMs: z.number().int().min(0).optional(),
    /** Each port call answers after this long per API round trip the real adapter makes (benchmarks). */
    latencyMs: z.number().int().min(0).max(60_000).optional(),
  })
  .strict();

export const fleetSchema = z
  .object({
    mode: z.enum(['sandbox', 'aws']),
    /** The access policy file, relative to the fleet file (MIGRATE_IDENTITY_ACCESS_POLICY overrides it). */
    accessPolicy: z.string().min(1).optional(),
    defaults: defaultsSchema.default({}),
    sandbox: sandboxSchema.optional(),
    verification: verificationSchema.optional(),
    /** Where the IAM calls for the migrated roles go (the roles' account). */
    iam: z
      .object({
        region: z.string().min(1).optional(),
        assumeRoleArn: roleArn.optional(),
        /**
         * The account's role trust-policy length quota, when raised above IAM's default 2,048.
         * IAM raises it to 4,096 at most ("Role trust policy length: 2048 characters, maximum
         * quota 4096 characters", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
         */
        trustPolicySizeLimit: z
          .number()
          .int()
          .min(2048, "IAM's default role trust policy length is 2,048 characters; set a larger quota or leave it out")
          .max(4096, 'IAM raises the role trust policy length quota to 4,096 characters at most')
          .optional(),
      })
      .strict()
      .optional(),
    clusters: z.array(clusterSchema).default([]),
  })
  .strict()
  .superRefine((fleet, ctx) => {
    const seen = new Set<string>();
    fleet.clusters.forEach((c, i) => {
      if (seen.has(c.name))
        ctx.addIssue({ code: 'custom', path: ['clusters', i, 'name'], message: `duplicate cluster "${c.name}"` });
      seen.add(c.name);
      if (fleet.mode === 'aws' && !c.region && !fleet.defaults.region) {
        ctx.addIssue({ code: 'custom', path: ['clusters', i, 'region'], message: 'required (or set defaults.region)' });
      }
      checkEksContext(c, fleet.defaults.region, (field, message) =>
        ctx.addIssue({ code: 'custom', path: ['clusters', i, field], message }),
      );
    });
    if (fleet.mode === 'aws' && fleet.clusters.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['clusters'], message: 'an aws fleet needs at least one cluster' });
    }
  });

/**
 * A context named by `aws eks update-kubeconfig` (the cluster's ARN) says which EKS cluster
 * Kubernetes calls go to; EKS calls must go to the same one, or the association would be
 * made on one cluster while the pods restart on another.
 */
function checkEksContext(
  c: { name: string; eksClusterName?: string; region?: string; accountId?: string; kubeconfigContext?: string },
  defaultRegion: string | undefined,
  issue: (field: string, message: string) => void,
): void {
  const arn = c.kubeconfigContext === undefined ? undefined : parseEksClusterArn(c.kubeconfigContext);
  if (arn === undefined) return;
  const eksName = c.eksClusterName ?? c.name;
  if (arn.name !== eksName) {
    issue(
      'eksClusterName',
      `kubeconfig context ${c.kubeconfigContext} is EKS cluster "${arn.name}", but EKS calls would go to "${eksName}": set eksClusterName: ${arn.name}`,
    );
  }
  const region = c.region ?? defaultRegion;
  if (region !== undefined && arn.region !== region) {
    issue('region', `kubeconfig context ${c.kubeconfigContext} is in ${arn.region}, not ${region}`);
  }
  if (c.accountId !== undefined && arn.accountId !== c.accountId) {
    issue('accountId', `kubeconfig context ${c.kubeconfigContext} is in account ${arn.accountId}, not ${c.accountId}`);
  }
}

export type FleetFile = z.infer<typeof fleetSchema>;
export type FleetCluster = z.infer<typeof clusterSchema>;

export const SANDBOX_CLUSTERS = ['sandbox-a', 'sandbox-b', 'sandbox-c', 'sandbox-unhealthy'] as const;

/** The embedded default: the sandbox fleet, no file needed. */
export function defaultFleet(): FleetFile {
  return fleetSchema.parse({ mode: 'sandbox', clusters: SANDBOX_CLUSTERS.map((name) => ({ name })) });
}

export function parseFleet(text: string, source: string): FleetFile {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${source}: not valid YAML: ${(err as Error).message}`);
  }
  const result = fleetSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(`${source}: ${formatZodIssues(result.error.issues)}`);
  const fleet = result.data;
  if (fleet.mode === 'sandbox' && fleet.clusters.length === 0) {
    fleet.clusters = SANDBOX_CLUSTERS.map((name) => ({ name }));
  }
  return fleet;
}

export function loadFleetFile(path: string): FleetFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`fleet file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseFleet(text, `fleet file ${path}`);
}
