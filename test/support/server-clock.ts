import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { createSandboxFleet, type SandboxFleet } from '../../src/sandbox/index.js';

/**
 * A clock for the sandbox that keeps up with the time-skipping server, so the events the
 * sandbox stamps and the times the workflow records are on one timeline. Each activity
 * learns the server's time from when it was scheduled; between activities the clock runs
 * at wall speed. It never goes back.
 */
export function serverClock(): { now: () => number; interceptor: ActivityInterceptorsFactory } {
  let offset = 0;
  let last = 0;
  return {
    now: () => {
      last = Math.max(last, Date.now() + offset);
      return last;
    },
    interceptor: (ctx) => {
      offset = Math.max(offset, ctx.info.currentAttemptScheduledTimestampMs - Date.now());
      return {};
    },
  };
}

/**
 * A sandbox fleet on the server's clock (pass `interceptor` to the worker), associations
 * consistent at once, pods ready in 5 ms, and CloudTrail delivering `cloudTrailDelayMs` late.
 */
export function cloudTrailFleet(cloudTrailDelayMs = 120_000): {
  fleet: SandboxFleet;
  interceptor: ActivityInterceptorsFactory;
} {
  const clock = serverClock();
  const fleet = createSandboxFleet({ now: clock.now, consistencyDelayMs: 0, podStartMs: 5, cloudTrailDelayMs });
  return { fleet, interceptor: clock.interceptor };
}
