import { dirname, resolve } from 'node:path';
import type { AccessPolicy } from '../domain/access-policy.js';
import { loadAccessPolicyFile } from './access-policy.js';
import { z } from 'zod';
import { parseDurationSeconds } from '../domain/duration.js';
import type { CampaignPolicy } from '../domain/campaign-policy.js';
import { loadCampaignPolicy } from './campaign-policy.js';
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
  /** TLS to the Temporal frontend: on with any TLS path or an API key unless set to false. */
  TEMPORAL_TLS: z.enum(['true', 'false']).optional(),
  TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  /** Temporal Cloud API key (sent as a bearer token; implies TLS). */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  MIGRATE_IDENTITY_DATA_DIR: z.string().min(1).default('.data'),
  MIGRATE_IDENTITY_FLEET_FILE: z.string().min(1).optional(),
  /** The access policy file; overrides the fleet file's `accessPolicy`. */
  MIGRATE_IDENTITY_ACCESS_POLICY: z.string().min(1).optional(),
  /** The campaign policy file: production clusters, canary, approvers, namespaces pinned or kept on IRSA. */
  MIGRATE_IDENTITY_CAMPAIGN_POLICY: z.string().min(1).optional(),
  /** Temporal SDK log level (worker, bundler): TRACE, DEBUG, INFO, WARN, ERROR. */
  MIGRATE_IDENTITY_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('WARN'),
  /** Sandbox only: each port call answers after this long per API round trip (benchmarks); overrides the fleet file. */
  MIGRATE_IDENTITY_SANDBOX_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).optional(),
  /** `true` when `npm start` should not start the dev server (one is already running). */
  MIGRATE_IDENTITY_EXTERNAL_TEMPORAL: z.enum(['true', 'false']).default('false'),
  SLACK_BOT_TOKEN: z.string().min(1).optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_APP_TOKEN: z.string().min(1).optional(),
  SLACK_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** HTTP mode listen address; unset: every interface. */
  SLACK_HOST: z.string().min(1).optional(),
  SLACK_API_URL: z.url().optional(),
  SLACK_ALLOWED_TEAM_ID: z.string().min(1).optional(),
  SLACK_ALLOWED_APP_ID: z.string().min(1).optional(),
  /** Superseded by the access policy: refused when set, so nobody runs with a setting that no longer applies. */
  SLACK_APPROVERS: z.string().optional(),
  SLACK_ALLOWED_STARTERS: z.string().optional(),
  /** Channel id where scheduled scans post drift that is new since the previous scan. */
  SLACK_DRIFT_CHANNEL: z
    .string()
    .regex(/^[CG][A-Z0-9]+$/, 'must be a channel id (C… or G…)')
    .optional(),
  /** How often the Schedule scans the fleet (`24h`, `6h`, `1d`), registered at start-up; `off`: not at all. */
  MIGRATE_IDENTITY_SCAN_INTERVAL: z.string().min(1).default('1d'),
  /** Level of the JSON log (pino): trace, debug, info, warn, error, fatal, silent. */
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** Port of `/metrics` (Prometheus); worker and bot default to 9464, `npm start` serves none unless set. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('0.0.0.0'),
  /** Where the Temporal SDK's own Prometheus exporter listens; `/metrics` merges it in, so keep it on loopback. */
  TEMPORAL_METRICS_BIND_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d+$/, 'host:port')
    .default('127.0.0.1:9465'),
  /** How often the worker counts migrations by phase in Temporal's visibility store. */
  METRICS_VISIBILITY_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(30),
  /** SIGTERM: how long in-flight activities (worker) and Slack requests (bot) get to finish. */
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).default(60),
  /** OTLP/HTTP collector base URL (e.g. http://otel-collector:4318); unset: no traces exported. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  /** Read only so the logger can scrub them: the AWS SDK takes its credentials from the environment itself. */
  AWS_SECRET_ACCESS_KEY: z.string().optional(),
  AWS_SESSION_TOKEN: z.string().optional(),
});

const SUPERSEDED = ['SLACK_APPROVERS', 'SLACK_ALLOWED_STARTERS'] as const;

export type AppLogLevel = z.infer<typeof envSchema>['LOG_LEVEL'];

export interface Config {
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    uiUrl: string;
    cliPath?: string;
    external: boolean;
    /** Set: connect with TLS; the paths hold PEM files (client pair for mTLS, server CA). */
    tls?: { clientCertPath?: string; clientKeyPath?: string; serverCaCertPath?: string; serverName?: string };
    apiKey?: string;
  };
  dataDir: string;
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  fleet: FleetFile;
  fleetSource: string;
  /** Who may do what (src/domain/access-policy.ts); absent: Slack starts nothing, the CLI is open on the sandbox only. */
  accessPolicy?: { path: string; policy: AccessPolicy };
  /** The campaign policy, when MIGRATE_IDENTITY_CAMPAIGN_POLICY names one (`--policy` overrides it). */
  campaignPolicy?: { policy: CampaignPolicy; source: string };
  /** The scheduled fleet scan; `intervalSeconds` unset: no Schedule is registered at start-up. */
  scan: { intervalSeconds?: number };
  slack?: {
    botToken: string;
    signingSecret: string;
    appToken?: string;
    port: number;
    host?: string;
    apiUrl?: string;
    allowedTeamId?: string;
    allowedAppId?: string;
    driftChannel?: string;
  };
  observability: {
    logLevel: AppLogLevel;
    /** Undefined: the entry point's default (worker and bot: DEFAULT_METRICS_PORT). */
    metricsPort?: number;
    metricsHost: string;
    sdkMetricsBindAddress: string;
    visibilityIntervalSeconds: number;
    shutdownGraceSeconds: number;
    otlpEndpoint?: string;
    serviceName?: string;
  };
  /** Secret values from the environment, which the logger replaces wherever they appear. */
  secrets: string[];
}

export const DEFAULT_METRICS_PORT = 9464;

const MIN_SCAN_INTERVAL_SECONDS = 5 * 60;

function scanSettings(interval: string): Config['scan'] {
  if (interval.trim().toLowerCase() === 'off') return {};
  let seconds: number;
  try {
    seconds = parseDurationSeconds(interval);
  } catch (err) {
    throw new ConfigError(`configuration: MIGRATE_IDENTITY_SCAN_INTERVAL: ${(err as Error).message}, or off`);
  }
  if (seconds < MIN_SCAN_INTERVAL_SECONDS) {
    throw new ConfigError('configuration: MIGRATE_IDENTITY_SCAN_INTERVAL: at least 5m (a scan reads every cluster)');
  }
  return { intervalSeconds: seconds };
}

/** TLS and API key for the Temporal connection; refuses half a client certificate pair. */
function temporalSecurity(e: z.infer<typeof envSchema>): Pick<Config['temporal'], 'tls' | 'apiKey'> {
  const cert = e.TEMPORAL_TLS_CLIENT_CERT_PATH;
  const key = e.TEMPORAL_TLS_CLIENT_KEY_PATH;
  if (Boolean(cert) !== Boolean(key)) {
    const missing = cert ? 'TEMPORAL_TLS_CLIENT_KEY_PATH' : 'TEMPORAL_TLS_CLIENT_CERT_PATH';
    throw new ConfigError(
      `configuration: ${missing}: required with ${cert ? 'TEMPORAL_TLS_CLIENT_CERT_PATH' : 'TEMPORAL_TLS_CLIENT_KEY_PATH'} (mTLS needs both)`,
    );
  }
  const anyTls = Boolean(cert || e.TEMPORAL_TLS_SERVER_CA_CERT_PATH || e.TEMPORAL_TLS_SERVER_NAME);
  if (e.TEMPORAL_TLS === 'false' && anyTls) {
    throw new ConfigError('configuration: TEMPORAL_TLS: false, but TLS certificate settings are set');
  }
  const tlsOn = e.TEMPORAL_TLS === 'true' || anyTls || (Boolean(e.TEMPORAL_API_KEY) && e.TEMPORAL_TLS !== 'false');
  return {
    ...(tlsOn
      ? {
          tls: {
            ...(cert && key ? { clientCertPath: cert, clientKeyPath: key } : {}),
            ...(e.TEMPORAL_TLS_SERVER_CA_CERT_PATH ? { serverCaCertPath: e.TEMPORAL_TLS_SERVER_CA_CERT_PATH } : {}),
            ...(e.TEMPORAL_TLS_SERVER_NAME ? { serverName: e.TEMPORAL_TLS_SERVER_NAME } : {}),
          },
        }
      : {}),
    ...(e.TEMPORAL_API_KEY ? { apiKey: e.TEMPORAL_API_KEY } : {}),
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
  if (e.MIGRATE_IDENTITY_SANDBOX_LATENCY_MS !== undefined && fleet.mode === 'sandbox') {
    fleet.sandbox = { ...fleet.sandbox, latencyMs: e.MIGRATE_IDENTITY_SANDBOX_LATENCY_MS };
  }
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
      host: e.SLACK_HOST,
      apiUrl: e.SLACK_API_URL,
      allowedTeamId: e.SLACK_ALLOWED_TEAM_ID,
      allowedAppId: e.SLACK_ALLOWED_APP_ID,
      driftChannel: e.SLACK_DRIFT_CHANNEL,
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
      ...temporalSecurity(e),
    },
    dataDir: resolve(e.MIGRATE_IDENTITY_DATA_DIR),
    logLevel: e.MIGRATE_IDENTITY_LOG_LEVEL,
    fleet,
    fleetSource: e.MIGRATE_IDENTITY_FLEET_FILE ?? 'embedded sandbox fleet',
    ...(accessPolicy && { accessPolicy }),
    ...(e.MIGRATE_IDENTITY_CAMPAIGN_POLICY
      ? {
          campaignPolicy: {
            policy: loadCampaignPolicy(
              e.MIGRATE_IDENTITY_CAMPAIGN_POLICY,
              fleet.clusters.map((c) => c.name),
            ),
            source: e.MIGRATE_IDENTITY_CAMPAIGN_POLICY,
          },
        }
      : {}),
    scan: scanSettings(e.MIGRATE_IDENTITY_SCAN_INTERVAL),
    slack,
    observability: {
      logLevel: e.LOG_LEVEL,
      metricsPort: e.METRICS_PORT,
      metricsHost: e.METRICS_HOST,
      sdkMetricsBindAddress: e.TEMPORAL_METRICS_BIND_ADDRESS,
      visibilityIntervalSeconds: e.METRICS_VISIBILITY_INTERVAL_SECONDS,
      shutdownGraceSeconds: e.SHUTDOWN_GRACE_SECONDS,
      otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/$/, ''),
      serviceName: e.OTEL_SERVICE_NAME,
    },
    secrets: [
      e.SLACK_BOT_TOKEN,
      e.SLACK_SIGNING_SECRET,
      e.SLACK_APP_TOKEN,
      e.AWS_SECRET_ACCESS_KEY,
      e.AWS_SESSION_TOKEN,
      e.TEMPORAL_API_KEY,
    ].filter((value): value is string => Boolean(value)),
  };
}
