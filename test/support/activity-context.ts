import { MockActivityEnvironment } from '@temporalio/testing';

/**
 * Runs an activity in a mock activity context and keeps what it heartbeated
 * (`heartbeatDetails`: what a lost attempt recorded, for a retry to read).
 */
export async function inActivity<T>(
  fn: () => Promise<T>,
  heartbeatDetails?: unknown,
): Promise<{ result: T; heartbeats: unknown[] }> {
  const env = new MockActivityEnvironment(heartbeatDetails === undefined ? undefined : { heartbeatDetails });
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  const result = (await env.run(fn)) as T;
  return { result, heartbeats };
}
