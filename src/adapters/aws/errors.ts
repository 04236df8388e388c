import { PortError, type PortErrorKind } from '../../ports/errors.js';

/**
 * Error names as AWS sends them, without the `Exception` suffix: the query protocol
 * (IAM, STS) names errors `NoSuchEntity`, the JSON/REST ones (EKS) `ResourceNotFoundException`,
 * and the SDK uses either, depending on whether the error is modelled.
 */
const KIND_BY_NAME: Record<string, PortErrorKind> = {
  AccessDenied: 'access-denied',
  UnauthorizedOperation: 'access-denied',
  UnrecognizedClient: 'access-denied',
  InvalidClientTokenId: 'access-denied',
  SignatureDoesNotMatch: 'access-denied',
  ExpiredToken: 'access-denied',
  // Credentials could not be loaded or refreshed: the instance metadata service or the Pod
  // Identity agent timed out or answered 5xx, an STS call behind a profile failed, … The
  // error's `tryNextLink` does not tell a lasting failure from a passing one: it only steers
  // the provider chain (@smithy/core, config/property-provider/ProviderError.d.ts: "the chain
  // will only proceed to the next provider if the value of the `tryNextLink` property on the
  // error is truthy"), and the SDK's default chain ends in a link that throws "Could not load
  // credentials from any providers" with `tryNextLink: false` whatever the links before it
  // hit, timeouts included (@aws-sdk/credential-provider-node, `defaultProvider`). So every
  // one is retryable: a lasting one (an expired SSO session, nothing configured) fails after
  // the activity's bounded retries, with the SDK's message, which says what to do.
  CredentialsProviderError: 'unavailable',
  ProviderError: 'unavailable',
  ResourceNotFound: 'not-found',
  NoSuchEntity: 'not-found',
  NotFound: 'not-found',
  ResourceInUse: 'conflict',
  EntityAlreadyExists: 'conflict',
  InvalidParameter: 'validation',
  InvalidRequest: 'validation',
  InvalidInput: 'validation',
  MalformedPolicyDocument: 'validation',
  ValidationError: 'validation',
  Validation: 'validation',
  ResourceLimitExceeded: 'limit-exceeded',
  LimitExceeded: 'limit-exceeded',
  Throttling: 'throttled',
  TooManyRequests: 'throttled',
  RequestLimitExceeded: 'throttled',
  // IAM answers 409 when two writers race on one role: transient, unlike a real conflict.
  ConcurrentModification: 'unavailable',
  Server: 'unavailable',
  ServiceFailure: 'unavailable',
  ServiceUnavailable: 'unavailable',
  InternalFailure: 'unavailable',
  TimeoutError: 'timeout',
  RequestTimeout: 'timeout',
};

const KIND_BY_SYSCALL_CODE: Record<string, PortErrorKind> = {
  ETIMEDOUT: 'timeout',
  ESOCKETTIMEDOUT: 'timeout',
  ECONNRESET: 'timeout',
  ECONNREFUSED: 'unavailable',
  EPIPE: 'unavailable',
};

const EXISTING_ASSOCIATION = /Association already exists:\s*([A-Za-z0-9-]+)/;

/** Turns anything an AWS SDK v3 call throws into a `PortError` whose message starts with `context`. */
export function mapAwsError(err: unknown, context: string): PortError {
  if (err instanceof PortError) return err;
  const fields = readFields(err);
  const kind = kindOf(fields);
  const nameInMessage = fields.name !== undefined && !fields.message.includes(fields.name);
  const message = `${context}: ${nameInMessage ? `${fields.name}: ` : ''}${fields.message}`;
  const existingId = kind === 'conflict' ? EXISTING_ASSOCIATION.exec(fields.message)?.[1] : undefined;
  return new PortError(kind, message, {
    ...(fields.name !== undefined && { code: fields.name }),
    ...(fields.httpStatus !== undefined && { httpStatus: fields.httpStatus }),
    ...(existingId !== undefined && { existingId }),
    cause: err,
  });
}

interface ErrorFields {
  name?: string;
  syscallCode?: string;
  httpStatus?: number;
  message: string;
}

function readFields(err: unknown): ErrorFields {
  if (typeof err !== 'object' || err === null) return { message: String(err) };
  const record = err as Record<string, unknown>;
  const metadata = record.$metadata as { httpStatusCode?: unknown } | undefined;
  const status = metadata?.httpStatusCode ?? (record.$response as { statusCode?: unknown } | undefined)?.statusCode;
  // Unmodelled query-protocol errors carry the AWS name in `Code`, with a generic `name`.
  const name =
    (typeof record.name === 'string' && record.name !== 'Error' ? record.name : undefined) ??
    (typeof record.Code === 'string' ? record.Code : undefined);
  const code = typeof record.code === 'string' ? record.code : undefined;
  const message = typeof record.message === 'string' && record.message !== '' ? record.message : (name ?? 'error');
  return {
    ...(name !== undefined && { name }),
    ...(code !== undefined && { syscallCode: code }),
    ...(typeof status === 'number' && { httpStatus: status }),
    message,
  };
}

function kindOf({ name, syscallCode, httpStatus }: ErrorFields): PortErrorKind {
  const byName = name === undefined ? undefined : KIND_BY_NAME[name.replace(/Exception$/, '')];
  if (byName !== undefined) return byName;
  const bySyscall = syscallCode === undefined ? undefined : KIND_BY_SYSCALL_CODE[syscallCode];
  if (bySyscall !== undefined) return bySyscall;
  if (httpStatus === undefined) return 'unknown';
  if (httpStatus === 403) return 'access-denied';
  if (httpStatus === 404) return 'not-found';
  if (httpStatus === 409) return 'conflict';
  if (httpStatus === 429) return 'throttled';
  if (httpStatus === 400) return 'validation';
  if (httpStatus >= 500) return 'unavailable';
  return 'unknown';
}
