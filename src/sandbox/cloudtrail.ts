import type { CloudTrailRecord } from '../domain/cloudtrail.js';
import type { CloudTrailPort } from '../ports/cloudtrail.js';
import { PortError } from '../ports/errors.js';
import { cloudTrailState, noteCredentialUsers, trafficEvents, type TrafficProfile } from './cloudtrail-traffic.js';
import { advanceCluster } from './rollout.js';
import { requireCluster, type SandboxRuntime } from './runtime.js';
import type { FleetState } from './state.js';
import type { FleetView } from './view.js';

const DEFAULT_MAX_EVENTS = 5000;
/** "You can look up events that occurred in a Region within the last 90 days" (CloudTrail API Reference, LookupEvents). */
const HORIZON_MS = 90 * 24 * 3_600_000;
/** LookupEvents `MaxResults`: "Possible values are 1 through 50" (CloudTrail API Reference, LookupEvents). */
const PAGE_SIZE = 50;
/**
 * "CloudTrail typically delivers logs within an average of about 5 minutes of an API call.
 * This time is not guaranteed" (CloudTrail User Guide, "Getting and viewing your CloudTrail
 * log files"): no lookup sees an event sooner unless a test or the demo asks for it.
 */
export const DEFAULT_DELIVERY_DELAY_MS = 5 * 60_000;

export interface SandboxCloudTrailOptions {
  /** How long after an event LookupEvents shows it. Default `DEFAULT_DELIVERY_DELAY_MS` (5 minutes). */
  deliveryDelayMs?: number;
}

/** Drives the sandbox's CloudTrail from outside the port: tests, the demo, the CLI. */
export interface SandboxCloudTrailControl {
  /** How a workload's pods call AWS: key `<namespace>/<workload>`, or `<cluster>/<namespace>/<workload>` for one cluster. */
  setTraffic(key: string, profile: TrafficProfile): Promise<void>;
  /** A late-delivery fault: every event shows up this much later than usual (0 clears it). */
  setLateDelivery(extraMs: number): Promise<void>;
  /** Every event with a time in the window, delivered or not, newest first. */
  events(from: string, to: string): Promise<CloudTrailRecord[]>;
}

/**
 * The whole fleet brought to `now`, the pods that moved on noted in the ledger: the history
 * is the account's, while a call brings only its own cluster up to date.
 */
function caughtUp(view: FleetView, now: number): FleetState {
  for (const cluster of view.allClusterRows()) advanceCluster(view, cluster.name, now);
  noteCredentialUsers(view, now);
  return view.state;
}

/** The sandbox's CloudTrail: one event history for the whole fleet (one account and Region). */
export function createSandboxCloudTrail(
  runtime: SandboxRuntime,
  options: SandboxCloudTrailOptions = {},
): { port: CloudTrailPort; control: SandboxCloudTrailControl } {
  const delayMs = options.deliveryDelayMs ?? DEFAULT_DELIVERY_DELAY_MS;
  const port: CloudTrailPort = {
    scopeOf: () => 'sandbox',
    lookupEvents(cluster, lookup, onPage) {
      return runtime
        .call(cluster, 'lookupEvents', 'lookup-events', (view, now) => {
          requireCluster(view, cluster);
          const state = caughtUp(view, now);
          const start = Date.parse(lookup.startTime);
          const end = lookup.endTime === undefined ? now : Date.parse(lookup.endTime);
          if (Number.isNaN(start) || Number.isNaN(end) || start > end) {
            throw new PortError('validation', 'InvalidTimeRangeException: Start time must be before end time.', {
              code: 'InvalidTimeRangeException',
              httpStatus: 400,
            });
          }
          const delivered = now - delayMs - cloudTrailState(state).extraDelayMs;
          const events = trafficEvents(state, Math.max(start, now - HORIZON_MS), Math.min(end, delivered)).filter(
            (e) => e.eventName === lookup.eventName,
          );
          const max = lookup.maxEvents ?? DEFAULT_MAX_EVENTS;
          const kept = events.slice(0, max);
          // The real adapter reads 50 events a page and reports each page: so many pages here too.
          return {
            events: kept,
            truncated: events.length > max,
            pages: Math.max(1, Math.ceil(kept.length / PAGE_SIZE)),
          };
        })
        .then(({ pages, ...result }) => {
          for (let page = 0; page < pages; page += 1) onPage?.();
          return result;
        });
    },
  };
  const control: SandboxCloudTrailControl = {
    setTraffic: (key, profile) =>
      runtime.control((view) => {
        cloudTrailState(view.state).traffic[key] = { ...profile };
      }),
    setLateDelivery: (extraMs) =>
      runtime.control((view) => {
        cloudTrailState(view.state).extraDelayMs = Math.max(0, extraMs);
      }),
    events: (from, to) =>
      runtime.control((view, now) => trafficEvents(caughtUp(view, now), Date.parse(from), Date.parse(to))),
  };
  return { port, control };
}
