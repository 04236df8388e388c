/**
 * AWS partitions: which one a region belongs to, and the DNS suffix of its endpoints.
 * The table mirrors the AWS SDK's own (`partition()` in @aws-sdk/core's util-endpoints,
 * generated from the SDK's partitions.json); test/domain/partition.test.ts holds the two
 * to each other, so an SDK update that moves a region fails a test instead of a token.
 */

export interface Partition {
  /** The second field of every ARN in it: `aws`, `aws-cn`, `aws-us-gov`, … */
  id: string;
  /** `sts.<region>.<dnsSuffix>` is the regional STS endpoint. */
  dnsSuffix: string;
}

const AWS: Partition = { id: 'aws', dnsSuffix: 'amazonaws.com' };

// The SDK's regionRegex per partition. Anything unmatched is `aws`, as the SDK falls back.
const PARTITIONS: readonly (Partition & { regions: RegExp })[] = [
  { id: 'aws-cn', dnsSuffix: 'amazonaws.com.cn', regions: /^cn-\w+-\d+$/ },
  { id: 'aws-us-gov', dnsSuffix: 'amazonaws.com', regions: /^us-gov-\w+-\d+$/ },
  { id: 'aws-iso', dnsSuffix: 'c2s.ic.gov', regions: /^us-iso-\w+-\d+$/ },
  { id: 'aws-iso-b', dnsSuffix: 'sc2s.sgov.gov', regions: /^us-isob-\w+-\d+$/ },
  { id: 'aws-iso-e', dnsSuffix: 'cloud.adc-e.uk', regions: /^eu-isoe-\w+-\d+$/ },
  { id: 'aws-iso-f', dnsSuffix: 'csp.hci.ic.gov', regions: /^us-isof-\w+-\d+$/ },
  { id: 'aws-eusc', dnsSuffix: 'amazonaws.eu', regions: /^eusc-de-\w+-\d+$/ },
];

export function partitionOf(region: string): Partition {
  const found = PARTITIONS.find((partition) => partition.regions.test(region));
  return found === undefined ? AWS : { id: found.id, dnsSuffix: found.dnsSuffix };
}

/** The regional STS host, e.g. `sts.cn-north-1.amazonaws.com.cn`: what `aws eks get-token` presigns for. */
export function stsHostname(region: string): string {
  return `sts.${region}.${partitionOf(region).dnsSuffix}`;
}
