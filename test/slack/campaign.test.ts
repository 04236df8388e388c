import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CampaignsApi, ScansApi } from '../../slack/deps.js';
import type { CampaignInput, CampaignState } from '../../src/domain/campaign.js';
import { MigrationRequestError } from '../../src/temporal/migrations.js';
import type { StartedCampaign } from '../../src/temporal/campaigns.js';
import type { CompletedScan, ScanRun } from '../../src/temporal/scans.js';
import type { WaveApprovalRequest } from '../../workflows/campaign/messages.js';
import type { ScanInput } from '../../workflows/scan/messages.js';
import { campaignState } from '../support/campaign-fixtures.js';
import { fleetReport, SCAN_URL } from '../support/fleet-report-fixture.js';
import { openPolicy, startSlackHarness, type SlackHarness } from '../support/slack-harness.js';
import { StubMigrations } from '../support/slack-stub-migrations.js';

class StubScans implements ScansApi {
  latestScan: CompletedScan | undefined = { workflowId: 'w', runId: 'r', url: SCAN_URL, report: fleetReport() };
  readonly started: ScanInput[] = [];
  latest(): Promise<CompletedScan | undefined> {
    return Promise.resolve(this.latestScan);
  }
  start(input: ScanInput): Promise<ScanRun> {
    this.started.push(input);
    return Promise.resolve({ workflowId: 'migrate-identity-scan/1', runId: 'r', url: 'http://temporal/scan-1' });
  }
}

/** Campaigns without Temporal: what the Slack app asked for, and one campaign to read. */
class StubCampaigns implements CampaignsApi {
  readonly starts: CampaignInput[] = [];
  readonly approvals: (WaveApprovalRequest & { id: string })[] = [];
  readonly signals: string[] = [];
  state(id: string): Promise<CampaignState> {
    if (id !== 'q3-shop') return Promise.reject(new MigrationRequestError(`no campaign ${id} found`, 'not-found'));
    return Promise.resolve(campaignState());
  }
  start(input: CampaignInput): Promise<StartedCampaign> {
    this.starts.push(input);
    return Promise.resolve({ campaignId: input.campaignId, workflowId: 'w', runId: 'r', url: 'http://ui/campaign' });
  }
  approve(id: string, request: WaveApprovalRequest): Promise<CampaignState> {
    this.approvals.push({ id, ...request });
    return Promise.resolve(campaignState());
  }
  pause(id: string, by: string): Promise<void> {
    this.signals.push(`pause ${id} ${by}`);
    return Promise.resolve();
  }
  resume(id: string, by: string): Promise<void> {
    this.signals.push(`resume ${id} ${by}`);
    return Promise.resolve();
  }
  abort(id: string, by: string): Promise<void> {
    this.signals.push(`abort ${id} ${by}`);
    return Promise.resolve();
  }
  url(id: string): string {
    return `http://ui/campaign/${id}`;
  }
  listUrl(id: string): string {
    return `http://ui/list/${id}`;
  }
  migrationUrl(workflowId: string, runId?: string): string {
    return `http://ui/${workflowId}/${runId ?? ''}`;
  }
}

/** Two people may start; two may approve (one of them a starter too); one more may operate. */
const POLICY = JSON.stringify({
  rules: [
    {
      name: 'everything',
      namespaces: ['*'],
      clusters: ['*'],
      starters: { users: ['U0REQUESTER', 'U0APPROVER'] },
      approvers: { users: ['U0APPROVER', 'U0LEAD'] },
      operators: { users: ['U0ONCALL'] },
    },
  ],
});

describe('/migrate-identity campaign', () => {
  let h: SlackHarness;
  let scans: StubScans;
  let campaigns: StubCampaigns;
  const reply = async (text: string, userId = 'U0REQUESTER') => {
    const res = await h.command(text, { userId });
    assert.equal(res.status, 200);
    return (await h.response(res.responseId)).body;
  };

  before(async () => {
    scans = new StubScans();
    campaigns = new StubCampaigns();
    h = await startSlackHarness({ migrations: new StubMigrations(), scans, campaigns, policy: POLICY });
  });
  after(() => h.close());

  test('plan: the waves of the latest scan, nothing started', async () => {
    const body = await reply('campaign plan --waves all');
    assert.equal(body.response_type, 'ephemeral');
    assert.equal(body.text, 'Campaign plan: 1 service account(s) in 1 wave(s)');
    assert.match(JSON.stringify(body), /:triangular_flag_on_post: `payments\/api` prod-a → prod-b/);
    assert.deepEqual(campaigns.starts, []);
  });

  test("start: the campaign posts in this channel; the access rule's approvers approve it", async () => {
    const body = await reply('campaign start --waves 1 --concurrency 2');
    assert.match(String(body.text), /^Started campaign \d{8}-[a-z0-9]+$/);
    const input = campaigns.starts.at(-1);
    assert.deepEqual(input?.notify, { slack: { channel: 'C0CHANNEL', teamId: 'T0TEAM' } });
    assert.equal(input?.requestedBy, 'U0REQUESTER');
    assert.deepEqual(input?.approvers, ['U0APPROVER', 'U0LEAD']);
    assert.deepEqual(input?.options.approvers, ['U0APPROVER', 'U0LEAD']);
    assert.equal(input?.limits.concurrency, 2);
    assert.deepEqual(
      input?.items.map((i) => i.serviceAccount.name),
      ['api'],
    );
    await reply('campaign start --waves 1 --approvers U0LEAD');
    assert.deepEqual(campaigns.starts.at(-1)?.approvers, ['U0LEAD'], '--approvers narrows');
  });

  test('bad input and refusals: one line, nothing started', async () => {
    const before = campaigns.starts.length;
    assert.match(JSON.stringify(await reply('campaign start')), /say what to migrate/);
    assert.match(JSON.stringify(await reply('campaign start --waves 3')), /no wave 3: the slices have waves 1/);
    assert.match(
      JSON.stringify(await reply('campaign start --waves 1', 'U0STRANGER')),
      /you are not allowed to start migrations of namespace payments on prod-a, prod-b \(access rule everything\)/,
    );
    assert.match(
      JSON.stringify(await reply('campaign start --waves 1 --approvers U0OTHER')),
      /--approvers may only narrow the approvers that access rule\(s\) everything all give, never add to them: refused U0OTHER/,
    );
    assert.match(
      JSON.stringify(await reply('campaign plan --waves all', 'U0STRANGER')),
      /you may not view the fleet inventory/,
    );
    assert.match(JSON.stringify(await reply('campaign frobnicate')), /usage: campaign plan, start/);
    assert.equal(campaigns.starts.length, before);
  });

  test('no full scan yet: one starts, and the reply says so', async () => {
    scans.latestScan = undefined;
    try {
      const body = await reply('campaign plan --waves all');
      assert.equal(body.text, 'No fleet scan yet: started one');
      assert.equal(scans.started.length, 1);
    } finally {
      scans.latestScan = { workflowId: 'w', runId: 'r', url: SCAN_URL, report: fleetReport() };
    }
  });

  test('status, approve as the one who clicks, pause and abort by those allowed', async () => {
    const status = await reply('campaign status q3-shop');
    assert.equal(status.text, 'campaign q3-shop: Running');
    assert.match(JSON.stringify(status), /http:\/\/ui\/list\/q3-shop/);
    assert.match(JSON.stringify(await reply('campaign status nope')), /no campaign nope found/);

    await reply('campaign approve q3-shop --wave 2', 'U0APPROVER');
    assert.deepEqual(campaigns.approvals.at(-1), { id: 'q3-shop', by: 'U0APPROVER', wave: 2 });

    assert.match(
      JSON.stringify(await reply('campaign abort q3-shop', 'U0STRANGER')),
      /you may not abort this campaign: only the requester, the approvers and the operators/,
    );
    await reply('campaign pause q3-shop', 'U0APPROVER');
    await reply('campaign resume q3-shop', 'U0ONCALL');
    await reply('campaign abort q3-shop');
    assert.deepEqual(campaigns.signals, [
      'pause q3-shop U0APPROVER',
      'resume q3-shop U0ONCALL',
      'abort q3-shop U0REQUESTER',
    ]);
  });
});

describe('/migrate-identity campaign: policies, and without campaigns', () => {
  test("the campaign policy's namespaces kept on IRSA are left out", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mi-slack-policy-'));
    writeFileSync(join(dir, 'policy.yaml'), 'namespaces:\n  - match: [payments]\n    keepIrsa: true\n');
    const h = await startSlackHarness({
      migrations: new StubMigrations(),
      scans: new StubScans(),
      campaigns: new StubCampaigns(),
      policy: openPolicy({ users: ['U0APPROVER'] }),
      env: { MIGRATE_IDENTITY_CAMPAIGN_POLICY: join(dir, 'policy.yaml') },
    });
    try {
      const res = await h.command('campaign plan --waves all');
      assert.match(JSON.stringify((await h.response(res.responseId)).body), /no migratable service account matches/);
    } finally {
      await h.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a rule asking for two approvals cannot be met by one wave approval: per service account it can', async () => {
    const campaigns = new StubCampaigns();
    const h = await startSlackHarness({
      migrations: new StubMigrations(),
      scans: new StubScans(),
      campaigns,
      policy: openPolicy({ users: ['U0APPROVER', 'U0LEAD'], minApprovals: 2 }),
    });
    try {
      const wave = await h.command('campaign start --waves 1');
      assert.match(
        JSON.stringify((await h.response(wave.responseId)).body),
        /access rule test needs 2 approvals per migration, and a wave approval is one: use --approval service-account/,
      );
      const each = await h.command('campaign start --waves 1 --approval service-account');
      assert.match(String((await h.response(each.responseId)).body.text), /^Started campaign/);
      assert.equal(campaigns.starts.at(-1)?.options.minApprovals, 2);
    } finally {
      await h.close();
    }
  });

  test('without an access policy Slack starts no campaign', async () => {
    const h = await startSlackHarness({
      migrations: new StubMigrations(),
      scans: new StubScans(),
      campaigns: new StubCampaigns(),
    });
    try {
      const res = await h.command('campaign start --waves 1');
      assert.match(JSON.stringify((await h.response(res.responseId)).body), /no access policy is configured/);
    } finally {
      await h.close();
    }
  });

  test('says campaigns are not available here', async () => {
    const h = await startSlackHarness({ migrations: new StubMigrations() });
    try {
      const res = await h.command('campaign status q3');
      assert.match(JSON.stringify((await h.response(res.responseId)).body), /campaigns are not available/);
    } finally {
      await h.close();
    }
  });
});
