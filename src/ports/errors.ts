/**
 * The one error type adapters throw. AWS and Kubernetes errors are mapped to a kind
 * once, at the adapter edge; activities turn kinds into Temporal failure types.
 */
export type PortErrorKind =
  | 'not-found'
  | 'conflict'
  | 'access-denied'
  | 'validation'
  | 'limit-exceeded'
  | 'throttled'
  | 'unavailable'
  | 'timeout'
  | 'unknown';

export class PortError extends Error {
  override readonly name = 'PortError';
  constructor(
    readonly kind: PortErrorKind,
    message: string,
    readonly details: {
      /** The AWS error name or Kubernetes status reason, as received. */
      code?: string;
      httpStatus?: number;
      /** For `conflict` on association create: the id AWS names in the message. */
      existingId?: string;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }

  /** Retrying may help: throttling, 5xx, timeouts. */
  get retryable(): boolean {
    return (
      this.kind === 'throttled' || this.kind === 'unavailable' || this.kind === 'timeout' || this.kind === 'unknown'
    );
  }
}

export function isPortError(err: unknown, kind?: PortErrorKind): err is PortError {
  return err instanceof PortError && (kind === undefined || err.kind === kind);
}
