import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export interface AssumeRoleOptions {
  roleArn: string;
  externalId?: string;
  sessionName?: string;
  durationSeconds?: number;
  /** Refresh this long before the credentials expire, so no request signs with stale keys. */
  refreshBeforeExpiryMs?: number;
  now?: () => number;
}

/**
 * Credentials from STS AssumeRole, cached until shortly before they expire. Concurrent
 * callers during a refresh share one AssumeRole call.
 */
export function assumeRoleCredentials(sts: STSClient, options: AssumeRoleOptions): AwsCredentialIdentityProvider {
  const now = options.now ?? Date.now;
  const refreshBeforeExpiryMs = options.refreshBeforeExpiryMs ?? 5 * 60_000;
  let cached: AwsCredentialIdentity | undefined;
  let inFlight: Promise<AwsCredentialIdentity> | undefined;

  async function assume(): Promise<AwsCredentialIdentity> {
    const { Credentials: issued } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: options.roleArn,
        RoleSessionName: options.sessionName ?? `migrate-identity-${now()}`,
        DurationSeconds: options.durationSeconds ?? 3600,
        ...(options.externalId !== undefined && { ExternalId: options.externalId }),
      }),
    );
    if (issued?.AccessKeyId === undefined || issued.SecretAccessKey === undefined) {
      throw new Error(`AssumeRole ${options.roleArn} returned no credentials`);
    }
    return {
      accessKeyId: issued.AccessKeyId,
      secretAccessKey: issued.SecretAccessKey,
      ...(issued.SessionToken !== undefined && { sessionToken: issued.SessionToken }),
      ...(issued.Expiration !== undefined && { expiration: issued.Expiration }),
    };
  }

  function fresh(credentials: AwsCredentialIdentity | undefined): credentials is AwsCredentialIdentity {
    if (credentials === undefined) return false;
    return credentials.expiration === undefined || credentials.expiration.getTime() - refreshBeforeExpiryMs > now();
  }

  return async () => {
    if (fresh(cached)) return cached;
    inFlight ??= assume()
      .then((credentials) => (cached = credentials))
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
}
