import type { CloudTrailRecord } from '../domain/cloudtrail.js';
import type { CloudTrailPort } from '../ports/cloudtrail.js';
import { PortError } from '../ports/errors.js';
import {
  cloudTrailState,
  noteClusterCredentialUsers,
  trafficEvents,
  type TrafficProfile,
} from './cloudtrail-traffic.js';
import { advanceCluster } from './rollout.js';
import { requireCluster, type SandboxRuntime } from './runtime.js';
import type { FleetState } from './state.js';
import type { FleetView } from './view.js';

const DEFAULT_MAX_EVENTS = 5000;
/** LookupEvents answers for the last 90 days only. */
const HORIZON_MS = 90 * 24 * 3_600_000;

export interface SandboxCloudTrailOptions {
  /** How long after an event LookupEvents shows it ("minutes late" in AWS). Default 2000. */
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
 * The whole fleet brought to `now`, every cluster's pods in the ledger: the history is the
 * account's, while a call brings only its own cluster up to date.
 */
function caughtUp(view: FleetView, now: number): FleetState {
  for (const cluster of view.allClusterRows()) {
    advanceCluster(view, cluster.name, now);
    noteClusterCredentialUsers(view, cluster.name, now);
  }
  return view.state;
}

/** The sandbox's CloudTrail: one event history for the whole fleet (one account and Region). */
export function createSandboxCloudTrail(
  runtime: SandboxRuntime,
  options: SandboxCloudTrailOptions = {},
): { port: CloudTrailPort; control: SandboxCloudTrailControl } {
  const delayMs = options.deliveryDelayMs ?? 2000;
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
          return { events: events.slice(0, max), truncated: events.length > max };
        })
        .then((result) => {
          onPage?.();
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
