import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { assumeRoleCredentials } from './assume-role-credentials.js';

export interface AwsClientOptions {
  region: string;
  /** When set, every client uses temporary credentials of this role (AssumeRole). */
  assumeRoleArn?: string;
  externalId?: string;
  /** Overrides the service endpoints, e.g. an emulator's URL in tests. */
  endpoint?: string;
  /** Attempts per call, the first included. Default 1: see `DEFAULT_MAX_ATTEMPTS`. */
  maxAttempts?: number;
  /** Deadline for opening a connection. Default 5 s. */
  connectionTimeoutMs?: number;
  /** Deadline for one attempt, request sent to response read. Default 30 s. */
  requestTimeoutMs?: number;
  /** What to sign with (or to call AssumeRole with). Default: the AWS SDK's default credential chain. */
  baseCredentials?: AwsCredentialIdentityProvider;
}

export interface AwsClients {
  eks: EKSClient;
  iam: IAMClient;
  sts: STSClient;
  /** What the clients sign with; also signs the EKS bearer token. */
  credentials: AwsCredentialIdentityProvider;
}

/**
 * One retry layer: every call runs inside a Temporal activity whose retry policy (with
 * backoff, and non-retryable types for what retrying cannot fix) is the retry. SDK retries
 * inside it multiplied the attempts (5 per call × 8 per activity = 40) and hid the failures
 * from the workflow's history.
 */
export const DEFAULT_MAX_ATTEMPTS = 1;
export const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;
/** EKS and IAM answer in well under a second; a call still open after this is not coming back. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export function createAwsClients(options: AwsClientOptions): AwsClients {
  const shared = {
    region: options.region,
    // With one attempt the adaptive mode's client-side rate limiter still paces calls after
    // throttling, which EKS association calls hit under load (no published TPS).
    retryMode: 'adaptive',
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    // The SDK sets no deadline by default. `requestTimeout` only logs a warning unless
    // `throwOnRequestTimeout` is set (@smithy/node-http-handler, set-request-timeout.js);
    // the error it throws is a `TimeoutError`, which the adapters map to a retryable timeout.
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
      requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
  };
  // The SDK resolves its default credential chain into `config.credentials`; sharing that
  // one provider keeps a single cache and avoids importing the SDK's internal chain package.
  const base = new STSClient({
    ...shared,
    ...(options.baseCredentials !== undefined && { credentials: options.baseCredentials }),
  });
  const credentials =
    options.assumeRoleArn === undefined
      ? base.config.credentials
      : assumeRoleCredentials(base, {
          roleArn: options.assumeRoleArn,
          ...(options.externalId !== undefined && { externalId: options.externalId }),
        });
  const withCredentials = { ...shared, credentials };
  return {
    eks: new EKSClient(withCredentials),
    iam: new IAMClient(withCredentials),
    sts: options.assumeRoleArn === undefined ? base : new STSClient(withCredentials),
    credentials,
  };
}
