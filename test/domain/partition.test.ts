import { partition as sdkPartition } from '@aws-sdk/core/client';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { partitionOf, stsHostname } from '../../src/domain/partition.js';

// One or more regions of every partition the SDK knows, and names only its regexes match.
const REGIONS = [
  'us-east-1',
  'eu-west-1',
  'ap-southeast-7',
  'mx-central-1',
  'il-central-1',
  'cn-north-1',
  'cn-northwest-1',
  'cn-south-9',
  'us-gov-west-1',
  'us-gov-east-1',
  'us-iso-east-1',
  'us-isob-east-1',
  'eu-isoe-west-1',
  'us-isof-south-1',
  'eusc-de-east-1',
  'xx-nowhere-1',
];

describe('partitionOf', () => {
  test('China regions are aws-cn with the .com.cn suffix, GovCloud is aws-us-gov', () => {
    assert.deepEqual(partitionOf('cn-north-1'), { id: 'aws-cn', dnsSuffix: 'amazonaws.com.cn' });
    assert.deepEqual(partitionOf('cn-northwest-1'), { id: 'aws-cn', dnsSuffix: 'amazonaws.com.cn' });
    assert.deepEqual(partitionOf('us-gov-west-1'), { id: 'aws-us-gov', dnsSuffix: 'amazonaws.com' });
    assert.deepEqual(partitionOf('eu-west-1'), { id: 'aws', dnsSuffix: 'amazonaws.com' });
  });

  // Contract: the SDK resolves its own endpoints from this table, so ours must agree with it.
  for (const region of REGIONS) {
    test(`${region} agrees with the AWS SDK's partition table`, () => {
      const sdk = sdkPartition(region);
      assert.deepEqual(partitionOf(region), { id: sdk.name, dnsSuffix: sdk.dnsSuffix });
    });
  }
});

describe('stsHostname', () => {
  test('is the regional STS host in the region’s partition', () => {
    assert.equal(stsHostname('eu-west-1'), 'sts.eu-west-1.amazonaws.com');
    assert.equal(stsHostname('cn-north-1'), 'sts.cn-north-1.amazonaws.com.cn');
    assert.equal(stsHostname('us-gov-west-1'), 'sts.us-gov-west-1.amazonaws.com');
  });
});
