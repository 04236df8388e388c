/**
 * Evidence from CloudTrail, as pure functions over parsed events (`cloudtrail.ts`): which
 * events show the service account on Pod Identity, which show it still on IRSA, its STS call
 * profile, and the SDKs its IRSA sessions were opened with.
 */
import {
  ASSUME_ROLE_EVENT,
  EKS_AUTH_SOURCE,
  POD_IDENTITY_EVENT,
  POD_IDENTITY_SERVICE,
  WEB_IDENTITY_EVENT,
  type CloudTrailRecord,
} from './cloudtrail.js';
import { sdkVerdict, SDK_MINIMUMS_SOURCE } from './sdk-versions.js';
import { issuerHostPath, serviceAccountSubject } from './trust-policy.js';
import type { Finding, ServiceAccountRef } from './types.js';

/** How many event ids a recorded fact keeps: enough to look them up, few enough for the history. */
export const EVENT_IDS_KEPT = 5;

const inWindow = (e: CloudTrailRecord, since: string, until?: string) =>
  e.eventTime >= since && (until === undefined || e.eventTime <= until);

function tagsOf(e: CloudTrailRecord): Record<string, string> | undefined {
  const tags = e.requestParameters?.tags;
  if (!Array.isArray(tags)) return undefined;
  const out: Record<string, string> = {};
  for (const tag of tags as unknown[]) {
    const t = tag as { key?: unknown; value?: unknown };
    if (typeof t.key === 'string' && typeof t.value === 'string') out[t.key] = t.value;
  }
  return out;
}

export interface PodIdentityTarget {
  /** The EKS cluster name (session tags and eks-auth events use it). */
  eksClusterName: string;
  serviceAccount: ServiceAccountRef;
  roleArn: string;
  since: string;
  until?: string;
}

/**
 * The STS `AssumeRole` calls EKS Auth made for the service account's Pod Identity sessions
 * in the cluster with the role, those that succeeded. The session tags name cluster, namespace and service
 * account; with `disableSessionTags` there are none, and the role with an `eks-` session
 * name is all there is to match.
 */
export function podIdentitySessions(events: CloudTrailRecord[], target: PodIdentityTarget): CloudTrailRecord[] {
  return events.filter((e) => {
    if (e.eventName !== ASSUME_ROLE_EVENT || e.userIdentity.invokedBy !== POD_IDENTITY_SERVICE) return false;
    if (!inWindow(e, target.since, target.until) || e.requestParameters?.roleArn !== target.roleArn) return false;
    // A refused assumption opened no session (src/domain/credential-errors.ts counts it).
    if (e.errorCode !== undefined) return false;
    const tags = tagsOf(e);
    if (tags === undefined || Object.keys(tags).length === 0) {
      const session = e.requestParameters.roleSessionName;
      return typeof session === 'string' && session.startsWith('eks-');
    }
    return (
      tags['eks-cluster-name'] === target.eksClusterName &&
      tags['kubernetes-namespace'] === target.serviceAccount.namespace &&
      tags['kubernetes-service-account'] === target.serviceAccount.name
    );
  });
}

/** The Pod Identity Agent's eks-auth calls for the cluster (they name no service account). */
export function agentCalls(events: CloudTrailRecord[], eksClusterName: string, since: string, until?: string) {
  return events.filter(
    (e) =>
      e.eventName === POD_IDENTITY_EVENT &&
      e.eventSource === EKS_AUTH_SOURCE &&
      inWindow(e, since, until) &&
      (e.requestParameters?.clusterName === eksClusterName ||
        e.resources.some((r) => r.type === 'AWS::EKS::Cluster' && r.name === eksClusterName)),
  );
}

const isThrottle = (e: CloudTrailRecord) => /throttl|rate ?exceeded|toomanyrequests/i.test(e.errorCode ?? '');

/** The service account's web-identity calls through one of `issuers` (OIDC issuer URLs), since `since`. */
export function webIdentityCalls(
  events: CloudTrailRecord[],
  serviceAccount: ServiceAccountRef,
  issuers: string[],
  since: string,
  until?: string,
): CloudTrailRecord[] {
  const subject = serviceAccountSubject(serviceAccount.namespace, serviceAccount.name);
  const providers = issuers.map((i) => `:oidc-provider/${issuerHostPath(i)}`.toLowerCase());
  return events.filter(
    (e) =>
      e.eventName === WEB_IDENTITY_EVENT &&
      e.userIdentity.userName === subject &&
      inWindow(e, since, until) &&
      providers.some((p) => (e.userIdentity.identityProvider ?? '').toLowerCase().endsWith(p)),
  );
}

/** A recorded fact: how many events, which (a few ids), when. */
export interface EventSummary {
  count: number;
  eventIds: string[];
  first?: string;
  last?: string;
}

export function summarize(events: CloudTrailRecord[]): EventSummary {
  const times = events.map((e) => e.eventTime).sort();
  return {
    count: events.length,
    eventIds: [...events]
      .sort((a, b) => b.eventTime.localeCompare(a.eventTime))
      .slice(0, EVENT_IDS_KEPT)
      .map((e) => e.eventId),
    ...(times[0] !== undefined && { first: times[0] }),
    ...(times.at(-1) !== undefined && { last: times.at(-1) }),
  };
}

/** STS assumptions of the service account over a window, per hour. */
export interface StsProfile {
  from: string;
  to: string;
  webIdentity: number;
  podIdentity: number;
  /** Throttled web-identity or eks-auth calls. */
  throttled: number;
  webIdentityPerHour: number;
  podIdentityPerHour: number;
}

export function stsProfile(
  webIdentity: CloudTrailRecord[],
  podIdentity: CloudTrailRecord[],
  throttleCandidates: CloudTrailRecord[],
  from: string,
  to: string,
): StsProfile {
  const hours = Math.max((Date.parse(to) - Date.parse(from)) / 3_600_000, 1 / 60);
  const rate = (n: number) => Math.round((n / hours) * 10) / 10;
  const ok = (e: CloudTrailRecord) => e.errorCode === undefined;
  const web = webIdentity.filter(ok).length;
  const pod = podIdentity.filter(ok).length;
  return {
    from,
    to,
    webIdentity: web,
    podIdentity: pod,
    throttled: throttleCandidates.filter(isThrottle).length,
    webIdentityPerHour: rate(web),
    podIdentityPerHour: rate(pod),
  };
}

export function describeProfile(p: StsProfile): string {
  return `${p.webIdentityPerHour}/h web identity (${p.webIdentity}), ${p.podIdentityPerHour}/h Pod Identity (${p.podIdentity}), ${p.throttled} throttled`;
}

/** One SDK seen opening the service account's IRSA sessions in a cluster. */
export interface SdkUsage {
  cluster: string;
  userAgent: string;
  calls: number;
  lastSeen: string;
  verdict: 'supported' | 'too-old' | 'unknown';
  /** AWS's name for the SDK, and the version the user agent names. */
  sdk?: string;
  version?: string;
  minimum?: string;
  reason?: string;
}

/**
 * The SDKs behind the service account's `AssumeRoleWithWebIdentity` calls, per cluster: the
 * caller of that API is the pod's SDK credential chain itself, the one Pod Identity needs to
 * be new enough. Too old blocks, an SDK or version that cannot be compared warns, and no call
 * at all in the window warns (nothing to audit). `workloads` name what runs as the service
 * account per cluster: the events say which cluster, not which pod.
 */
export function auditSdks(
  callsByCluster: Record<string, CloudTrailRecord[]>,
  serviceAccount: ServiceAccountRef,
  workloads: Record<string, string[]>,
  lookback: string,
): { usages: SdkUsage[]; findings: Finding[] } {
  const sa = `${serviceAccount.namespace}/${serviceAccount.name}`;
  const usages: SdkUsage[] = [];
  const findings: Finding[] = [];
  for (const [cluster, calls] of Object.entries(callsByCluster)) {
    const running = workloads[cluster]?.length ? ` (runs as it there: ${(workloads[cluster] ?? []).join(', ')})` : '';
    if (calls.length === 0) {
      findings.push({
        severity: 'warning',
        code: 'sdk-audit-no-calls',
        cluster,
        message: `${cluster}: no AssumeRoleWithWebIdentity by ${sa} in CloudTrail over the last ${lookback}: SDK versions not audited${running}`,
      });
      continue;
    }
    const byAgent = new Map<string, CloudTrailRecord[]>();
    for (const e of calls) byAgent.set(e.userAgent ?? '', [...(byAgent.get(e.userAgent ?? '') ?? []), e]);
    for (const [userAgent, events] of [...byAgent].sort(([a], [b]) => a.localeCompare(b))) {
      const verdict = sdkVerdict(userAgent);
      const usage: SdkUsage = {
        cluster,
        userAgent,
        calls: events.length,
        lastSeen:
          events
            .map((e) => e.eventTime)
            .sort()
            .at(-1) ?? '',
        verdict: verdict.status,
        ...(verdict.minimum && { sdk: verdict.minimum.name, minimum: verdict.minimum.documented }),
        ...(verdict.use?.version !== undefined && { version: verdict.use.version }),
        ...(verdict.status === 'unknown' && { reason: verdict.reason }),
      };
      usages.push(usage);
      const seen = `${events.length} call(s), last ${usage.lastSeen}`;
      if (verdict.status === 'too-old') {
        findings.push({
          severity: 'blocking',
          code: 'sdk-too-old',
          cluster,
          message: `${cluster}: ${sa} opens IRSA sessions with AWS SDK ${verdict.minimum.name} ${verdict.use.version ?? ''}, older than ${verdict.minimum.documented}, the first that takes Pod Identity credentials (${SDK_MINIMUMS_SOURCE}); upgrade it before migrating${running}. User agent "${userAgent}", ${seen}`,
        });
      } else if (verdict.status === 'unknown') {
        findings.push({
          severity: 'warning',
          code: 'sdk-unknown',
          cluster,
          message: `${cluster}: ${sa} opens IRSA sessions with user agent "${userAgent}" (${seen}): ${verdict.reason}${running}`,
        });
      }
    }
  }
  return { usages, findings };
}

/** How a run collects CloudTrail evidence (`MigrationOptions.evidence`). */
export interface EvidenceOptions {
  /** How far back the SDK audit reads IRSA sessions before the first cluster; 0 skips it. */
  sdkAuditLookbackSeconds: number;
  /** How long after a cluster's restart its Pod Identity sessions may take to show up in CloudTrail. */
  waitSeconds: number;
  /** Durable timer between two lookups while waiting. */
  pollSeconds: number;
  /**
   * No Pod Identity session in CloudTrail for a cluster by cleanup: `block` leaves IRSA in
   * place (the run ends MigratedNotCleaned with the finding), `warn` cleans up anyway.
   */
  missing: 'block' | 'warn';
}

/**
 * CloudTrail usually delivers within 5 minutes but promises no bound, so the wait is 15
 * minutes from the restart and missing evidence blocks only cleanup: the migration itself
 * keeps IRSA as the fallback, so running without proof costs nothing, while removing the
 * fallback without proof is the step that breaks workloads.
 */
export const EVIDENCE_DEFAULTS: EvidenceOptions = {
  sdkAuditLookbackSeconds: 24 * 3600,
  waitSeconds: 15 * 60,
  pollSeconds: 60,
  missing: 'block',
};

export function evidenceOptions(options: { evidence?: Partial<EvidenceOptions> }): EvidenceOptions {
  return { ...EVIDENCE_DEFAULTS, ...options.evidence };
}

/** One cluster's Pod Identity evidence, as recorded in the migration state. */
export interface ClusterEvidence {
  status: 'found' | 'absent' | 'unavailable';
  /** The restart the sessions are counted from. */
  since: string;
  checkedAt: string;
  lookups: number;
  /** STS AssumeRole calls EKS Auth made for this service account, cluster and role. */
  sessions: EventSummary;
  /** The agent's AssumeRoleForPodIdentity calls on the cluster, and how many failed. */
  agentCalls: number;
  agentErrors: number;
  /** Why there is no answer (unavailable). */
  reason?: string;
}

/** Web-identity calls of the service account since a cluster's restart: a dependency on IRSA cleanup would break. */
export interface IrsaAfterRestart extends EventSummary {
  since: string;
  roles: string[];
  userAgents: string[];
}

export interface EvidenceState {
  /** Set when the worker has no CloudTrail: the run collects no evidence (and says so once). */
  notConfigured?: string;
  sdkAudit?: { since: string; until: string; usages: SdkUsage[]; unavailable?: string };
  podIdentity: Record<string, ClusterEvidence>;
  irsaAfterRestart?: { checkedAt: string; clusters: Record<string, IrsaAfterRestart>; unavailable?: string };
  stsProfile?: { before?: StsProfile; after?: StsProfile };
}
