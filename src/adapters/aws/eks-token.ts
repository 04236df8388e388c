import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, QueryParameterBag } from '@smithy/types';
import { stsHostname } from '../../domain/partition.js';

export interface EksTokenOptions {
  clusterName: string;
  region: string;
  credentials: AwsCredentialIdentityProvider | AwsCredentialIdentity;
  now?: Date;
}

export interface EksToken {
  token: string;
  /** The earlier of the token's own lifetime and the expiry of the credentials that signed it. */
  expiresAt: Date;
}

const TOKEN_PREFIX = 'k8s-aws-v1.';
const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
const PRESIGNED_URL_SECONDS = 60;
// The API server accepts the presigned URL for 15 minutes; `aws eks get-token` reports 14
// so that a cached token is renewed before that.
const TOKEN_LIFETIME_MS = 14 * 60_000;

/**
 * A Kubernetes bearer token for an EKS cluster, made as `aws eks get-token` and
 * aws-iam-authenticator make it: a presigned STS GetCallerIdentity URL with the cluster
 * name in the signed `x-k8s-aws-id` header, base64url-encoded without padding. The STS
 * host is the region's own (`sts.cn-north-1.amazonaws.com.cn` in China).
 */
export async function createEksToken(options: EksTokenOptions): Promise<EksToken> {
  const now = options.now ?? new Date();
  const hostname = stsHostname(options.region);
  const credentials = typeof options.credentials === 'function' ? await options.credentials() : options.credentials;
  const signer = new SignatureV4({ service: 'sts', region: options.region, credentials, sha256: Sha256 });
  const presigned = await signer.presign(
    new HttpRequest({
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: hostname, [CLUSTER_ID_HEADER]: options.clusterName },
    }),
    { expiresIn: PRESIGNED_URL_SECONDS, signingDate: now },
  );
  const url = `https://${hostname}/?${canonicalQuery(presigned.query ?? {})}`;
  // STS checks the signing session when the API server presents the URL: once the
  // temporary credentials expire, so does every token they signed.
  const lifetimeEnd = now.getTime() + TOKEN_LIFETIME_MS;
  const credentialsEnd = credentials.expiration?.getTime() ?? Infinity;
  return {
    token: TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url'),
    expiresAt: new Date(Math.min(lifetimeEnd, credentialsEnd)),
  };
}

/** Sorted, with the signature last: the order botocore writes, so tokens match byte for byte. */
function canonicalQuery(query: QueryParameterBag): string {
  const signature = 'X-Amz-Signature';
  const keys = Object.keys(query)
    .filter((key) => key !== signature)
    .sort();
  return [...keys, signature]
    .map((key) => {
      const value = query[key];
      return `${rfc3986(key)}=${rfc3986(typeof value === 'string' ? value : '')}`;
    })
    .join('&');
}

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
