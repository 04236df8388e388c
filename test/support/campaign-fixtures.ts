/** Campaign states and digests at fixed times, for Slack views and listeners. */
import { campaignDigest, type CampaignDigest, type CampaignState } from '../../src/domain/campaign.js';
import { workflowIdFor } from '../../src/domain/workflow-id.js';

export const T0 = '2025-06-01T09:00:00.000Z';
export const T1 = '2025-06-01T09:20:00.000Z';
const role = (name: string) => `arn:aws:iam::111122223333:role/${name}`;

/** Wave 1 done (one rolled back), wave 2 running with one waiting for its role. */
export function campaignState(overrides: Partial<CampaignState> = {}): CampaignState {
  return {
    campaignId: 'q3-shop',
    workflowId: 'migrate-identity-campaign/q3-shop',
    phase: 'Running',
    wave: 2,
    requestedBy: 'U0REQUESTER',
    approvers: ['U0APPROVER', 'U0REQUESTER'],
    approval: 'wave',
    limits: { concurrency: 3, perCluster: 2, failureBudget: 2 },
    items: [
      {
        serviceAccount: { namespace: 'shop', name: 'catalog' },
        roleArn: role('catalog'),
        clusters: ['dev-a'],
        wave: 1,
      },
      { serviceAccount: { namespace: 'shop', name: 'images' }, roleArn: role('images'), clusters: ['dev-a'], wave: 1 },
      {
        serviceAccount: { namespace: 'shop', name: 'cart' },
        roleArn: role('ml'),
        clusters: ['dev-a', 'prod-a'],
        wave: 2,
      },
      { serviceAccount: { namespace: 'shop', name: 'ranking' }, roleArn: role('ml'), clusters: ['prod-a'], wave: 2 },
    ],
    startedAt: T0,
    updatedAt: T1,
    children: [
      {
        status: 'done',
        runId: 'run-catalog',
        startedAt: T0,
        endedAt: T0,
        outcome: 'Completed',
        slackTs: '1717232400.000200',
      },
      {
        status: 'done',
        runId: 'run-images',
        startedAt: T0,
        endedAt: T1,
        outcome: 'RolledBack',
        failure: 'VerificationFailed: dev-a: expected every pod on pod-identity',
        slackTs: '1717232400.000300',
      },
      { status: 'running', runId: 'run-cart', startedAt: T1, slackTs: '1717232400.000400' },
      { status: 'pending' },
    ],
    approvals: [
      { wave: 1, by: 'U0APPROVER', at: T0 },
      { wave: 2, by: 'U0APPROVER', at: T1, reason: 'looks good' },
    ],
    failuresSinceResume: 1,
    runs: 1,
    warnings: [],
    slackThread: { channel: 'C0CHANNEL', threadTs: '1717232400.000100' },
    ...overrides,
  };
}

export function digest(state: CampaignState = campaignState()): CampaignDigest {
  return campaignDigest(state, (item) => workflowIdFor(item.serviceAccount));
}
