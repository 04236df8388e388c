import type { Logger } from '@slack/bolt';
import type { AckFirst } from './ack-first.js';
import type { SlackDirectory } from './adapters/directory.js';
import type { AccessPolicyStore, FleetFile } from '../src/config/index.js';
import type { MigrationService } from '../src/temporal/migrations.js';

/** What the Slack app does with migrations; `MigrationService` in production, a stub in benchmarks. */
export type MigrationsApi = Pick<
  MigrationService,
  'start' | 'plan' | 'state' | 'decide' | 'abort' | 'pause' | 'resume' | 'recordRefusal' | 'list' | 'url'
>;

/** What the caller of `startSlackApp` provides besides the config; all optional. */
export interface SlackAppDeps {
  /** Default: a `MigrationService` on its own Temporal connection (`config.temporal`), closed by `stop()`. */
  migrations?: MigrationsApi;
  /** Bolt's logger; default: one over `log`, else Bolt's console logger. */
  logger?: Logger;
  /** The entry point's line logger. */
  log?: (line: string) => void;
  /** Listen address in HTTP mode; default: every interface. */
  host?: string;
}

/** What every listener gets. */
export interface ListenerDeps {
  migrations: MigrationsApi;
  fleet: FleetFile;
  directory: SlackDirectory;
  /** The access policy in force (reloaded on SIGHUP); none: nothing can be started from Slack. */
  policy: AccessPolicyStore;
  /** Work after an ack waits its turn here, behind requests still waiting for theirs. */
  acks: AckFirst;
}
