import type { ActivityInterceptorsFactory } from '@temporalio/worker';

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
