import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  campaignCounts,
  currentWave,
  nextToStart,
  roleKey,
  waveApprovalRefusal,
  type CampaignItem,
  type ChildProgress,
} from '../../src/domain/campaign.js';

const item = (name: string, clusters: string[], role: string, wave = 1): CampaignItem => ({
  serviceAccount: { namespace: 'ns', name },
  roleArn: `arn:aws:iam::111122223333:role/${role}`,
  clusters,
  wave,
});
const pending = (): ChildProgress => ({ status: 'pending' });
const running = (): ChildProgress => ({ status: 'running' });
const observing = (): ChildProgress => ({ status: 'observing' });
const done = (outcome: ChildProgress['outcome'] = 'Completed'): ChildProgress => ({ status: 'done', outcome });
const limits = { concurrency: 3, perCluster: 1, failureBudget: 2 };

describe('campaign scheduling rules', () => {
  test('the current wave is the lowest with a migration to start or to finish', () => {
    const items = [item('a', ['x'], 'r1', 1), item('b', ['x'], 'r2', 2), item('c', ['y'], 'r3', 3)];
    assert.equal(currentWave(items, [pending(), pending(), pending()]), 1);
    assert.equal(currentWave(items, [running(), pending(), pending()]), 1);
    assert.equal(currentWave(items, [done(), pending(), done()]), 2);
    assert.equal(currentWave(items, [done(), done(), done('RolledBack')]), undefined);
    assert.equal(currentWave(items, [observing(), pending(), pending()]), 2, 'what observes has finished its changes');
    assert.equal(currentWave(items, [observing(), done(), observing()]), undefined);
  });

  test('next to start: skips what a running role, cluster or the global cap holds back, in item order', () => {
    const items = [
      item('a', ['x'], 'shared'),
      item('b', ['y'], 'shared'),
      item('c', ['x', 'z'], 'r3'),
      item('d', ['z'], 'r4'),
      item('e', ['w'], 'r5', 2),
    ];
    assert.equal(nextToStart(items, items.map(pending), limits, 1), 0);
    const aRuns = [running(), pending(), pending(), pending(), pending()];
    assert.equal(nextToStart(items, aRuns, limits, 1), 3, 'b waits for its role, c for cluster x');
    assert.equal(nextToStart(items, [running(), pending(), pending(), running(), pending()], limits, 1), undefined);
    assert.equal(nextToStart(items, aRuns, { ...limits, concurrency: 1 }, 1), undefined, 'the global cap');
    assert.equal(nextToStart(items, aRuns, { ...limits, perCluster: 2 }, 1), 2, 'two per cluster lets c go');
    assert.equal(nextToStart(items, [done(), done(), done(), done(), pending()], limits, 2), 4);
    const aObserves = [observing(), pending(), pending(), pending(), pending()];
    assert.equal(
      nextToStart(items, aObserves, { ...limits, concurrency: 1 }, 1),
      2,
      'what observes holds no concurrency or cluster cap (c goes on x), but still its role (b waits)',
    );
  });

  test('a role is the same whatever its path, and whatever the case of its name', () => {
    assert.equal(roleKey('arn:aws:iam::111122223333:role/team/App'), roleKey('arn:aws:iam::111122223333:role/app'));
    assert.notEqual(roleKey('arn:aws:iam::111122223333:role/app'), roleKey('arn:aws:iam::444455556666:role/app'));
  });

  test('counts by where each migration stands', () => {
    assert.deepEqual(campaignCounts([pending(), running(), observing(), done(), done(), done('RollbackFailed')]), {
      pending: 1,
      running: 1,
      observing: 1,
      Completed: 2,
      RollbackFailed: 1,
    });
  });

  test('who may approve a wave, and when', () => {
    const state = {
      phase: 'AwaitingApproval' as const,
      wave: 2,
      approvers: ['bob', 'alice'],
      requestedBy: 'alice',
      approval: 'wave' as const,
      approvals: [],
    };
    assert.equal(waveApprovalRefusal(state, { by: 'bob' }), undefined);
    assert.equal(waveApprovalRefusal(state, { by: 'bob', wave: 2 }), undefined);
    assert.match(waveApprovalRefusal(state, { by: 'bob', wave: 1 }) ?? '', /wave 2 is waiting/);
    assert.match(waveApprovalRefusal(state, { by: 'alice' }) ?? '', /requested this campaign/);
    assert.match(waveApprovalRefusal(state, { by: 'eve' }) ?? '', /not an approver/);
    assert.match(waveApprovalRefusal({ ...state, phase: 'Running' }, { by: 'bob' }) ?? '', /no wave is waiting/);
    assert.match(
      waveApprovalRefusal({ ...state, approval: 'service-account' }, { by: 'bob' }) ?? '',
      /no wave approvals/,
    );
  });
});
