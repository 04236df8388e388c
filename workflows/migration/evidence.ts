/**
 * CloudTrail evidence in the migration (issue 8 §2 and §4): the SDK audit before the first
 * cluster, Pod Identity sessions per cluster during the soak, and before cleanup no IRSA
 * left and the STS profile. Evidence never rolls a migration back: an SDK too old blocks
 * the start, missing proof or a hidden IRSA dependency blocks cleanup (IRSA stays as the
 * fallback, the run ends MigratedNotCleaned with the finding).
 */
import { isCancellation, patched, type ActivityOptions } from '@temporalio/workflow';
import type { ClusterPreflight } from '../../activities/types.js';
import {
  describeProfile,
  evidenceOptions,
  type ClusterEvidence,
  type EvidenceState,
} from '../../src/domain/cloudtrail-evidence.js';
import { formatDuration } from '../../src/domain/duration.js';
import { NON_RETRYABLE_FAILURES } from '../../src/domain/failure-types.js';
import type { Finding } from '../../src/domain/types.js';
import { activities } from '../activity-options.js';
import { clusterProgress, nowIso } from '../state.js';
import { errorMessage, type MigrationRun } from './run.js';

/** Runs started before CloudTrail evidence replay without it. */
export const EVIDENCE_PATCH = 'cloudtrail-evidence';

/** LookupEvents pages at two requests a second: a day of a busy account takes minutes. Heartbeats per page. */
export const CLOUDTRAIL_LOOKUP: ActivityOptions = {
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 8,
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
  },
};

const lookup = (summary: string) => activities(CLOUDTRAIL_LOOKUP, summary);

function evidenceOf(run: MigrationRun): EvidenceState {
  run.state.evidence ??= { podIdentity: {} };
  return run.state.evidence;
}

export function evidenceEnabled(): boolean {
  return patched(EVIDENCE_PATCH);
}

/** The worker has no CloudTrail: one warning, and no evidence steps for the rest of the run. */
function notConfigured(run: MigrationRun, reason: string): void {
  const evidence = evidenceOf(run);
  if (evidence.notConfigured !== undefined) return;
  evidence.notConfigured = reason;
  run.state.warnings.push(`CloudTrail evidence: ${reason}: no SDK audit, no Pod Identity sessions, no IRSA check`);
}

const configured = (run: MigrationRun) => run.state.evidence?.notConfigured === undefined;

const isoBefore = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

/**
 * Before the first cluster: the SDKs that opened the service account's IRSA sessions,
 * against AWS's minimum versions. Adds its findings to the plan (too old blocks).
 */
export async function auditSdkVersions(run: MigrationRun, preflight: ClusterPreflight[]): Promise<Finding[]> {
  const options = evidenceOptions(run.options);
  if (options.sdkAuditLookbackSeconds <= 0) return [];
  const since = isoBefore(options.sdkAuditLookbackSeconds);
  const until = nowIso();
  const evidence = evidenceOf(run);
  try {
    const result = await lookup('audit SDK versions in CloudTrail').auditSdkVersions({
      serviceAccount: run.serviceAccount,
      roleArn: run.input.roleArn,
      since,
      until,
      lookback: formatDuration(options.sdkAuditLookbackSeconds),
      clusters: preflight.map((pf) => ({
        cluster: pf.cluster,
        ...(pf.plan.oidcIssuer !== undefined && { issuer: pf.plan.oidcIssuer }),
        workloads: pf.workloads.map((w) => `${w.ref.kind}/${w.ref.name}`),
      })),
    });
    if ('unavailable' in result) {
      notConfigured(run, result.unavailable);
      return [];
    }
    evidence.sdkAudit = { since, until, usages: result.usages };
    evidence.stsProfile = { before: result.profile };
    return [...result.findings, ...result.truncated.map((what) => incomplete('warning', `SDK audit: ${what}`))];
  } catch (err) {
    if (isCancellation(err)) throw err;
    evidence.sdkAudit = { since, until, usages: [], unavailable: errorMessage(err) };
    return [
      {
        severity: 'warning',
        code: 'sdk-audit-unavailable',
        message: `SDK audit: CloudTrail could not be read (${errorMessage(err)}): SDK versions not checked`,
      },
    ];
  }
}

/** A lookup stopped at the events it may read (the newest 5,000): what it says is not the whole window. */
function incomplete(severity: Finding['severity'], what: string): Finding {
  return {
    severity,
    code: 'cloudtrail-evidence-incomplete',
    message: `${what}: more events than one lookup reads, and the older ones were not read: the evidence is incomplete`,
  };
}

/** When the cluster's restart (the one onto Pod Identity) started and finished. */
function restartOf(run: MigrationRun, cluster: string) {
  const step = clusterProgress(run.state, cluster).steps.find((s) => s.step === 'restart');
  return { started: step?.startedAt ?? nowIso(), finished: step?.finishedAt ?? step?.startedAt ?? nowIso() };
}

/** One lookup of a cluster's Pod Identity sessions since its restart, recorded in the state. */
async function lookUpSessions(run: MigrationRun, cluster: string, lookups: number): Promise<ClusterEvidence> {
  const since = restartOf(run, cluster).started;
  const checkedAt = nowIso();
  const base = { since, checkedAt, lookups, agentCalls: 0, agentErrors: 0, sessions: { count: 0, eventIds: [] } };
  let recorded: ClusterEvidence;
  try {
    const result = await lookup(`CloudTrail: Pod Identity sessions in ${cluster}`).podIdentityEvidence({
      cluster,
      serviceAccount: run.serviceAccount,
      roleArn: run.input.roleArn,
      since,
      until: checkedAt,
    });
    if ('unavailable' in result) notConfigured(run, result.unavailable);
    recorded =
      'unavailable' in result
        ? { ...base, status: 'unavailable', reason: result.unavailable }
        : { ...base, ...result, status: result.sessions.count > 0 ? 'found' : 'absent' };
  } catch (err) {
    if (isCancellation(err)) throw err;
    recorded = { ...base, status: 'absent', reason: `CloudTrail could not be read: ${errorMessage(err)}` };
  }
  evidenceOf(run).podIdentity[cluster] = recorded;
  return recorded;
}

function describeEvidence(run: MigrationRun, e: ClusterEvidence): string {
  const sa = `${run.serviceAccount.namespace}/${run.serviceAccount.name}`;
  if (e.status === 'found') {
    return `CloudTrail shows ${e.sessions.count} Pod Identity session(s) of ${sa} with the role since the restart (AssumeRoleForPodIdentity calls on the cluster: ${e.agentCalls}); events ${e.sessions.eventIds.join(', ')}`;
  }
  if (e.status === 'unavailable') return `CloudTrail evidence not collected: ${e.reason ?? ''}`;
  return `no Pod Identity session of ${sa} in CloudTrail since the restart at ${e.since} (${e.lookups} lookup(s); AssumeRoleForPodIdentity calls on the cluster: ${e.agentCalls}, ${e.agentErrors} failed)${e.reason ? `: ${e.reason}` : ''}`;
}

/**
 * During the soak: looks CloudTrail up until the cluster's Pod Identity sessions show, on a
 * durable timer, at most `waitSeconds` after the restart. Absence is recorded, not thrown:
 * cleanup decides (`cleanupGate`).
 */
export async function podIdentityEvidence(run: MigrationRun, cluster: string): Promise<unknown> {
  if (!configured(run)) return;
  const options = evidenceOptions(run.options);
  return await run.step(cluster, 'cloudtrail-evidence', async () => {
    const deadline = Date.parse(restartOf(run, cluster).started) + options.waitSeconds * 1000;
    for (let lookups = 1; ; lookups++) {
      const e = await lookUpSessions(run, cluster, lookups);
      const remaining = deadline - Date.now();
      if (e.status !== 'absent' || remaining <= 0) {
        const detail = describeEvidence(run, e);
        return { detail, ...(e.status === 'found' ? {} : { warnings: [`${cluster}: ${detail}`] }) };
      }
      await run.wait(Math.ceil(Math.min(options.pollSeconds * 1000, remaining) / 1000));
    }
  });
}

/**
 * After approval, before cleanup: every cluster must show Pod Identity sessions (looked up
 * again where they had not), and none may show the service account still assuming roles
 * through its web identity since the restart. Returns the blocking findings, if any.
 */
export async function cleanupGate(run: MigrationRun, preflight: ClusterPreflight[]): Promise<Finding[]> {
  if (!configured(run)) return [];
  const options = evidenceOptions(run.options);
  const evidence = evidenceOf(run);
  const sa = `${run.serviceAccount.namespace}/${run.serviceAccount.name}`;
  const findings: Finding[] = [];
  for (const pf of preflight) {
    let e = evidence.podIdentity[pf.cluster];
    if (e?.status !== 'found' && e?.status !== 'unavailable') {
      e = await lookUpSessions(run, pf.cluster, (e?.lookups ?? 0) + 1);
    }
    if (e.status === 'absent') {
      findings.push({
        severity: options.missing === 'block' ? 'blocking' : 'warning',
        code: 'cloudtrail-evidence-missing',
        cluster: pf.cluster,
        message: `${pf.cluster}: ${describeEvidence(run, e)}`,
      });
    }
  }
  const restarts = preflight.map((pf) => ({ cluster: pf.cluster, ...restartOf(run, pf.cluster) }));
  const profileFrom =
    restarts
      .map((r) => r.finished)
      .sort()
      .at(-1) ?? nowIso();
  const checkedAt = nowIso();
  try {
    const result = await lookup('CloudTrail: IRSA since the restarts').irsaAfterRestart({
      serviceAccount: run.serviceAccount,
      roleArn: run.input.roleArn,
      clusters: preflight.map((pf) => ({
        cluster: pf.cluster,
        since: restartOf(run, pf.cluster).finished,
        ...(pf.plan.oidcIssuer !== undefined && { issuer: pf.plan.oidcIssuer }),
      })),
      profileFrom,
      until: checkedAt,
    });
    if ('unavailable' in result) {
      evidence.irsaAfterRestart = { checkedAt, clusters: {}, unavailable: result.unavailable };
      notConfigured(run, result.unavailable);
    } else {
      evidence.irsaAfterRestart = { checkedAt, clusters: result.clusters };
      evidence.stsProfile = { ...evidence.stsProfile, after: result.profile };
      const severity = options.missing === 'block' ? 'blocking' : 'warning';
      findings.push(...result.truncated.map((what) => incomplete(severity, `IRSA after the restarts: ${what}`)));
      for (const [cluster, irsa] of Object.entries(result.clusters)) {
        if (irsa.count === 0) continue;
        findings.push({
          severity: 'blocking',
          code: 'hidden-irsa-dependency',
          cluster,
          message: `${cluster}: ${sa} still assumed ${irsa.roles.join(', ')} through its IRSA web identity ${irsa.count} time(s) since the restart at ${irsa.since} (last ${irsa.last ?? '?'}; user agents ${irsa.userAgents.join(' | ')}; events ${irsa.eventIds.join(', ')}): something in its pods reads the web-identity token without the webhook's variables (a sidecar, a config-file profile, a hard-coded token path). Cleanup would break it: IRSA stays`,
        });
      }
    }
  } catch (err) {
    if (isCancellation(err)) throw err;
    evidence.irsaAfterRestart = { checkedAt, clusters: {}, unavailable: errorMessage(err) };
    findings.push({
      severity: options.missing === 'block' ? 'blocking' : 'warning',
      code: 'cloudtrail-evidence-missing',
      message: `IRSA after the restarts could not be checked: CloudTrail could not be read (${errorMessage(err)})`,
    });
  }
  const { before, after } = evidence.stsProfile ?? {};
  if (before || after) {
    await run.notify(
      'step',
      `STS profile of ${sa}: before ${before ? describeProfile(before) : 'not measured'}; after ${after ? describeProfile(after) : 'not measured'}`,
    );
  }
  return findings;
}
