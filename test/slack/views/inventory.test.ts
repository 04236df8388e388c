import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  fleetHomeView,
  inventorySummaryReply,
  newDriftMessage,
  scanStartedReply,
} from '../../../slack/views/inventory.js';
import { blockLimitViolations, LIMITS } from '../../../slack/views/limits.js';
import type { DriftFinding } from '../../../src/domain/drift.js';
import { fleetReport, SCAN_URL } from '../../support/fleet-report-fixture.js';
import { matchSnapshot } from '../../support/slack-snapshot.js';

const text = (value: unknown) => JSON.stringify(value);

describe('inventory views', () => {
  test('the /migrate-identity inventory summary: counts, what is urgent, the link to the full report', () => {
    const reply = inventorySummaryReply({ report: fleetReport(), url: SCAN_URL });
    matchSnapshot('inventory-summary', reply);
    assert.deepEqual(blockLimitViolations(reply.blocks), []);
    assert.match(text(reply), /:rotating_light: broken now \*1\*/);
    assert.match(text(reply), /prod-b payments\/api: role api's trust lacks this cluster's OIDC issuer or subject/);
    assert.ok(text(reply).includes(`<${SCAN_URL}|full report in Temporal UI>`));
    assert.match(text(reply), /unreadable: prod-c/);
  });

  test('no finished scan yet: one was started, with its link', () => {
    const reply = scanStartedReply('http://temporal/scan-1');
    matchSnapshot('inventory-scan-started', reply);
    assert.match(text(reply), /<http:\/\/temporal\/scan-1\|follow it in Temporal UI>/);
  });

  test('the App Home overview: clusters, drift, migrations running; and before any scan', () => {
    const home = fleetHomeView({ report: fleetReport(), url: SCAN_URL });
    matchSnapshot('app-home', home);
    assert.equal(home.type, 'home');
    assert.deepEqual(blockLimitViolations(home.blocks, LIMITS.blocksPerModal), []);
    assert.match(text(home), /\*prod-b\*: 1 service account\(s\), 0 on Pod Identity, :rotating_light: 1 broken/);
    assert.match(text(home), /\*prod-a\*: 2 service account\(s\), 1 on Pod Identity\\n/);
    assert.match(text(home), /:x: \*prod-c\*: could not be read \(AccessDenied: eks:DescribeCluster\)/);
    assert.match(text(home), /Migrations running\*\\n• `payments\/worker` in prod-a/);
    const empty = fleetHomeView(undefined);
    matchSnapshot('app-home-empty', empty);
    assert.match(text(empty), /No fleet scan has finished yet/);
  });

  test('new drift for the channel: the findings, the fix for what is broken, totals and the link', () => {
    const report = fleetReport();
    const message = newDriftMessage(
      {
        workflowId: 'scan-1',
        scannedAt: report.scannedAt,
        newFindings: report.findings,
        totals: report.summary.findings,
      },
      SCAN_URL,
    );
    matchSnapshot('drift-new', message);
    assert.deepEqual(blockLimitViolations(message.blocks), []);
    assert.match(message.text, /^2 new drift finding\(s\), 1 broken now$/);
    assert.match(text(message), /aws iam update-assume-role-policy --role-name api/);
  });

  test('a fleet with hundreds of findings stays within Slack’s limits', () => {
    const report = fleetReport();
    const many: DriftFinding[] = Array.from({ length: 500 }, (_, i) => ({
      ...report.findings[0]!,
      key: `k${i}`,
      message: `finding ${i} ${'x'.repeat(400)}`,
      fix: ['y'.repeat(5000)],
    }));
    const big = { ...report, findings: many };
    assert.deepEqual(blockLimitViolations(inventorySummaryReply({ report: big, url: SCAN_URL }).blocks), []);
    assert.deepEqual(
      blockLimitViolations(fleetHomeView({ report: big, url: SCAN_URL }).blocks, LIMITS.blocksPerModal),
      [],
    );
    const post = { workflowId: 'w', scannedAt: report.scannedAt, newFindings: many, totals: report.summary.findings };
    assert.deepEqual(blockLimitViolations(newDriftMessage(post, SCAN_URL).blocks), []);
  });
});
