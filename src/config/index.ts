import { dirname, resolve } from 'node:path';
import type { AccessPolicy } from '../domain/access-policy.js';
import { loadAccessPolicyFile } from './access-policy.js';
import { z } from 'zod';
import { ConfigError, formatZodIssues } from './errors.js';
import { defaultFleet, loadFleetFile, type FleetFile } from './fleet.js';

export { ConfigError } from './errors.js';
export { AccessPolicyStore } from './policy-store.js';
export type { FleetFile, FleetCluster } from './fleet.js';

const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('migrate-identity'),
  TEMPORAL_UI_URL: z.url().default('http://127.0.0.1:8233'),
  /** Path of the `temporal` CLI for `npm start`; unset = on PATH, else the SDK downloads it. */
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  MIGRATE_IDENTITY_DATA_DIR: z.string().min(1).default('.data'),
  MIGRATE_IDENTITY_FLEET_FILE: z.string().min(1).optional(),
  /** The access policy file; overrides the fleet file's `accessPolicy`. */
  MIGRATE_IDENTITY_ACCESS_POLICY: z.string().min(1).optional(),
  /** Temporal SDK log level (worker, bundler): TRACE, DEBUG, INFO, WARN, ERROR. */
  MIGRATE_IDENTITY_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('WARN'),
  /** `true` when `npm start` should not start the dev server (one is already running). */
  MIGRATE_IDENTITY_EXTERNAL_TEMPORAL: z.enum(['true', 'false']).default('false'),
  SLACK_BOT_TOKEN: z.string().min(1).optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_APP_TOKEN: z.string().min(1).optional(),
  SLACK_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  SLACK_API_URL: z.url().optional(),
  SLACK_ALLOWED_TEAM_ID: z.string().min(1).optional(),
  SLACK_ALLOWED_APP_ID: z.string().min(1).optional(),
  /** Superseded by the access policy: refused when set, so nobody runs with a setting that no longer applies. */
  SLACK_APPROVERS: z.string().optional(),
  SLACK_ALLOWED_STARTERS: z.string().optional(),
});

const SUPERSEDED = ['SLACK_APPROVERS', 'SLACK_ALLOWED_STARTERS'] as const;

export interface Config {
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    uiUrl: string;
    cliPath?: string;
    external: boolean;
  };
  dataDir: string;
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  fleet: FleetFile;
  fleetSource: string;
  /** Who may do what (src/domain/access-policy.ts); absent: Slack starts nothing, the CLI is open on the sandbox only. */
  accessPolicy?: { path: string; policy: AccessPolicy };
  slack?: {
    botToken: string;
    signingSecret: string;
    appToken?: string;
    port: number;
    apiUrl?: string;
    allowedTeamId?: string;
    allowedAppId?: string;
  };
}

/** The one place configuration is read. Throws ConfigError naming the bad field. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`configuration: ${formatZodIssues(parsed.error.issues)}`);
  const e = parsed.data;
  for (const name of SUPERSEDED) {
    if (e[name]?.trim()) {
      throw new ConfigError(
        `configuration: ${name} is no longer read: who may start and approve is set in the access policy file ` +
          `(MIGRATE_IDENTITY_ACCESS_POLICY, or accessPolicy in the fleet file; see access-policy.example.yaml). Unset ${name}.`,
      );
    }
  }
  const fleet = e.MIGRATE_IDENTITY_FLEET_FILE ? loadFleetFile(e.MIGRATE_IDENTITY_FLEET_FILE) : defaultFleet();
  const policyPath =
    e.MIGRATE_IDENTITY_ACCESS_POLICY ??
    (fleet.accessPolicy && e.MIGRATE_IDENTITY_FLEET_FILE
      ? resolve(dirname(e.MIGRATE_IDENTITY_FLEET_FILE), fleet.accessPolicy)
      : fleet.accessPolicy);
  const accessPolicy = policyPath
    ? { path: policyPath, policy: loadAccessPolicyFile(policyPath, fleet.mode) }
    : undefined;
  let slack: Config['slack'];
  if (e.SLACK_BOT_TOKEN || e.SLACK_SIGNING_SECRET || e.SLACK_APP_TOKEN) {
    if (!e.SLACK_BOT_TOKEN) throw new ConfigError('configuration: SLACK_BOT_TOKEN: required when Slack is configured');
    if (!e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN) {
      throw new ConfigError(
        'configuration: SLACK_SIGNING_SECRET: required for HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)',
      );
    }
    slack = {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET ?? '',
      appToken: e.SLACK_APP_TOKEN,
      port: e.SLACK_PORT,
      apiUrl: e.SLACK_API_URL,
      allowedTeamId: e.SLACK_ALLOWED_TEAM_ID,
      allowedAppId: e.SLACK_ALLOWED_APP_ID,
    };
  }
  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      uiUrl: e.TEMPORAL_UI_URL.replace(/\/$/, ''),
      cliPath: e.TEMPORAL_CLI_PATH,
      external: e.MIGRATE_IDENTITY_EXTERNAL_TEMPORAL === 'true',
    },
    dataDir: resolve(e.MIGRATE_IDENTITY_DATA_DIR),
    logLevel: e.MIGRATE_IDENTITY_LOG_LEVEL,
    fleet,
    fleetSource: e.MIGRATE_IDENTITY_FLEET_FILE ?? 'embedded sandbox fleet',
    ...(accessPolicy && { accessPolicy }),
    slack,
  };
}
