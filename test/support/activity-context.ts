import { MockActivityEnvironment } from '@temporalio/testing';

/** Runs an activity in a mock activity context and keeps what it heartbeated. */
export async function inActivity<T>(fn: () => Promise<T>): Promise<{ result: T; heartbeats: unknown[] }> {
  const env = new MockActivityEnvironment();
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  const result = (await env.run(fn)) as T;
  return { result, heartbeats };
}
