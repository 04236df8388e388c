import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { noProxyCovers } from '../../src/domain/no-proxy.js';

const AGENT_V4 = '169.254.170.23';
const AGENT_V6 = 'fd00:ec2::23';

describe('noProxyCovers', () => {
  const cases: [string, string, boolean][] = [
    ['169.254.170.23', AGENT_V4, true],
    [' localhost , 169.254.170.23 ', AGENT_V4, true],
    ['*', AGENT_V4, true],
    ['169.254.170.23/32', AGENT_V4, true],
    ['169.254.0.0/16', AGENT_V4, true],
    ['169.254.170.0/24', AGENT_V4, true],
    ['169.254.169.0/24', AGENT_V4, false],
    ['0.0.0.0/0', AGENT_V4, true],
    ['169.254.170.23:80', AGENT_V4, true],
    ['169.254.170.23:8080', AGENT_V4, false],
    ['169.254.170.2', AGENT_V4, false],
    ['.169.254.170.23', AGENT_V4, false],
    ['.amazonaws.com,.cluster.local', AGENT_V4, false],
    ['169.254.0.0/33', AGENT_V4, false],
    ['169.254.0.0/x', AGENT_V4, false],
    ['', AGENT_V4, false],
    ['fd00:ec2::23', AGENT_V6, true],
    ['[fd00:ec2::23]', AGENT_V6, true],
    ['[FD00:EC2::23]:80', AGENT_V6, true],
    ['fd00:ec2:0:0:0:0:0:23', AGENT_V6, true],
    ['fd00:ec2::/32', AGENT_V6, true],
    ['fd00::/8', AGENT_V6, true],
    ['[fd00:ec2::]/64', AGENT_V6, true],
    ['fd00:ec3::/32', AGENT_V6, false],
    ['169.254.0.0/16', AGENT_V6, false],
    ['::/0', AGENT_V4, false],
    ['fd00:ec2::23::1', AGENT_V6, false],
  ];
  for (const [noProxy, ip, covers] of cases) {
    test(`${JSON.stringify(noProxy)} ${covers ? 'covers' : 'does not cover'} ${ip}`, () => {
      assert.equal(noProxyCovers(noProxy, ip), covers);
    });
  }
});
