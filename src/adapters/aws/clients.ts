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
  /** Attempts per call, the first included. Default 5. */
  maxAttempts?: number;
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

export function createAwsClients(options: AwsClientOptions): AwsClients {
  const shared = {
    region: options.region,
    // Adaptive retry also slows the client down on throttling, which EKS association
    // calls hit under load (no published TPS).
    retryMode: 'adaptive',
    maxAttempts: options.maxAttempts ?? 5,
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
