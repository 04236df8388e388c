import { ApplicationFailure } from '@temporalio/common';
import { ValidationError } from '../src/domain/errors.js';
import { FailureType, NON_RETRYABLE_FAILURES } from '../src/domain/failure-types.js';
import { PortError, type PortErrorKind } from '../src/ports/errors.js';

const TYPE_BY_KIND: Record<PortErrorKind, FailureType> = {
  'not-found': FailureType.NotFound,
  conflict: FailureType.Conflict,
  'access-denied': FailureType.AccessDenied,
  validation: FailureType.Validation,
  'limit-exceeded': FailureType.LimitExceeded,
  throttled: FailureType.Throttled,
  unavailable: FailureType.Unavailable,
  timeout: FailureType.Timeout,
  unknown: FailureType.Unknown,
};

export function failure(type: FailureType, message: string, cause?: Error): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: NON_RETRYABLE_FAILURES.includes(type), cause });
}

/** Turns adapter and domain errors into typed Temporal failures, once, for every activity. */
export function toApplicationFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof PortError) return failure(TYPE_BY_KIND[err.kind], err.message, err);
  if (err instanceof ValidationError) return failure(FailureType.Validation, err.message, err);
  return err;
}

export function withTypedFailures<T extends object>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities) as [string, (...args: unknown[]) => Promise<unknown>][]) {
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        throw toApplicationFailure(err);
      }
    };
  }
  return wrapped as T;
}
