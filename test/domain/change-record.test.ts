import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { changeRecord } from '../../src/domain/change-record.js';
import type { MigrationState, StepRecord } from '../../src/domain/migration-state.js';
import { DEFAULT_OPTIONS } from '../../src/domain/types.js';

const ROLE = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';
const step = (name: StepRecord['step'], detail: string): StepRecord => ({
  step: name,
  status: 'succeeded',
  startedAt: '2025-01-02T00:00:00.000Z',
  finishedAt: '2025-01-02T00:01:00.000Z',
  detail,
});
const reconciler = { kind: 'Deployment' as const, namespace: 'payments', name: 'reconciler' };
const irsaStatement = {
  Effect: 'Allow' as const,
  Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/AAA' },
  Action: 'sts:AssumeRoleWithWebIdentity',
};

function observedRun(): MigrationState {
  const clusterSteps = (cluster: string) => [
    step('create-association', `association a-${cluster} created`),
    step('restart', 'deployment/reconciler rolled out'),
    step('verify', '2 pod(s) on Pod Identity; caller identity eks-…'),
    step('remove-annotation', `IRSA annotation removed (was ${ROLE})`),
    step('cleanup-restart', 'deployment/reconciler rolled out'),
    step('cleanup-verify', '2 pod(s) on Pod Identity'),
  ];
  return {
    workflowId: 'migrate-identity/payments/reconciler',
    runTag: 'migrate-identity/payments/reconciler/run-1',
    input: {
      serviceAccount: { namespace: 'payments', name: 'reconciler' },
      roleArn: ROLE,
      clusters: ['sandbox-a', 'sandbox-b'],
      requestedBy: 'alice',
      options: { ...DEFAULT_OPTIONS, approvers: ['bob'] },
      origin: { via: 'cli' },
    },
    phase: 'Completed',
    paused: false,
    startedAt: '2025-01-02T00:00:00.000Z',
    updatedAt: '2025-01-09T01:00:00.000Z',
    clusters: ['sandbox-a', 'sandbox-b'].map((cluster) => ({
      cluster,
      status: 'cleaned' as const,
      steps: clusterSteps(cluster),
      createdAssociationId: `a-${cluster}`,
    })),
    findings: [],
    warnings: [],
    rollbackNote: {
      previousAnnotations: { 'sandbox-a': ROLE, 'sandbox-b': ROLE },
      workloads: { 'sandbox-a': [{ ref: reconciler }], 'sandbox-b': [{ ref: reconciler }] },
      addedTrustStatementSid: 'MigrateIdentityPodIdentity',
      podIdentityTrustedBefore: false,
      removedIrsaTrust: { Version: '2012-10-17', Statement: [irsaStatement] },
    },
    approvals: [{ decision: 'approve', by: 'bob', at: '2025-01-02T01:00:00.000Z', reason: 'looks good' }],
    decision: { decision: 'approve', by: 'bob', at: '2025-01-02T01:00:00.000Z' },
    audit: [
      { at: '2025-01-02T00:00:00.000Z', action: 'start', by: 'alice', via: 'cli' },
      { at: '2025-01-02T01:00:00.000Z', action: 'approve', by: 'bob', via: 'slack' },
      { at: '2025-01-02T01:00:01.000Z', action: 'approve', by: 'mallory', refused: 'not an approver' },
    ],
    observation: {
      startedAt: '2025-01-02T01:10:00.000Z',
      endsAt: '2025-01-09T01:10:00.000Z',
      sampleSeconds: 14_400,
      baseline: {
        from: '2025-01-01T00:00:00.000Z',
        to: '2025-01-02T00:00:00.000Z',
        clusters: { 'sandbox-a': { count: 0, agent: 0, codes: {}, pods: [], eventIds: [] } },
      },
      samples: [],
      sampleCount: 42,
      alerts: [],
      alertedKeys: [],
      digestsSent: 7,
      roleUsers: [],
      ended: { at: '2025-01-09T01:00:00.000Z', by: 'bob', reason: 'quiet week', early: true },
    },
  };
}

describe('the change record', () => {
  test('says what changed per cluster, the evidence, who approved, and the exact rollback in the workflow’s order', () => {
    const record = changeRecord(observedRun());
    assert.match(record, /^# Change record: payments\/reconciler to EKS Pod Identity/);
    assert.match(record, /\| Approved by \| bob at 2025-01-02T01:00:00.000Z \(looks good\) \|/);
    assert.match(
      record,
      /\| Outcome \| completed: on Pod Identity, IRSA cleaned up, observed until 2025-01-09T01:00:00.000Z \(ended early by bob: quiet week\) \|/,
    );
    assert.match(
      record,
      /### sandbox-a \(cleaned\)\n\n- Pod Identity association `a-sandbox-a` created by this change\n- IRSA annotation removed/,
    );
    assert.match(
      record,
      /\| verify \| succeeded \| 2025-01-02T00:01:00.000Z \| 2 pod\(s\) on Pod Identity; caller identity eks-… \|/,
    );
    assert.match(record, /Trust: Pod Identity statement `MigrateIdentityPodIdentity` added by this change/);
    assert.match(record, /Observation: 7d from 2025-01-02T01:10:00.000Z, 42 sample\(s\) every 4h, 0 alert\(s\)/);
    assert.match(record, /- 2025-01-02T01:00:00.000Z bob approve \(slack\)/);
    assert.match(record, /1 refused attempt/);
    assert.doesNotMatch(record, /mallory/);

    const rollback = record.slice(record.indexOf('## Rollback'));
    const fenced = rollback.slice(rollback.indexOf('```sh\n') + 6, rollback.lastIndexOf('\n```'));
    assert.deepEqual(
      fenced.split('\n').map((l) => l.split(/\s+/).slice(0, 3).join(' ')),
      [
        '# role eks-payments-reconciler:',
        'aws iam get-role',
        '# sandbox-b',
        'kubectl -n payments',
        'aws eks delete-pod-identity-association',
        'sleep 30 #',
        'kubectl -n payments',
        'kubectl -n payments',
        '# sandbox-a',
        'kubectl -n payments',
        'aws eks delete-pod-identity-association',
        'sleep 30 #',
        'kubectl -n payments',
        'kubectl -n payments',
        '# role eks-payments-reconciler:',
        'aws iam get-role',
      ],
    );
    assert.match(
      rollback,
      /jq '\.Statement \+= \[\{"Effect":"Allow","Principal":\{"Federated":"arn:aws:iam::111122223333:oidc-provider/,
    );
    assert.match(
      rollback,
      /kubectl -n payments annotate serviceaccount reconciler eks.amazonaws.com\/role-arn=arn:aws:iam::111122223333:role\/eks-payments-reconciler --overwrite/,
    );
    assert.match(rollback, /--cluster-name sandbox-b --association-id a-sandbox-b/);
    assert.match(
      rollback,
      /rollout restart deployment\/reconciler && kubectl -n payments rollout status deployment\/reconciler --timeout=600s/,
    );
    assert.match(rollback, /del\(\.Statement\[\] \| select\(\.Sid == "MigrateIdentityPodIdentity"\)\)/);
  });

  test('a run the workflow rolled back needs nothing; one whose rollback failed lists its manual steps', () => {
    const rolledBack = { ...observedRun(), phase: 'RolledBack' as const };
    rolledBack.failure = {
      type: 'RollbackRequested',
      message: 'rollback requested by bob',
      at: '2025-01-03T00:00:00.000Z',
    };
    assert.match(
      changeRecord(rolledBack),
      /\| Outcome \| rolled back to IRSA \(RollbackRequested: rollback requested by bob\) \|/,
    );
    assert.match(
      changeRecord(rolledBack),
      /## Rollback\n\nRolled back by the run: every cluster is on IRSA as before\. Nothing to do\./,
    );
    const failed = {
      ...observedRun(),
      phase: 'RollbackFailed' as const,
      manualSteps: ['sandbox-b: kubectl -n payments rollout restart deployment/reconciler  # RolloutFailed'],
    };
    assert.match(
      changeRecord(failed),
      /```sh\nsandbox-b: kubectl -n payments rollout restart deployment\/reconciler {2}# RolloutFailed\n```/,
    );
  });

  test('a run still migrating documents how to roll back the clusters it touched so far', () => {
    const state = observedRun();
    state.phase = 'Migrating';
    state.clusters[1]!.steps = [];
    state.clusters[1]!.status = 'pending';
    delete state.clusters[1]!.createdAssociationId;
    state.clusters[0]!.steps = state.clusters[0]!.steps.slice(0, 3);
    delete state.rollbackNote.removedIrsaTrust;
    const rollback = changeRecord(state).slice(changeRecord(state).indexOf('## Rollback'));
    assert.match(rollback, /`migrate-identity rollback <ns>\/<sa>`/);
    assert.doesNotMatch(rollback, /sandbox-b/);
    assert.doesNotMatch(rollback, /annotate serviceaccount/, 'the annotation was never removed');
    assert.match(rollback, /--association-id a-sandbox-a/);
  });
});
