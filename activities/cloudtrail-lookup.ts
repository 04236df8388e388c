/**
 * CloudTrail lookups the evidence and the observation share: by event name, once per
 * CloudTrail scope (account and Region), and the service account's credential errors over a
 * window (src/domain/credential-errors.ts).
 */
import { Context } from '@temporalio/activity';
import {
  ASSUME_ROLE_EVENT,
  POD_IDENTITY_EVENT,
  WEB_IDENTITY_EVENT,
  type CloudTrailRecord,
} from '../src/domain/cloudtrail.js';
import {
  podIdentitySessions,
  stsProfile,
  webIdentityCalls,
  type StsProfile,
} from '../src/domain/cloudtrail-evidence.js';
import {
  allowedActions,
  credentialErrors,
  eventNamesOfActions,
  type CredentialErrorCounts,
} from '../src/domain/credential-errors.js';
import { parseRoleArn } from '../src/domain/names.js';
import type { ServiceAccountRef } from '../src/domain/types.js';
import type { CloudTrailPort } from '../src/ports/cloudtrail.js';
import { isPortError } from '../src/ports/errors.js';
import type { ActivityDeps } from './deps.js';

/** Said when the worker has no CloudTrail: the run records it and goes on without evidence. */
export interface Unavailable {
  unavailable: string;
}

export interface EvidenceCluster {
  cluster: string;
  /** The cluster's OIDC issuer URL (IRSA's identity provider). */
  issuer?: string;
}

export function heartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // Outside an activity (a unit test): nothing to heartbeat to.
  }
}

/**
 * One lookup per event name and CloudTrail scope (account and Region): clusters that share
 * an event history share its pages and its two requests a second.
 */
export async function lookupByScope(
  port: CloudTrailPort,
  clusters: string[],
  eventName: string,
  startTime: string,
  endTime: string,
  truncated: string[],
): Promise<Map<string, CloudTrailRecord[]>> {
  const byScope = new Map<string, CloudTrailRecord[]>();
  const result = new Map<string, CloudTrailRecord[]>();
  for (const cluster of clusters) {
    const scope = port.scopeOf(cluster);
    let events = byScope.get(scope);
    if (events === undefined) {
      let pages = 0;
      const page = await port.lookupEvents(cluster, { eventName, startTime, endTime }, () =>
        heartbeat({ eventName, scope, pages: ++pages }),
      );
      events = page.events;
      // Newest first: what was cut is the oldest part of the window.
      if (page.truncated)
        truncated.push(`${eventName} (${cluster}'s account and Region) before ${events.at(-1)?.eventTime ?? endTime}`);
      byScope.set(scope, events);
    }
    result.set(cluster, events);
  }
  return result;
}

export const eksName = (deps: ActivityDeps, cluster: string) => deps.eksClusterName?.(cluster) ?? cluster;
export const NOT_CONFIGURED: Unavailable = { unavailable: 'no CloudTrail is configured for this worker' };

export interface CredentialWindow {
  serviceAccount: ServiceAccountRef;
  roleArn: string;
  clusters: EvidenceCluster[];
  since: string;
  until: string;
}

export interface CredentialWindowResult {
  clusters: Record<string, CredentialErrorCounts>;
  profile: StsProfile;
  truncated: string[];
  /** Event names of the role's API calls looked up (its sessions' denied calls); empty when its policies could not be read. */
  apiEvents: string[];
}

/**
 * The service account's credential errors per cluster and its STS profile over a window: the
 * STS and eks-auth calls, and the calls of the role's sessions to the APIs its policies allow
 * (a denied call shows under its own event name; LookupEvents takes one name per lookup).
 */
export async function credentialWindow(
  deps: ActivityDeps,
  input: CredentialWindow,
): Promise<CredentialWindowResult | Unavailable> {
  const port = deps.cloudTrail;
  if (!port) return NOT_CONFIGURED;
  let apiEvents: string[] = [];
  try {
    const documents = await deps.iam.listRolePolicyDocuments(parseRoleArn(input.roleArn).roleName);
    apiEvents = eventNamesOfActions(allowedActions(documents.map((d) => d.document)));
  } catch (err) {
    if (!isPortError(err) || err.retryable) throw err;
  }
  const names = input.clusters.map((c) => c.cluster);
  const truncated: string[] = [];
  const byName = new Map<string, Map<string, CloudTrailRecord[]>>();
  for (const eventName of [WEB_IDENTITY_EVENT, ASSUME_ROLE_EVENT, POD_IDENTITY_EVENT, ...apiEvents]) {
    if (byName.has(eventName)) continue;
    heartbeat({ eventName });
    byName.set(eventName, await lookupByScope(port, names, eventName, input.since, input.until, truncated));
  }
  const clusters: Record<string, CredentialErrorCounts> = {};
  const web: CloudTrailRecord[] = [];
  const sessions: CloudTrailRecord[] = [];
  for (const c of input.clusters) {
    const events = [...byName.values()].flatMap((m) => m.get(c.cluster) ?? []);
    const issuers = c.issuer ? [c.issuer] : [];
    const name = eksName(deps, c.cluster);
    clusters[c.cluster] = credentialErrors(events, {
      eksClusterName: name,
      serviceAccount: input.serviceAccount,
      roleArn: input.roleArn,
      issuers,
      since: input.since,
      until: input.until,
    });
    web.push(...webIdentityCalls(events, input.serviceAccount, issuers, input.since, input.until));
    sessions.push(
      ...podIdentitySessions(events, {
        eksClusterName: name,
        serviceAccount: input.serviceAccount,
        roleArn: input.roleArn,
        since: input.since,
        until: input.until,
      }),
    );
  }
  return { clusters, profile: stsProfile(web, sessions, web, input.since, input.until), truncated, apiEvents };
}
