/**
 * The first days after cleanup (issue 8 §5; the seed: "I treat week one as a controlled
 * observation window"): what each sample holds, when a sample is a regression, and the
 * daily digest. Pure; the workflow takes the samples (workflows/migration/observation.ts).
 */
import type { CredentialErrorCounts } from './credential-errors.js';
import type { StsProfile } from './cloudtrail-evidence.js';
import { formatDuration } from './duration.js';
import type { PodInfo } from './kubernetes.js';
import type { RoleUser } from './role-reuse.js';
import type { Finding } from './types.js';

/** How a run observes after cleanup (`MigrationOptions.observation`); what is unset takes OBSERVATION_DEFAULTS. */
export interface ObservationOptions {
  /** How long the `Observing` phase lasts; 0 skips it (the run completes after cleanup). */
  durationSeconds: number;
  /** The durable timer between two samples. */
  sampleSeconds: number;
  /**
   * A cluster's credential errors regress when their rate per hour is above the baseline's
   * times this factor…
   */
  errorRateFactor: number;
  /** …and a sample holds at least this many (one error is noise, not a trend). */
  minErrors: number;
  /** Restarts of one pod since it started that count as a regression (CrashLoopBackOff always does). */
  restartThreshold: number;
}

/** The seed's "first 7 days", a sample every 4 hours (six a day, each reading CloudTrail's last 4 hours). */
export const OBSERVATION_DEFAULTS: ObservationOptions = {
  durationSeconds: 7 * 86_400,
  sampleSeconds: 4 * 3600,
  errorRateFactor: 2,
  minErrors: 3,
  restartThreshold: 3,
};

/** A digest goes to the thread once a day of observation, and at its end. */
export const DIGEST_EVERY_SECONDS = 86_400;

/** Samples kept in the state (the newest); the counts cover all of them. */
export const SAMPLES_KEPT = 48;

/**
 * Samples one phase takes at most: each is a handful of activities and a timer in the run's
 * history (about 20 events), which Temporal caps at 51,200 events.
 */
export const MAX_SAMPLES = 500;

/** The options in effect: OBSERVATION_DEFAULTS for what is unset, and never more than MAX_SAMPLES samples. */
export function observationOptions(options: { observation?: Partial<ObservationOptions> }): ObservationOptions {
  const merged = { ...OBSERVATION_DEFAULTS, ...options.observation };
  const floor = Math.max(1, Math.ceil(merged.durationSeconds / MAX_SAMPLES));
  return { ...merged, sampleSeconds: Math.max(merged.sampleSeconds, floor) };
}

/** One workload's pods at a sample. */
export interface WorkloadHealth {
  /** `Deployment/reconciler`, or the controller (or pod) name when the migration does not restart it. */
  workload: string;
  pods: number;
  ready: number;
  /** The most container restarts of one of its pods since that pod started. */
  restarts: number;
  /** Pods with a container waiting in `CrashLoopBackOff`. */
  crashLooping: string[];
}

/** The service account's running pods, by workload: how many are ready, restarts, CrashLoopBackOff. */
export function workloadHealth(pods: PodInfo[]): WorkloadHealth[] {
  const byWorkload = new Map<string, PodInfo[]>();
  for (const pod of pods) {
    if (pod.terminating) continue;
    const owner = pod.owner ?? pod.controller;
    const key = owner ? `${owner.kind}/${owner.name}` : `Pod/${pod.name}`;
    byWorkload.set(key, [...(byWorkload.get(key) ?? []), pod]);
  }
  return [...byWorkload]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([workload, list]) => ({
      workload,
      pods: list.length,
      ready: list.filter((p) => p.ready).length,
      restarts: Math.max(0, ...list.map((p) => p.restarts ?? 0)),
      crashLooping: list.filter((p) => p.waitingReasons?.includes('CrashLoopBackOff')).map((p) => p.name),
    }));
}

/** Whether the run's rollback note still applies in a cluster (issue 8 §5 "rollback readiness"). */
export interface RollbackReadiness {
  ready: boolean;
  /** What would make the rollback fail: a missing OIDC provider, a role gone, a trust that would not fit. */
  problems: string[];
}

export interface ClusterSample {
  cluster: string;
  /** Absent when CloudTrail was not read (`ObservationSample.unread` says why). */
  errors?: CredentialErrorCounts;
  /** Absent when the pods were not read. */
  workloads?: WorkloadHealth[];
  /** Absent when it could not be checked. */
  readiness?: RollbackReadiness;
}

export interface ObservationSample {
  at: string;
  /**
   * The CloudTrail window it read: from where the previous sample's ended, to the evidence
   * wait (15 min) before the sample, so that events CloudTrail delivers late are in a window.
   */
  from: string;
  to: string;
  clusters: ClusterSample[];
  /** STS assumptions of the service account in the window (as the evidence's profile). */
  stsProfile?: StsProfile;
  /** What could not be read, and why (CloudTrail not configured, a cluster's pods, IAM): never a regression. */
  unread?: string[];
  /** Set when associations of the role appeared that were not there before: the reuse check ran again. */
  roleReuse?: { newUsers: RoleUser[]; findings: Finding[] };
  /** What regressed in this sample (keys of `Regression`). */
  regressions: string[];
}

/**
 * The credential errors before the migration: the SDK audit's window (24 hours) up to the
 * run's start, read from CloudTrail's history (90 days) when the phase starts.
 */
export interface CredentialErrorBaseline {
  from: string;
  to: string;
  clusters: Record<string, CredentialErrorCounts>;
  /** CloudTrail could not be read: samples are compared with no errors at all. */
  unavailable?: string;
}

export interface ObservationAlert {
  at: string;
  regressions: Regression[];
}

/** An operator's decision during the phase: end it early, or roll back. Recorded; never undone. */
export interface ObservationDecision {
  by: string;
  at: string;
  reason?: string;
}

export interface ObservationState {
  startedAt: string;
  endsAt: string;
  sampleSeconds: number;
  baseline?: CredentialErrorBaseline;
  /** The newest SAMPLES_KEPT samples. */
  samples: ObservationSample[];
  sampleCount: number;
  alerts: ObservationAlert[];
  /** Regression keys already alerted: the same one is said once, not every sample. */
  alertedKeys: string[];
  digestsSent: number;
  /** The role's other users known so far (`cluster/namespace/serviceAccount`), the plan's at first. */
  roleUsers: string[];
  /** Ended early by someone (a decision, `by` set), or when the window ran out (`early: false`). */
  ended?: { at: string; early: boolean; by?: string; reason?: string };
  /** Someone asked to roll back: the run restores IRSA exactly, as a rollback does. */
  rollbackRequested?: ObservationDecision;
}

/** Something that got worse: `key` names it (`errors:<cluster>`, `restarts:<cluster>/<workload>`, …). */
export interface Regression {
  key: string;
  cluster?: string;
  message: string;
}

const hoursBetween = (from: string, to: string) => Math.max((Date.parse(to) - Date.parse(from)) / 3_600_000, 1 / 60);
const perHour = (n: number, hours: number) => Math.round((n / hours) * 100) / 100;

function errorRegression(
  what: 'errors' | 'agent-errors',
  cluster: string,
  count: number,
  hours: number,
  baseline: { count: number; hours: number } | undefined,
  options: ObservationOptions,
): Regression | undefined {
  const baseRate = baseline ? baseline.count / baseline.hours : 0;
  if (count < options.minErrors || count / hours <= baseRate * options.errorRateFactor) return undefined;
  const against = baseline
    ? `${perHour(baseline.count, baseline.hours)}/h before the migration (${baseline.count} in ${formatDuration(Math.round(baseline.hours * 3600))})`
    : 'no baseline (CloudTrail was not read before the migration)';
  const whose =
    what === 'errors'
      ? 'credential errors of the service account'
      : "Pod Identity Agent credential errors on the cluster (any service account's: the event names none)";
  return {
    key: `${what}:${cluster}`,
    cluster,
    message: `${cluster}: ${count} ${whose} in ${formatDuration(Math.round(hours * 3600))} (${perHour(count, hours)}/h), against ${against}`,
  };
}

/** What regressed in a sample, against the baseline. Unread sources regress nothing (the digest says they were unread). */
export function regressionsOf(
  sample: Omit<ObservationSample, 'regressions'>,
  baseline: CredentialErrorBaseline | undefined,
  options: ObservationOptions,
): Regression[] {
  const out: Regression[] = [];
  const hours = hoursBetween(sample.from, sample.to);
  const baseHours = baseline ? hoursBetween(baseline.from, baseline.to) : 0;
  for (const c of sample.clusters) {
    const before = baseline && !baseline.unavailable ? baseline.clusters[c.cluster] : undefined;
    if (c.errors) {
      const own = errorRegression(
        'errors',
        c.cluster,
        c.errors.count,
        hours,
        before && { count: before.count, hours: baseHours },
        options,
      );
      const agent = errorRegression(
        'agent-errors',
        c.cluster,
        c.errors.agent,
        hours,
        before && { count: before.agent, hours: baseHours },
        options,
      );
      for (const r of [own, agent]) {
        if (!r) continue;
        const codes = Object.entries(c.errors.codes).map(([code, n]) => `${code} ×${n}`);
        const pods = c.errors.pods.length ? `; pods ${c.errors.pods.join(', ')}` : '';
        out.push({ ...r, message: `${r.message}: ${codes.join(', ')}${pods}; events ${c.errors.eventIds.join(', ')}` });
      }
    }
    for (const w of c.workloads ?? []) {
      if (w.crashLooping.length === 0 && w.restarts < options.restartThreshold) continue;
      const crashing = w.crashLooping.length
        ? `${w.crashLooping.length} pod(s) in CrashLoopBackOff (${w.crashLooping.join(', ')}), `
        : '';
      out.push({
        key: `restarts:${c.cluster}/${w.workload}`,
        cluster: c.cluster,
        message: `${c.cluster}: ${w.workload}: ${crashing}a pod restarted ${w.restarts} time(s) since it started; ${w.ready} of ${w.pods} ready`,
      });
    }
    if (c.readiness && !c.readiness.ready) {
      out.push({
        key: `readiness:${c.cluster}`,
        cluster: c.cluster,
        message: `${c.cluster}: the rollback note no longer applies: ${c.readiness.problems.join('; ')}`,
      });
    }
  }
  const blocking = sample.roleReuse?.findings.filter((f) => f.severity === 'blocking') ?? [];
  if (blocking.length > 0) {
    out.push({
      key: `role-reuse:${blocking.map((f) => `${f.code}@${f.cluster ?? ''}`).join(',')}`,
      message: `role reuse: ${blocking.map((f) => f.message).join('; ')}`,
    });
  }
  return out;
}

/** The regressions not alerted yet: an ongoing one is said once. */
export function newRegressions(regressions: Regression[], alertedKeys: readonly string[]): Regression[] {
  return regressions.filter((r) => !alertedKeys.includes(r.key));
}

function sum(samples: ObservationSample[], cluster: string, pick: (e: CredentialErrorCounts) => number): number {
  let n = 0;
  for (const s of samples) {
    const errors = s.clusters.find((c) => c.cluster === cluster)?.errors;
    if (errors) n += pick(errors);
  }
  return n;
}

/**
 * The digest of the samples since `since`: per cluster the credential errors against the
 * baseline, the pods, whether the rollback note still applies; the STS profile of the latest
 * sample, and the alerts so far. One line each.
 */
export function digestLines(observation: ObservationState, since: string, now: string): string[] {
  const samples = observation.samples.filter((s) => s.at > since);
  const latest = observation.samples.at(-1);
  const elapsed = Math.max(0, Date.parse(now) - Date.parse(observation.startedAt)) / 1000;
  const total = Math.max(1, Date.parse(observation.endsAt) - Date.parse(observation.startedAt)) / 1000;
  const lines = [
    `${formatDuration(Math.round(elapsed))} of ${formatDuration(Math.round(total))} observed (ends ${observation.endsAt}): ${samples.length} sample(s) since ${since}, ${observation.sampleCount} in all`,
  ];
  const baseline = observation.baseline;
  const baseHours = baseline ? hoursBetween(baseline.from, baseline.to) : 0;
  for (const c of latest?.clusters ?? []) {
    const parts: string[] = [];
    if (samples.some((s) => s.clusters.find((x) => x.cluster === c.cluster)?.errors)) {
      const before = baseline?.clusters[c.cluster];
      const base = before ? `${perHour(before.count, baseHours)}/h before` : 'no baseline';
      parts.push(
        `credential errors ${sum(samples, c.cluster, (e) => e.count)} (${base}), agent errors ${sum(samples, c.cluster, (e) => e.agent)}`,
      );
    } else parts.push('credential errors not read');
    if (c.workloads) {
      const pods = c.workloads.reduce((n, w) => n + w.pods, 0);
      const ready = c.workloads.reduce((n, w) => n + w.ready, 0);
      const restarts = Math.max(0, ...c.workloads.map((w) => w.restarts));
      const crashing = c.workloads.flatMap((w) => w.crashLooping);
      parts.push(
        `pods ${ready}/${pods} ready, most restarts of a pod ${restarts}${crashing.length ? `, CrashLoopBackOff: ${crashing.join(', ')}` : ''}`,
      );
    } else parts.push('pods not read');
    if (c.readiness)
      parts.push(
        c.readiness.ready ? 'rollback note applies' : `ROLLBACK NOTE STALE: ${c.readiness.problems.join('; ')}`,
      );
    lines.push(`${c.cluster}: ${parts.join('; ')}`);
  }
  if (latest?.unread?.length) lines.push(`not read in the latest sample: ${latest.unread.join('; ')}`);
  if (latest?.stsProfile) {
    const p = latest.stsProfile;
    lines.push(
      `STS profile (latest sample): ${p.webIdentityPerHour}/h web identity, ${p.podIdentityPerHour}/h Pod Identity, ${p.throttled} throttled`,
    );
  }
  const newUsers = samples.flatMap((s) => s.roleReuse?.newUsers ?? []);
  if (newUsers.length) {
    lines.push(
      `role reuse: new associations of the role: ${newUsers.map((u) => `${u.cluster} ${u.namespace}/${u.serviceAccount}`).join(', ')}`,
    );
  }
  lines.push(
    observation.alerts.length === 0
      ? 'alerts: none'
      : `alerts: ${observation.alerts.length} (${observation.alerts.flatMap((a) => a.regressions.map((r) => r.key)).join(', ')})`,
  );
  return lines;
}
