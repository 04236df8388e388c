/**
 * How long to wait before poll number `attempt` (0-based) of something that is usually
 * quick but may be slow (a rollout): short first, doubling, at most `maxMs`. A rollout
 * that is done in a moment is seen in a moment; a slow one is not polled harder than
 * every `maxMs`.
 */
export function pollDelayMs(attempt: number, options: { firstMs: number; maxMs: number }): number {
  const first = Math.min(options.firstMs, options.maxMs);
  return Math.min(first * 2 ** Math.max(0, attempt), options.maxMs);
}
