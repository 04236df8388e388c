import { webApi } from '@slack/bolt';

export interface SlackRetryOptions {
  /** Attempts per call, the first included. */
  maxAttempts: number;
  /** First backoff for errors without Retry-After; doubles each attempt. */
  backoffMs: number;
  /** A Retry-After longer than this is not waited for: the call gives up instead. */
  maxRetryAfterMs: number;
  /** Total time one call may spend, waits included. */
  budgetMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export const DEFAULT_SLACK_RETRY: SlackRetryOptions = {
  maxAttempts: 3,
  backoffMs: 1000,
  maxRetryAfterMs: 15_000,
  budgetMs: 25_000,
};

// Slack answers these with HTTP 200 and ok:false; they are worth another try.
const TRANSIENT_PLATFORM_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

type SlackCallError = webApi.WebAPICallError;

function isSlackCallError(err: unknown): err is SlackCallError {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && Object.values(webApi.ErrorCode).includes(code as webApi.ErrorCode);
}

/** How long to wait before trying again, or undefined when another try cannot help. */
export function retryDelayMs(err: unknown, attempt: number, options: SlackRetryOptions): number | undefined {
  if (!isSlackCallError(err)) return undefined;
  const backoff = options.backoffMs * 2 ** (attempt - 1);
  switch (err.code) {
    case webApi.ErrorCode.RateLimitedError: {
      const wait = err.retryAfter * 1000;
      return wait <= options.maxRetryAfterMs ? wait : undefined;
    }
    case webApi.ErrorCode.PlatformError:
      return TRANSIENT_PLATFORM_ERRORS.has(err.data.error) ? backoff : undefined;
    case webApi.ErrorCode.HTTPError:
      return err.statusCode >= 500 || err.statusCode === 408 ? backoff : undefined;
    case webApi.ErrorCode.RequestError:
      return backoff;
    default:
      return undefined;
  }
}

/** A failure another try could fix later: rate limits, Slack or network trouble. */
export function isTransientSlackError(err: unknown): boolean {
  return retryDelayMs(err, 1, { ...DEFAULT_SLACK_RETRY, maxRetryAfterMs: Number.POSITIVE_INFINITY }) !== undefined;
}

/** Calls Slack, retrying transient errors and 429s (after their Retry-After), within a budget. */
export async function withSlackRetry<T>(
  call: () => Promise<T>,
  options: SlackRetryOptions = DEFAULT_SLACK_RETRY,
): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const delay = attempt < options.maxAttempts ? retryDelayMs(err, attempt, options) : undefined;
      if (delay === undefined || now() - started + delay > options.budgetMs) throw err;
      await sleep(delay);
    }
  }
}

/** One line for a log or a migration warning. */
export function describeSlackError(err: unknown): string {
  if (!isSlackCallError(err)) return err instanceof Error ? err.message : String(err);
  switch (err.code) {
    case webApi.ErrorCode.RateLimitedError:
      return `rate limited (Retry-After ${err.retryAfter}s)`;
    case webApi.ErrorCode.PlatformError:
      return err.data.error;
    case webApi.ErrorCode.HTTPError:
      return `HTTP ${err.statusCode}`;
    case webApi.ErrorCode.RequestError:
      return `request failed: ${err.original.message}`;
    default:
      return (err as Error).message;
  }
}
