import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagnosisReply, diagnosisStartedReply } from '../../../slack/views/diagnosis.js';
import { blockLimitViolations } from '../../../slack/views/limits.js';
import type { Diagnosis } from '../../../src/domain/diagnosis.js';
import { DIAGNOSIS_CHECKS } from '../../../src/domain/diagnosis.js';
import { diagnosisFixture, DIAGNOSIS_URL } from '../../support/diagnosis-fixture.js';
import { matchSnapshot } from '../../support/slack-snapshot.js';

test('the diagnosis matrix and the reply that starts it, as Slack receives them', () => {
  matchSnapshot('diagnosis', diagnosisReply(diagnosisFixture(), DIAGNOSIS_URL));
  matchSnapshot(
    'diagnosis-started',
    diagnosisStartedReply('orders/checkout', ['sandbox-a', 'sandbox-b'], DIAGNOSIS_URL),
  );
});

test('a fleet of 40 clusters with long reasons stays within Block Kit limits', () => {
  const clusters = Array.from({ length: 40 }, (_, i) => `cluster-${i}`);
  const diagnosis: Diagnosis = {
    ...diagnosisFixture(),
    clusters,
    rows: clusters.flatMap((cluster) =>
      DIAGNOSIS_CHECKS.map((check) => ({
        cluster,
        check,
        status: 'fail' as const,
        reason: 'x'.repeat(900),
        next: 'y'.repeat(900),
      })),
    ),
  };
  const reply = diagnosisReply(diagnosis, DIAGNOSIS_URL);
  assert.deepEqual(blockLimitViolations(reply.blocks ?? []), []);
});
