import { trace } from '@opentelemetry/api';
import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  ActivityInterceptors,
  Next,
} from '@temporalio/worker';
import { PortError } from '../ports/errors.js';
import { logContext } from './log-context.js';
import type { AppLogger } from './logger.js';
import type { Metrics } from './metrics.js';

/**
 * Which remote API each activity talks to, for `migrate_identity_api_errors_total{api}`.
 * The adapters raise one error type (PortError) whatever the API, so the activity tells.
 * A test checks every registered activity is listed.
 */
export const ACTIVITY_API: Readonly<Record<string, string>> = {
  preflightCluster: 'aws-eks+kubernetes',
  preflightRole: 'aws-iam',
  readPodIdentityTrust: 'aws-iam',
  writePodIdentityTrust: 'aws-iam',
  removePodIdentityTrust: 'aws-iam',
  removeIrsaTrust: 'aws-iam',
  restoreIrsaTrust: 'aws-iam',
  createAssociation: 'aws-eks',
  deleteAssociation: 'aws-eks',
  restartWorkloads: 'kubernetes',
  waitForRollouts: 'kubernetes',
  restartAndAwaitRollouts: 'kubernetes',
  restartAwaitAndVerify: 'kubernetes',
  verifyCredentials: 'kubernetes',
  credentialPaths: 'kubernetes',
  setIrsaAnnotation: 'kubernetes',
  notify: 'slack',
  notifyAll: 'slack',
  notifyCampaign: 'slack',
  // The role lock (activities/role-lock.ts): signal-with-start of the lock, its holder's run status.
  requestRoleLock: 'temporal',
  runStatus: 'temporal',
  // The fleet scan (activities/scan.ts).
  scanCluster: 'aws-eks+kubernetes',
  scanRoleCatalog: 'aws-iam',
  scanRoleCatalogPage: 'aws-iam',
  scanRoleProfiles: 'aws-iam',
  lookUpRunningMigrations: 'temporal',
  lastScheduledScanKeys: 'temporal',
  postNewDrift: 'slack',
  // CloudTrail evidence (activities/cloudtrail.ts).
  auditSdkVersions: 'aws-cloudtrail',
  podIdentityEvidence: 'aws-cloudtrail',
  irsaAfterRestart: 'aws-cloudtrail',
  // Verification pods, role reuse, diagnose.
  runVerificationPod: 'kubernetes',
  sweepVerificationPods: 'kubernetes',
  checkRoleReuse: 'aws-eks+aws-iam',
  readDiagnosisCluster: 'aws-eks+kubernetes',
  readDiagnosisRoles: 'aws-iam',
  probeForDiagnosis: 'kubernetes',
  // The Observing phase (activities/observation.ts); its defaults are the worker's own configuration.
  observationDefaults: 'none',
  observeCredentials: 'aws-cloudtrail',
  observePods: 'kubernetes',
  rollbackReadiness: 'aws-eks+aws-iam',
  roleAssociations: 'aws-eks',
};

function clusterOf(args: readonly unknown[]): string {
  const first = args[0];
  if (first && typeof first === 'object' && 'cluster' in first && typeof first.cluster === 'string') {
    return first.cluster;
  }
  return '';
}

/** The API error behind a failure, if the adapters raised one (activities wrap it in `cause`). */
function apiFailureType(err: unknown): string | undefined {
  if (err instanceof ApplicationFailure && err.cause instanceof PortError) return err.type ?? 'Unknown';
  if (err instanceof PortError) return err.kind;
  return undefined;
}

class ObservedActivity implements ActivityInboundCallsInterceptor {
  constructor(
    private readonly ctx: Context,
    private readonly metrics: Metrics | undefined,
    private readonly logger: AppLogger | undefined,
  ) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const { activityType, workflowExecution, attempt } = this.ctx.info;
    const cluster = clusterOf(input.args);
    const fields = {
      workflowId: workflowExecution?.workflowId,
      runId: workflowExecution?.runId,
      step: activityType,
      ...(cluster ? { cluster } : {}),
    };
    trace
      .getActiveSpan()
      ?.setAttributes({ 'migrate_identity.cluster': cluster, 'migrate_identity.step': activityType });
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    return logContext.run(fields, async () => {
      try {
        const result = await next(input);
        this.metrics?.activityDuration.observe({ activity: activityType, cluster, outcome: 'completed' }, seconds());
        this.logger?.info({ attempt, durationMs: Math.round(seconds() * 1000) }, `activity ${activityType} completed`);
        return result;
      } catch (err) {
        const cancelled = err instanceof CancelledFailure || (err instanceof Error && err.name === 'AbortError');
        this.metrics?.activityDuration.observe(
          { activity: activityType, cluster, outcome: cancelled ? 'cancelled' : 'failed' },
          seconds(),
        );
        const type = apiFailureType(err);
        if (type !== undefined) {
          this.metrics?.apiErrors.inc({
            api: ACTIVITY_API[activityType] ?? 'other',
            activity: activityType,
            cluster,
            type,
          });
        }
        this.logger?.warn(
          {
            attempt,
            durationMs: Math.round(seconds() * 1000),
            failureType: err instanceof ApplicationFailure ? err.type : undefined,
            err,
          },
          `activity ${activityType} ${cancelled ? 'cancelled' : 'failed'}`,
        );
        throw err;
      }
    });
  }
}

/** Step durations, API errors and one log line per activity execution, with the run's ids. */
export function observedActivities(deps: {
  metrics?: Metrics;
  logger?: AppLogger;
}): (ctx: Context) => ActivityInterceptors {
  const logger = deps.logger?.child({ source: 'activity' });
  return (ctx) => ({ inbound: new ObservedActivity(ctx, deps.metrics, logger) });
}
