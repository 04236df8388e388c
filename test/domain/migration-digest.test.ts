import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clustersOf, digestOf } from '../../src/domain/migration-digest.js';
import * as fixtures from '../support/slack-fixtures.js';

describe('migration digest', () => {
  test('groups consecutive clusters at the same point; clustersOf gives them back one by one', () => {
    const state = fixtures.migrating();
    const digest = digestOf(state);
    assert.deepEqual(digest.clusterGroups, [
      { names: ['sandbox-a'], status: 'migrated', lastStep: { step: 'verify', status: 'succeeded' } },
      { names: ['sandbox-b'], status: 'migrating', lastStep: { step: 'create-association', status: 'succeeded' } },
    ]);
    const approved = digestOf(fixtures.approved());
    assert.deepEqual(approved.clusterGroups, [
      { names: ['sandbox-a', 'sandbox-b'], status: 'migrated', lastStep: { step: 'verify', status: 'succeeded' } },
    ]);
    assert.deepEqual(
      clustersOf(approved).map((c) => c.cluster),
      ['sandbox-a', 'sandbox-b'],
    );
    const pending = digestOf(fixtures.preflightFailed());
    assert.deepEqual(pending.clusterGroups, [{ names: ['sandbox-a', 'sandbox-b'], status: 'pending' }]);
    assert.deepEqual(clustersOf(pending), [
      { cluster: 'sandbox-a', status: 'pending' },
      { cluster: 'sandbox-b', status: 'pending' },
    ]);
  });

  test('a cluster between two groups splits them: run order is kept', () => {
    const state = fixtures.approved();
    const [a, b] = state.clusters;
    state.clusters = [a!, { ...b!, cluster: 'sandbox-mid', status: 'failed' }, { ...a!, cluster: 'sandbox-z' }];
    assert.deepEqual(
      digestOf(state).clusterGroups.map((g) => [g.names, g.status]),
      [
        [['sandbox-a'], 'migrated'],
        [['sandbox-mid'], 'failed'],
        [['sandbox-z'], 'migrated'],
      ],
    );
  });

  test('leaves out what grows with every step: step histories, findings, warnings, the rollback note', () => {
    const state = fixtures.huge();
    const text = JSON.stringify(digestOf(state));
    for (const key of ['steps', 'findings', 'warnings', 'rollbackNote', 'plan', 'input']) {
      assert.doesNotMatch(text, new RegExp(`"${key}"`), key);
    }
    assert.equal(digestOf(state).warningCount, state.warnings.length);
    assert.ok(text.length < JSON.stringify(state).length / 4, `${text.length} vs ${JSON.stringify(state).length}`);
  });

  test('what cleanup will do appears once the approval gate has opened', () => {
    assert.equal(digestOf(fixtures.migrating()).cleanup, undefined);
    assert.deepEqual(digestOf(fixtures.awaitingApproval()).cleanup, {
      removeAnnotations: ['sandbox-a', 'sandbox-b'],
      irsaTrustIssuers: 2,
    });
  });

  test('carries who is involved and how the run ends, as the state has them', () => {
    const state = fixtures.rollbackFailed();
    const digest = digestOf(state);
    assert.deepEqual(digest.serviceAccount, state.input.serviceAccount);
    assert.equal(digest.roleArn, state.input.roleArn);
    assert.equal(digest.requestedBy, fixtures.REQUESTER);
    assert.deepEqual(digest.approvers, state.input.options.approvers);
    assert.equal(digest.phase, 'RollbackFailed');
    assert.deepEqual(digest.decision, state.decision);
    assert.deepEqual(digest.failure, state.failure);
    assert.deepEqual(digest.manualSteps, state.manualSteps);
  });
});
