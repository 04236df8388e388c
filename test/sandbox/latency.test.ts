import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import { roundTrips } from '../../src/sandbox/latency.js';

describe('sandbox API latency', () => {
  test('round trips as the real adapters make them: list pages, and a describe per association', () => {
    assert.equal(roundTrips('describeCluster', { name: 'x' }), 1);
    assert.equal(roundTrips('listAllPods', []), 1);
    assert.equal(roundTrips('listAllPods', new Array(500)), 1);
    assert.equal(roundTrips('listAllPods', new Array(501)), 2);
    // 250 associations: three pages of 100, then 250 describes four at a time.
    assert.equal(roundTrips('listPodIdentityAssociations', new Array(250)), 3 + 63);
    assert.equal(roundTrips('listRoles', new Array(1001)), 11);
    assert.equal(roundTrips('listRolePolicyDocuments', new Array(3)), 5);
  });

  test('a call answers no sooner than its round trips allow, errors too', async () => {
    const slow = createSandboxFleet({ latencyMs: 40 });
    let started = performance.now();
    await slow.eks.describeCluster('sandbox-a');
    assert.ok(performance.now() - started >= 35, 'one round trip');
    started = performance.now();
    await assert.rejects(slow.eks.describeCluster('nope'), { kind: 'not-found' });
    assert.ok(performance.now() - started >= 35, 'an error answers as late');
  });
});
