import type { CloudTrailLookup, CloudTrailLookupResult } from '../domain/cloudtrail.js';

/**
 * CloudTrail event history (LookupEvents), per cluster: the events of the cluster's account
 * and Region, where its Pod Identity and (regional STS) IRSA calls are logged. Management
 * events of the last 90 days only, delivered minutes late.
 *
 * Errors are `PortError`s. LookupEvents is limited to two requests per second per account
 * and Region; adapters pace their calls and throttling arrives as the retryable `throttled`.
 */
export interface CloudTrailPort {
  /** Every page of the lookup, newest first, up to `maxEvents`. `onPage` runs after each page (heartbeats). */
  lookupEvents(cluster: string, lookup: CloudTrailLookup, onPage?: () => void): Promise<CloudTrailLookupResult>;
  /** Clusters with the same scope read the same event history (account and Region): look it up once. */
  scopeOf(cluster: string): string;
}
