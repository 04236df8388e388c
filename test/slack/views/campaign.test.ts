import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CampaignState } from '../../../src/domain/campaign.js';
import { buildSlices } from '../../../src/domain/slices.js';
import { blockLimitViolations } from '../../../slack/views/limits.js';
import type { SlackMessage } from '../../../slack/views/block-kit.js';
import {
  campaignEventReply,
  campaignMessage,
  campaignPlanReply,
  campaignStartedReply,
  type CampaignLinks,
} from '../../../slack/views/campaign.js';
import { LIMITS } from '../../../slack/views/limits.js';
import { campaignState, digest, T1 } from '../../support/campaign-fixtures.js';
import { fleetReport } from '../../support/fleet-report-fixture.js';
import { matchSnapshot } from '../../support/slack-snapshot.js';

const LINKS: CampaignLinks = {
  run: 'http://127.0.0.1:8233/namespaces/default/workflows/migrate-identity-campaign%2Fq3-shop',
  list: 'http://127.0.0.1:8233/namespaces/default/workflows?query=CampaignId%20%3D%20%22q3-shop%22',
  migration: (workflowId, runId) =>
    `http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${runId ?? ''}`,
  permalinks: new Map([['1717232400.000300', 'https://example.slack.com/archives/C0CHANNEL/p1717232400000300']]),
};

function withinLimits(message: SlackMessage): void {
  assert.deepEqual(blockLimitViolations(message.blocks), []);
  assert.ok(message.text.length > 0 && message.text.length <= LIMITS.messageText);
}

const STATES: Record<string, () => CampaignState> = {
  running: () => campaignState(),
  'awaiting-approval': () =>
    campaignState({
      phase: 'AwaitingApproval',
      children: campaignState().children.map((c, i) => (i < 2 ? c : { status: 'pending' })),
      approvals: [{ wave: 1, by: 'U0APPROVER', at: T1 }],
    }),
  paused: () =>
    campaignState({
      phase: 'Paused',
      paused: { by: 'the failure budget', at: T1, reason: '2 migration(s) failed (budget 2)' },
    }),
  aborted: () =>
    campaignState({
      phase: 'Aborted',
      abortRequested: { by: 'U0APPROVER', at: T1 },
      children: campaignState().children.map((c, i) =>
        i === 2
          ? { ...c, status: 'done', outcome: 'RolledBack', failure: 'Aborted: aborted by U0APPROVER', endedAt: T1 }
          : i === 3
            ? { status: 'done', outcome: 'Skipped', failure: 'not started: the campaign was aborted', endedAt: T1 }
            : c,
      ),
    }),
};

describe('campaign message', () => {
  for (const [name, state] of Object.entries(STATES)) {
    test(name, () => {
      const message = campaignMessage(digest(state()), LINKS);
      matchSnapshot(`campaign-${name}`, message);
      withinLimits(message);
    });
  }

  test('counts per phase, the failure linked to its thread and its run, the Temporal UI links', () => {
    const text = JSON.stringify(campaignMessage(digest(), LINKS));
    for (const part of [
      'completed *1*',
      'rolled back *1*',
      'running *1*',
      'waiting *1*',
      '<https://example.slack.com/archives/C0CHANNEL/p1717232400000300|thread>',
      'run-images|run>',
      LINKS.list,
      '<@U0REQUESTER>',
    ]) {
      assert.ok(text.includes(part), `missing ${part}`);
    }
  });

  test('awaiting approval names the approvers (never the requester) and the command', () => {
    const text = JSON.stringify(campaignMessage(digest(STATES['awaiting-approval']!()), LINKS));
    assert.match(text, /Wave 2 waits for approval\* by <@U0APPROVER>:/);
    assert.match(text, /\/migrate-identity campaign approve q3-shop/);
  });

  test('a thousand failures stay within the limits: the ten latest, and how many more', () => {
    const base = campaignState();
    const items = Array.from({ length: 1000 }, (_, i) => ({
      ...base.items[1]!,
      serviceAccount: { namespace: `ns-${'x'.repeat(50)}`, name: `sa-${i}-${'y'.repeat(150)}` },
    }));
    const children = items.map(() => ({ ...base.children[1]!, failure: 'F'.repeat(500) }));
    const message = campaignMessage(digest(campaignState({ items, children })), LINKS);
    withinLimits(message);
    assert.match(JSON.stringify(message), /and 990 more/);
  });
});

describe('campaign replies', () => {
  test('snapshots', () => {
    const started = campaignEventReply({
      kind: 'paused',
      text: 'paused by the failure budget: 2 failed',
      campaign: digest(),
    });
    matchSnapshot('campaign-reply-paused', started);
    const plan = campaignPlanReply(
      {
        campaignId: 'q3-shop',
        requestedBy: 'U0REQUESTER',
        items: campaignState().items,
        approvers: ['U0APPROVER'],
        approval: 'wave',
        limits: { concurrency: 3, perCluster: 2, failureBudget: 2 },
        options: {
          consistencyWaitSeconds: 30,
          soakSeconds: 300,
          approvers: ['U0APPROVER'],
          approvalReminderSeconds: 86400,
          approvalWindowSeconds: 604800,
          onApprovalTimeout: 'hold',
          keepIrsaTrust: false,
          rolloutTimeoutSeconds: 600,
        },
      },
      buildSlices(fleetReport()),
    );
    matchSnapshot('campaign-plan', plan);
    matchSnapshot('campaign-started', campaignStartedReply('q3-shop', 4, LINKS.run));
    for (const m of [started, plan]) withinLimits(m);
  });
});
