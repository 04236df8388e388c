import { Context } from '@temporalio/activity';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/index.js';
import { knownKeysOf, type FleetReport, type RunningMigration } from '../domain/fleet-report.js';
import { runUrl } from '../domain/run-url.js';
import { WORKFLOW_TYPE } from '../../workflows/messages.js';
import {
  SCAN_SCHEDULE_ID,
  SCAN_WORKFLOW_ID_PREFIX,
  SCAN_WORKFLOW_TYPE,
  type ScanInput,
} from '../../workflows/scan/messages.js';
import { CampaignIdKey, ClustersKey, ServiceAccountKey } from '../../workflows/search-attributes.js';

export interface ScanRun {
  workflowId: string;
  runId: string;
  url: string;
}

export interface CompletedScan extends ScanRun {
  report: FleetReport;
}

export type ScheduleOutcome = 'created' | 'updated' | 'unchanged';

/** The scan of the fleet from configuration: every cluster, or those given, in one namespace if given. */
export function scanInputFor(
  config: Pick<Config, 'fleet'>,
  options: { clusters?: string[]; namespace?: string; trigger?: ScanInput['trigger'] } = {},
): ScanInput {
  const fleet = config.fleet.clusters.map((c) => c.name);
  const clusters = options.clusters ?? fleet;
  const kubeContexts = Object.fromEntries(
    config.fleet.clusters.flatMap((c) => (c.kubeconfigContext ? [[c.name, c.kubeconfigContext]] : [])),
  );
  return {
    clusters,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    complete: options.namespace === undefined && fleet.every((name) => clusters.includes(name)),
    trigger: options.trigger ?? 'on-demand',
    ...(Object.keys(kubeContexts).length > 0 ? { kubeContexts } : {}),
  };
}

/**
 * Running migrations, from the search attributes the migration workflow sets. Called in
 * the scan's activity, with the worker's own client.
 */
export async function runningMigrations(client: Client, limit = 1000): Promise<RunningMigration[]> {
  const running: RunningMigration[] = [];
  const query = `WorkflowType = '${WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`;
  for await (const wf of client.workflow.list({ query })) {
    const serviceAccount = wf.typedSearchAttributes.get(ServiceAccountKey);
    if (serviceAccount !== undefined) {
      const clusters = wf.typedSearchAttributes.get(ClustersKey) ?? [];
      const campaignId = wf.typedSearchAttributes.get(CampaignIdKey);
      running.push({
        workflowId: wf.workflowId,
        runId: wf.runId,
        serviceAccount,
        clusters,
        ...(campaignId === undefined ? {} : { campaignId }),
      });
    }
    if (running.length >= limit) break;
  }
  return running;
}

/** What a scan's memo says, so listings can tell full and scheduled scans apart. */
interface ScanMemo {
  complete: boolean;
  trigger: ScanInput['trigger'];
}

/** The most recently closed completed scan whose memo passes `keep`; visibility lists newest first. */
async function newestCompletedScan(
  client: Client,
  keep: (memo: Partial<ScanMemo>) => boolean,
): Promise<{ workflowId: string; runId: string } | undefined> {
  const query = `WorkflowType = '${SCAN_WORKFLOW_TYPE}' AND ExecutionStatus = 'Completed'`;
  let newest: { workflowId: string; runId: string; closedAt: number } | undefined;
  let seen = 0;
  for await (const wf of client.workflow.list({ query, pageSize: 50 })) {
    const closedAt = wf.closeTime?.getTime() ?? 0;
    if (keep(wf.memo ?? {}) && closedAt > (newest?.closedAt ?? -1)) {
      newest = { workflowId: wf.workflowId, runId: wf.runId, closedAt };
    }
    if (++seen >= 50) break;
  }
  return newest && { workflowId: newest.workflowId, runId: newest.runId };
}

/**
 * The finding keys of the last scheduled scan, for a scheduled run the Schedule gave no
 * previous result: a manual trigger (Temporal starts those with overlap ALLOW_ALL, which
 * takes no part in last results) or a re-created Schedule.
 */
export async function lastScheduledScanKeys(client: Client): Promise<string[] | undefined> {
  const newest = await newestCompletedScan(client, (memo) => memo.trigger === 'schedule');
  if (!newest) return undefined;
  return knownKeysOf(await client.workflow.getHandle(newest.workflowId, newest.runId).result());
}

/** For the worker's activity deps, asked through the activity's client. */
export function lastScheduledScanKeysFromActivity(): Promise<string[] | undefined> {
  return lastScheduledScanKeys(Context.current().client);
}

/** For the worker's activity deps: the running migrations, asked through the activity's client. */
export function runningMigrationsFromActivity(): Promise<RunningMigration[]> {
  return runningMigrations(Context.current().client);
}

/** Scans on demand, the latest scan's report, and the Schedule that scans the fleet. */
export class ScanService {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly uiUrl: string,
    private readonly namespace = 'default',
  ) {}

  url(workflowId: string, runId?: string): string {
    return runUrl(this.uiUrl, this.namespace, workflowId, runId);
  }

  private startOptions(input: ScanInput) {
    const scope = `${input.clusters.join(', ')}${input.namespace ? `, namespace ${input.namespace}` : ''}`;
    return {
      taskQueue: this.taskQueue,
      args: [input] as [ScanInput],
      memo: { complete: input.complete, trigger: input.trigger } satisfies ScanMemo,
      staticSummary: `Fleet scan: ${scope}`,
    };
  }

  /** Starts a scan and returns at once (Slack). */
  async start(input: ScanInput): Promise<ScanRun> {
    const workflowId = `${SCAN_WORKFLOW_ID_PREFIX}/${randomUUID().slice(0, 8)}`;
    const handle = await this.client.workflow.start(SCAN_WORKFLOW_TYPE, { ...this.startOptions(input), workflowId });
    const runId = handle.firstExecutionRunId;
    return { workflowId, runId, url: this.url(workflowId, runId) };
  }

  /** Scans and waits for the report (CLI). */
  async scan(input: ScanInput): Promise<CompletedScan> {
    const run = await this.start(input);
    const report = (await this.client.workflow.getHandle(run.workflowId, run.runId).result()) as FleetReport;
    return { ...run, report };
  }

  /** The most recent completed scan of the whole fleet (scheduled or on demand), if any. */
  async latest(): Promise<CompletedScan | undefined> {
    const newest = await newestCompletedScan(this.client, (memo) => memo.complete === true);
    if (!newest) return undefined;
    const report = (await this.client.workflow.getHandle(newest.workflowId, newest.runId).result()) as FleetReport;
    return { ...newest, url: this.url(newest.workflowId, newest.runId), report };
  }

  /**
   * Creates the Schedule, or brings it in line with `input` and `everySeconds`: safe to call
   * at every start-up. Runs never overlap; a missed run (server down) is caught up within an hour.
   */
  async ensureSchedule(input: ScanInput, everySeconds: number): Promise<ScheduleOutcome> {
    const action = {
      type: 'startWorkflow' as const,
      workflowType: SCAN_WORKFLOW_TYPE,
      workflowId: `${SCAN_WORKFLOW_ID_PREFIX}/scheduled`,
      ...this.startOptions({ ...input, trigger: 'schedule' }),
    };
    const spec = { intervals: [{ every: everySeconds * 1000 }] };
    const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 60 * 60 * 1000 };
    try {
      await this.client.schedule.create({
        scheduleId: SCAN_SCHEDULE_ID,
        spec,
        action,
        policies,
        state: { note: 'migrate-identity: fleet inventory and IRSA drift' },
      });
      return 'created';
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
    const handle = this.client.schedule.getHandle(SCAN_SCHEDULE_ID);
    const current = await handle.describe();
    const currentAction = current.action.type === 'startWorkflow' ? current.action : undefined;
    const same =
      current.spec.intervals?.length === 1 &&
      current.spec.intervals[0]?.every === everySeconds * 1000 &&
      currentAction?.taskQueue === this.taskQueue &&
      JSON.stringify(currentAction.args) === JSON.stringify(action.args);
    if (same) return 'unchanged';
    await handle.update((previous) => ({ ...previous, spec, action, policies }));
    return 'updated';
  }

  /** Removes the Schedule; false when there was none. */
  async deleteSchedule(): Promise<boolean> {
    try {
      await this.client.schedule.getHandle(SCAN_SCHEDULE_ID).delete();
      return true;
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return false;
      throw err;
    }
  }
}
