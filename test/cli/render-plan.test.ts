import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderPlan } from '../../src/cli/render.js';
import type { MigrationPlan } from '../../src/domain/migration-state.js';

const ROLE = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';
const TARGET = 'arn:aws:iam::444455556666:role/payments-data';

function plan(association: MigrationPlan['clusters'][number]['association']): MigrationPlan {
  return {
    serviceAccount: 'payments/reconciler',
    roleArn: ROLE,
    trust: { addPodIdentityStatement: true, sizeBefore: 400, sizeAfter: 700, limit: 2048 },
    clusters: [
      {
        cluster: 'sandbox-a',
        association,
        workloadsToRestart: [{ kind: 'Deployment', namespace: 'payments', name: 'reconciler' }],
        irsaAnnotation: ROLE,
      },
    ],
    cleanup: { removeAnnotations: ['sandbox-a'], removeIrsaTrustForIssuers: [], keepIrsaTrust: false },
    findings: [],
    blocked: false,
  };
}

describe('renderPlan: the association each cluster gets', () => {
  test('names the target role the association chains to', () => {
    const text = renderPlan(plan({ action: 'create', roleArn: ROLE, targetRoleArn: TARGET }));
    assert.match(text, new RegExp(`^sandbox-a: create association \\(target role ${TARGET}\\); restart`, 'm'));
  });

  test('without a target role, says nothing of one', () => {
    const text = renderPlan(plan({ action: 'reuse', roleArn: ROLE, existingId: 'a-1' }));
    assert.match(text, /^sandbox-a: reuse association a-1; restart deployment\/reconciler/m);
    assert.doesNotMatch(text, /target role/);
  });
});
