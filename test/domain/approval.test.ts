import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  approvalContextOf,
  countedApprovals,
  decisionRefusal,
  describeRefusal,
  gateOutcome,
  type ApprovalContext,
} from '../../src/domain/approval.js';
import * as fixtures from '../support/slack-fixtures.js';

const OPEN: ApprovalContext = {
  phase: 'AwaitingApproval',
  approvers: ['bob', 'alice'],
  requestedBy: 'alice',
};

describe('approval rules', () => {
  test('an approver may approve or reject an open, undecided gate', () => {
    assert.equal(decisionRefusal(OPEN, { by: 'bob', decision: 'approve' }), undefined);
    assert.equal(decisionRefusal(OPEN, { by: 'bob', decision: 'reject' }), undefined);
  });

  test('the requester may reject their own migration but never approve it', () => {
    assert.equal(decisionRefusal(OPEN, { by: 'alice', decision: 'reject' }), undefined);
    assert.deepEqual(decisionRefusal(OPEN, { by: 'alice', decision: 'approve' }), { reason: 'own-migration' });
  });

  test('someone who is not an approver may do neither', () => {
    for (const decision of ['approve', 'reject']) {
      assert.deepEqual(decisionRefusal(OPEN, { by: 'mallory', decision }), { reason: 'not-an-approver' });
    }
  });

  test('no decision outside the gate, whoever asks', () => {
    for (const phase of ['Preflight', 'Migrating', 'CleaningUp', 'RolledBack'] as const) {
      assert.deepEqual(decisionRefusal({ ...OPEN, phase }, { by: 'bob', decision: 'approve' }), {
        reason: 'not-awaiting-approval',
        phase,
      });
    }
  });

  test('a run is decided once: a decision is refused afterwards, whatever the phase has become', () => {
    const decision = { decision: 'approve' as const, by: 'bob' };
    for (const phase of ['AwaitingApproval', 'CleaningUp'] as const) {
      assert.deepEqual(decisionRefusal({ ...OPEN, phase, decision }, { by: 'bob', decision: 'reject' }), {
        reason: 'already-decided',
        decided: decision,
      });
    }
  });

  test('only approve or reject', () => {
    assert.deepEqual(decisionRefusal(OPEN, { by: 'bob', decision: 'maybe' }), { reason: 'unknown-decision' });
  });

  test('refusals in words name the person and what they may not do', () => {
    const cases: [string, string, RegExp][] = [
      ['alice', 'approve', /^alice requested this migration and cannot approve it$/],
      ['mallory', 'reject', /^mallory is not an approver of this migration \(approvers: bob, alice\)$/],
      ['bob', 'maybe', /^decision must be approve or reject, not maybe$/],
    ];
    for (const [by, decision, expected] of cases) {
      const refusal = decisionRefusal(OPEN, { by, decision });
      assert.ok(refusal);
      assert.match(describeRefusal(refusal, { by, decision }, OPEN), expected);
    }
    const migrating = { ...OPEN, phase: 'Migrating' as const };
    const early = decisionRefusal(migrating, { by: 'bob', decision: 'approve' });
    assert.equal(
      early && describeRefusal(early, { by: 'bob', decision: 'approve' }, migrating),
      'no decision is expected now: the migration is in phase Migrating',
    );
  });

  test('the context of a migration state: its phase, decision, approvers and requester', () => {
    const state = fixtures.approved();
    assert.deepEqual(approvalContextOf(state), {
      phase: 'CleaningUp',
      decision: state.decision,
      approvers: [fixtures.APPROVER, 'U0OTHER'],
      requestedBy: fixtures.REQUESTER,
    });
  });
});

describe('minimum approvals', () => {
  const TWO: ApprovalContext = { ...OPEN, approvers: ['bob', 'carol', 'alice'], minApprovals: 2 };
  const approve = (by: string) => ({ decision: 'approve' as const, by });

  test('two needed: one approval leaves the gate open, the second closes it', () => {
    assert.equal(gateOutcome({ ...TWO, approvals: [approve('bob')] }), 'open');
    assert.equal(gateOutcome({ ...TWO, approvals: [approve('bob'), approve('carol')] }), 'approved');
  });

  test('the same person twice counts once', () => {
    const context = { ...TWO, approvals: [approve('bob'), approve('bob')] };
    assert.deepEqual(countedApprovals(context), ['bob']);
    assert.equal(gateOutcome(context), 'open');
  });

  test('the requester never counts, even if an approval of theirs got in', () => {
    assert.equal(gateOutcome({ ...TWO, approvals: [approve('alice'), approve('bob')] }), 'open');
  });

  test('any approver’s reject closes the gate as rejected, whatever the approvals', () => {
    const context = {
      ...TWO,
      approvals: [approve('bob'), approve('carol'), { decision: 'reject' as const, by: 'bob' }],
    };
    assert.equal(gateOutcome(context), 'rejected');
  });

  test('one approval is the default', () => {
    assert.equal(gateOutcome({ ...OPEN, approvals: [approve('bob')] }), 'approved');
    assert.equal(gateOutcome(OPEN), 'open');
  });

  test('while open, a second approver may still decide; the same approver again is not refused (it counts once)', () => {
    const context = { ...TWO, approvals: [approve('bob')] };
    assert.equal(decisionRefusal(context, { by: 'carol', decision: 'approve' }), undefined);
    assert.equal(decisionRefusal(context, { by: 'bob', decision: 'approve' }), undefined);
  });

  test('the context carries the run’s minimum and its approvals', () => {
    const state = fixtures.awaitingApproval();
    state.input.options.minApprovals = 2;
    state.approvals = [{ decision: 'approve', by: fixtures.APPROVER, at: state.updatedAt }];
    const context = approvalContextOf(state);
    assert.equal(context.minApprovals, 2);
    assert.deepEqual(countedApprovals(context), [fixtures.APPROVER]);
  });
});
