/**
 * Dynamic config our Temporal servers run with: the dev server (`npm start`, the tests and
 * benchmarks) from `devServerArgs`, the compose server from
 * deploy/temporal/dynamicconfig/docker.yaml (a test keeps the two in step); a production
 * server's operators set the same (README, "Running it in production").
 *
 * Eager activity dispatch: an activity a workflow schedules on its own worker's task queue
 * comes back in the response to the workflow task that scheduled it, instead of going
 * through the matching service and a poll. The SDK asks for it by default; the server must
 * allow it. Temporal Server 1.32 allows it by default, 1.31 and earlier (the compose image)
 * do not. On the 2-core benchmark machine it saves ~40 ms per activity (bench:overhead).
 */
export const SERVER_DYNAMIC_CONFIG = {
  'system.enableActivityEagerExecution': true,
} as const satisfies Record<string, boolean>;

/** `temporal server start-dev` arguments for SERVER_DYNAMIC_CONFIG, with `overrides` (benchmarks). */
export function devServerArgs(overrides: Partial<Record<keyof typeof SERVER_DYNAMIC_CONFIG, boolean>> = {}): string[] {
  return Object.entries({ ...SERVER_DYNAMIC_CONFIG, ...overrides }).flatMap(([key, value]) => [
    '--dynamic-config-value',
    `${key}=${JSON.stringify(value)}`,
  ]);
}
