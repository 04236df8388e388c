import type { Tracer } from '@opentelemetry/api';
import type { Logger } from '@slack/bolt';
import type { AppLogger } from '../src/observability/logger.js';
import type { Metrics } from '../src/observability/metrics.js';
import type { AckFirst } from './ack-first.js';
import type { SlackDirectory } from './adapters/directory.js';
import type { AccessPolicyStore, FleetFile } from '../src/config/index.js';
import type { CampaignPolicy } from '../src/domain/campaign-policy.js';
import type { CampaignService } from '../src/temporal/campaigns.js';
import type { MigrationService } from '../src/temporal/migrations.js';
import type { ScanService } from '../src/temporal/scans.js';
import type { DiagnoseService } from '../src/temporal/diagnoses.js';

/** What the Slack app does with migrations; `MigrationService` in production, a stub in benchmarks. */
export type MigrationsApi = Pick<
  MigrationService,
  'start' | 'plan' | 'state' | 'decide' | 'observe' | 'abort' | 'pause' | 'resume' | 'recordRefusal' | 'list' | 'url'
>;

/** What the Slack app does with fleet scans: the latest report, or start one. */
export type ScansApi = Pick<ScanService, 'latest' | 'start'>;

/** What the Slack app does with campaigns. */
export type CampaignsApi = Pick<
  CampaignService,
  'start' | 'state' | 'approve' | 'pause' | 'resume' | 'abort' | 'url' | 'listUrl' | 'migrationUrl'
>;
/** What the Slack app does with diagnoses: start one, then wait for its matrix. */
export type DiagnosesApi = Pick<DiagnoseService, 'start' | 'result'>;

/** What the caller of `startSlackApp` provides besides the config; all optional. */
export interface SlackAppDeps {
  /** Default: a `MigrationService` on its own Temporal connection (`config.temporal`), closed by `stop()`. */
  migrations?: MigrationsApi;
  /** Default: a `ScanService` on the same connection when `migrations` is not given either. */
  scans?: ScansApi;
  /** Default: a `CampaignService` on the same connection when `migrations` is not given either. */
  campaigns?: CampaignsApi;
  /** Default: a `DiagnoseService` on the same connection when `migrations` is not given either. */
  diagnoses?: DiagnosesApi;
  /** Bolt's logger; default: one over `log`, else Bolt's console logger. */
  logger?: Logger;
  /** The entry point's line logger. */
  log?: (line: string) => void;
  /** Listen address in HTTP mode; default: every interface. */
  host?: string;
  /** The process's JSON logger: Bolt logs through it (unless `logger` is given) and each request gets a line. */
  appLogger?: AppLogger;
  /** Ack latency and request counts go here. */
  metrics?: Metrics;
  /** Each request gets a span, the parent of the workflow it starts. */
  tracer?: Tracer;
  /** `stop()` waits this long for requests in flight (acked, still working) to finish. Default 10 s. */
  shutdownGraceMs?: number;
}

/** What every listener gets. */
export interface ListenerDeps {
  migrations: MigrationsApi;
  /** Unset: the inventory and the App Home say scans are unavailable. */
  scans?: ScansApi;
  /** Unset: `campaign …` says campaigns are unavailable. */
  campaigns?: CampaignsApi;
  /** The campaign policy (MIGRATE_IDENTITY_CAMPAIGN_POLICY); unset: none. */
  campaignPolicy?: CampaignPolicy;
  /** Unset: `diagnose` says diagnoses are unavailable. */
  diagnoses?: DiagnosesApi;
  fleet: FleetFile;
  directory: SlackDirectory;
  /** The access policy in force (reloaded on SIGHUP); none: nothing can be started from Slack. */
  policy: AccessPolicyStore;
  /** Work after an ack waits its turn here, behind requests still waiting for theirs. */
  acks: AckFirst;
}
