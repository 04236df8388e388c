import {
  ASSUME_ROLE_EVENT,
  POD_IDENTITY_EVENT,
  WEB_IDENTITY_EVENT,
  type CloudTrailRecord,
} from '../src/domain/cloudtrail.js';
import {
  agentCalls,
  auditSdks,
  podIdentitySessions,
  stsProfile,
  summarize,
  webIdentityCalls,
  type EventSummary,
  type IrsaAfterRestart,
  type SdkUsage,
  type StsProfile,
} from '../src/domain/cloudtrail-evidence.js';
import type { Finding, ServiceAccountRef } from '../src/domain/types.js';
import type { ActivityDeps } from './deps.js';
import { eksName, lookupByScope, NOT_CONFIGURED, type EvidenceCluster, type Unavailable } from './cloudtrail-lookup.js';

export type { EvidenceCluster, Unavailable } from './cloudtrail-lookup.js';

const roleOf = (e: CloudTrailRecord): string => {
  const role = e.requestParameters?.roleArn;
  return typeof role === 'string' ? role : '';
};

export function cloudTrailActivities(deps: ActivityDeps) {
  return {
    /**
     * The SDKs that opened the service account's IRSA sessions over the lookback, per
     * cluster, against AWS's minimum versions; and the STS profile of that window (the
     * "before" of the migration).
     */
    async auditSdkVersions(input: {
      serviceAccount: ServiceAccountRef;
      roleArn: string;
      since: string;
      until: string;
      lookback: string;
      clusters: (EvidenceCluster & { workloads: string[] })[];
    }): Promise<Unavailable | { usages: SdkUsage[]; findings: Finding[]; profile: StsProfile; truncated: string[] }> {
      const port = deps.cloudTrail;
      if (!port) return NOT_CONFIGURED;
      const names = input.clusters.map((c) => c.cluster);
      const truncated: string[] = [];
      const web = await lookupByScope(port, names, WEB_IDENTITY_EVENT, input.since, input.until, truncated);
      const assume = await lookupByScope(port, names, ASSUME_ROLE_EVENT, input.since, input.until, truncated);
      const calls: Record<string, CloudTrailRecord[]> = {};
      const sessions: CloudTrailRecord[] = [];
      for (const c of input.clusters) {
        calls[c.cluster] = webIdentityCalls(
          web.get(c.cluster) ?? [],
          input.serviceAccount,
          c.issuer ? [c.issuer] : [],
          input.since,
          input.until,
        );
        sessions.push(
          ...podIdentitySessions(assume.get(c.cluster) ?? [], {
            eksClusterName: eksName(deps, c.cluster),
            serviceAccount: input.serviceAccount,
            roleArn: input.roleArn,
            since: input.since,
            until: input.until,
          }),
        );
      }
      const workloads = Object.fromEntries(input.clusters.map((c) => [c.cluster, c.workloads]));
      const audit = auditSdks(calls, input.serviceAccount, workloads, input.lookback);
      const allWeb = Object.values(calls).flat();
      return { ...audit, profile: stsProfile(allWeb, sessions, allWeb, input.since, input.until), truncated };
    },

    /** The service account's Pod Identity sessions in one cluster since its restart, and the agent's calls there. */
    async podIdentityEvidence(input: {
      cluster: string;
      serviceAccount: ServiceAccountRef;
      roleArn: string;
      since: string;
      until: string;
    }): Promise<Unavailable | { sessions: EventSummary; agentCalls: number; agentErrors: number }> {
      const port = deps.cloudTrail;
      if (!port) return NOT_CONFIGURED;
      const name = eksName(deps, input.cluster);
      const window = { startTime: input.since, endTime: input.until };
      const assume = await port.lookupEvents(input.cluster, { eventName: ASSUME_ROLE_EVENT, ...window });
      const agent = await port.lookupEvents(input.cluster, { eventName: POD_IDENTITY_EVENT, ...window });
      const calls = agentCalls(agent.events, name, input.since, input.until);
      return {
        sessions: summarize(
          podIdentitySessions(assume.events, {
            eksClusterName: name,
            serviceAccount: input.serviceAccount,
            roleArn: input.roleArn,
            since: input.since,
            until: input.until,
          }),
        ),
        agentCalls: calls.length,
        agentErrors: calls.filter((e) => e.errorCode !== undefined).length,
      };
    },

    /**
     * Before cleanup: the service account's web-identity calls through each migrated
     * cluster's issuer since that cluster's restart finished (a hidden IRSA dependency), and
     * the STS profile since `profileFrom` (the "after").
     */
    async irsaAfterRestart(input: {
      serviceAccount: ServiceAccountRef;
      roleArn: string;
      clusters: (EvidenceCluster & { since: string })[];
      profileFrom: string;
      until: string;
    }): Promise<
      Unavailable | { clusters: Record<string, IrsaAfterRestart>; profile: StsProfile; truncated: string[] }
    > {
      const port = deps.cloudTrail;
      if (!port) return NOT_CONFIGURED;
      const names = input.clusters.map((c) => c.cluster);
      const from = [input.profileFrom, ...input.clusters.map((c) => c.since)].sort()[0] ?? input.profileFrom;
      const truncated: string[] = [];
      const web = await lookupByScope(port, names, WEB_IDENTITY_EVENT, from, input.until, truncated);
      const assume = await lookupByScope(port, names, ASSUME_ROLE_EVENT, input.profileFrom, input.until, truncated);
      const clusters: Record<string, IrsaAfterRestart> = {};
      const profileWeb: CloudTrailRecord[] = [];
      const profileSessions: CloudTrailRecord[] = [];
      for (const c of input.clusters) {
        const issuers = c.issuer ? [c.issuer] : [];
        const events = web.get(c.cluster) ?? [];
        const since = webIdentityCalls(events, input.serviceAccount, issuers, c.since, input.until);
        clusters[c.cluster] = {
          ...summarize(since),
          since: c.since,
          roles: [...new Set(since.map((e) => roleOf(e)))].sort(),
          userAgents: [...new Set(since.map((e) => e.userAgent ?? ''))].sort(),
        };
        profileWeb.push(...webIdentityCalls(events, input.serviceAccount, issuers, input.profileFrom, input.until));
        profileSessions.push(
          ...podIdentitySessions(assume.get(c.cluster) ?? [], {
            eksClusterName: eksName(deps, c.cluster),
            serviceAccount: input.serviceAccount,
            roleArn: input.roleArn,
            since: input.profileFrom,
            until: input.until,
          }),
        );
      }
      return {
        clusters,
        profile: stsProfile(profileWeb, profileSessions, profileWeb, input.profileFrom, input.until),
        truncated,
      };
    },
  };
}
