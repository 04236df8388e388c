import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ScansApi } from '../../slack/deps.js';
import type { CompletedScan, ScanRun } from '../../src/temporal/scans.js';
import type { ScanInput } from '../../workflows/scan/messages.js';
import { fleetReport, SCAN_URL } from '../support/fleet-report-fixture.js';
import { openPolicy, startSlackHarness, SIGNING_SECRET, type SlackHarness } from '../support/slack-harness.js';
import { APP_ID, signature, TEAM_ID } from '../support/slack-requests.js';
import { StubMigrations } from '../support/slack-stub-migrations.js';

/** Fleet scans without Temporal: the latest scan is whatever the test sets. */
class StubScans implements ScansApi {
  latestScan: CompletedScan | undefined;
  failure: Error | undefined;
  readonly started: ScanInput[] = [];

  latest(): Promise<CompletedScan | undefined> {
    return this.failure ? Promise.reject(this.failure) : Promise.resolve(this.latestScan);
  }

  start(input: ScanInput): Promise<ScanRun> {
    this.started.push(input);
    return Promise.resolve({ workflowId: 'migrate-identity-scan/1', runId: 'r', url: 'http://temporal/scan-1' });
  }
}

/** An Events API callback, JSON and signed, as Slack posts it. */
async function postEvent(h: SlackHarness, event: Record<string, unknown>): Promise<number> {
  const body = JSON.stringify({
    token: 'deprecated',
    team_id: TEAM_ID,
    api_app_id: APP_ID,
    type: 'event_callback',
    event_id: `Ev${Date.now()}`,
    event_time: Math.floor(Date.now() / 1000),
    event,
  });
  const timestamp = Math.floor(Date.now() / 1000);
  const res = await fetch(h.eventsUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signature(SIGNING_SECRET, timestamp, body),
    },
    body,
  });
  await res.text();
  return res.status;
}

const home = (user = 'U0VIEWER', tab = 'home') => ({
  type: 'app_home_opened',
  user,
  channel: 'D0HOME',
  tab,
  event_ts: '1.2',
});

describe('fleet inventory in Slack', () => {
  let h: SlackHarness;
  let scans: StubScans;
  before(async () => {
    scans = new StubScans();
    // Anyone may start under this policy, so anyone may view the fleet.
    h = await startSlackHarness({ migrations: new StubMigrations(), scans, policy: openPolicy({ users: ['U0APP'] }) });
  });
  after(() => h.close());

  test('/migrate-identity inventory: the latest scan summed up, with a link to the full report', async () => {
    scans.latestScan = { workflowId: 'w', runId: 'r', url: SCAN_URL, report: fleetReport() };
    const res = await h.command('inventory');
    assert.equal(res.status, 200);
    const reply = (await h.response(res.responseId)).body;
    assert.equal(reply.response_type, 'ephemeral');
    assert.equal(reply.text, 'Fleet inventory: 3 service account(s)');
    assert.ok(JSON.stringify(reply).includes(`<${SCAN_URL}|full report in Temporal UI>`));
    assert.deepEqual(scans.started, []);
  });

  test('no scan yet: one starts over the whole fleet, and the reply says so without waiting for it', async () => {
    scans.latestScan = undefined;
    const res = await h.command('inventory');
    const reply = (await h.response(res.responseId)).body;
    assert.equal(reply.text, 'No fleet scan yet: started one');
    assert.equal(scans.started.length, 1);
    assert.deepEqual(scans.started[0]?.clusters, ['sandbox-a', 'sandbox-b', 'sandbox-c', 'sandbox-unhealthy']);
    assert.equal(scans.started[0]?.complete, true);
    const extra = await h.command('inventory payments');
    assert.match(JSON.stringify((await h.response(extra.responseId)).body), /usage: inventory/);
  });

  test('opening the Home tab publishes the fleet overview to that user', async () => {
    scans.latestScan = { workflowId: 'w', runId: 'r', url: SCAN_URL, report: fleetReport() };
    assert.equal(await postEvent(h, home()), 200);
    const publish = await h.api.waitFor(() => h.api.callsTo('views.publish')[0], 'views.publish');
    assert.equal(publish.args.user_id, 'U0VIEWER');
    const view = publish.args.view as { type: string; blocks: { text?: { text: string } }[] };
    assert.equal(view.type, 'home');
    assert.equal(view.blocks[0]?.text?.text, 'Fleet overview');
    assert.match(
      JSON.stringify(view),
      /prod-b\*: 1 service account\(s\), 0 on Pod Identity, :rotating_light: 1 broken/,
    );
  });

  test('the Messages tab publishes nothing; a failed read is logged, not thrown', async () => {
    const before = h.api.callsTo('views.publish').length;
    assert.equal(await postEvent(h, home('U0OTHER', 'messages')), 200);
    scans.failure = new Error('visibility unavailable');
    try {
      assert.equal(await postEvent(h, home('U0THIRD')), 200);
      await h.api.waitFor(
        () => h.logger.lines.find((l) => l.includes('could not publish the Home tab for U0THIRD')),
        'the error log line',
      );
    } finally {
      scans.failure = undefined;
    }
    assert.equal(h.api.callsTo('views.publish').length, before);
  });
});

describe('fleet inventory in Slack without scans', () => {
  test('says scans are not available here', async () => {
    const h = await startSlackHarness({ migrations: new StubMigrations(), policy: openPolicy({ users: ['U0APP'] }) });
    try {
      const res = await h.command('inventory');
      assert.match(
        JSON.stringify((await h.response(res.responseId)).body),
        /fleet scans are not available in this deployment/,
      );
    } finally {
      await h.close();
    }
  });
});

describe('fleet inventory in Slack: the access policy’s view', () => {
  let h: SlackHarness;
  let scans: StubScans;
  const viewersPolicy = (viewers: Record<string, unknown> | undefined) =>
    JSON.stringify({
      rules: [
        {
          name: 'payments',
          namespaces: ['payments'],
          starters: { users: ['U0STARTER'] },
          approvers: { userGroups: ['S0SRE'] },
          operators: { users: ['U0ONCALL'] },
        },
      ],
      ...(viewers && { viewers }),
    });
  const inventoryReply = async (userId: string, channelId?: string) => {
    const res = await h.command('inventory', { userId, ...(channelId && { channelId }) });
    return JSON.stringify((await h.response(res.responseId)).body);
  };
  const homeFor = async (user: string) => {
    const before = h.api.callsTo('views.publish').length;
    assert.equal(await postEvent(h, home(user)), 200);
    const publish = await h.api.waitFor(() => h.api.callsTo('views.publish')[before], `views.publish for ${user}`);
    assert.equal(publish.args.user_id, user);
    return JSON.stringify(publish.args.view);
  };

  before(async () => {
    scans = new StubScans();
    scans.latestScan = { workflowId: 'w', runId: 'r', url: SCAN_URL, report: fleetReport() };
    h = await startSlackHarness({ migrations: new StubMigrations(), scans, policy: viewersPolicy(undefined) });
    h.api.usergroups.set('S0SRE', ['U0SRE']);
    h.api.usergroups.set('S0READERS', ['U0READER']);
  });
  after(() => h.close());

  test('without viewers, everyone the rules name may view: starters, approvers (by user group), operators', async () => {
    for (const user of ['U0STARTER', 'U0SRE', 'U0ONCALL']) {
      assert.match(await inventoryReply(user), /Fleet inventory: 3 service account\(s\)/, user);
      assert.match(await homeFor(user), /prod-b\*: 1 service account/, user);
    }
  });

  test('anyone else is refused: no fleet data, no scan started, one audit log line; the Home tab says why', async () => {
    scans.latestScan = undefined;
    const reply = await inventoryReply('U0OUTSIDER');
    assert.match(reply, /you may not view the fleet inventory: the access policy gives you no role/);
    assert.deepEqual(scans.started, [], 'a refused inventory starts no scan');
    const line = await h.api.waitFor(
      () => h.logger.lines.find((l) => l.includes('refused view of the fleet inventory by U0OUTSIDER')),
      'the audit line',
    );
    assert.match(line, /"action":"view".*"via":"slack".*"outcome":"refused"/);
    scans.latestScan = { workflowId: 'w', runId: 'r', url: SCAN_URL, report: fleetReport() };
    const view = await homeFor('U0OUTSIDER');
    assert.match(view, /:no_entry: you may not view the fleet inventory/);
    assert.doesNotMatch(view, /prod-b|service account\(s\)|Temporal UI/, 'nothing of the fleet');
  });

  test('viewers, when the policy has them, are the only ones: users, user groups, channels; a reload takes effect', async () => {
    h.writePolicy(viewersPolicy({ users: ['U0LEAD'], userGroups: ['S0READERS'], channels: ['C0PLATFORMOPS'] }));
    assert.equal(h.app.reloadPolicy().ok, true);
    assert.match(await inventoryReply('U0LEAD'), /Fleet inventory/);
    assert.match(await inventoryReply('U0READER'), /Fleet inventory/);
    assert.match(await inventoryReply('U0NOBODY', 'C0PLATFORMOPS'), /Fleet inventory/);
    // Named by a rule, but not a viewer: the Home tab they saw before is replaced.
    assert.match(await inventoryReply('U0STARTER'), /the access policy’s viewers do not include you/);
    assert.doesNotMatch(await homeFor('U0STARTER'), /prod-b/);
    assert.match(await homeFor('U0READER'), /prod-b\*: 1 service account/);
  });
});

describe('fleet inventory in Slack without an access policy', () => {
  test('deny by default: the command and the Home tab say how to configure one, and show nothing', async () => {
    const scans = new StubScans();
    scans.latestScan = { workflowId: 'w', runId: 'r', url: SCAN_URL, report: fleetReport() };
    const h = await startSlackHarness({ migrations: new StubMigrations(), scans });
    try {
      const res = await h.command('inventory');
      const reply = JSON.stringify((await h.response(res.responseId)).body);
      assert.match(reply, /The fleet inventory is not shown in Slack yet: no access policy is configured/);
      assert.doesNotMatch(reply, /service account\(s\)/);
      assert.equal(await postEvent(h, home()), 200);
      const publish = await h.api.waitFor(() => h.api.callsTo('views.publish')[0], 'views.publish');
      assert.match(JSON.stringify(publish.args.view), /no access policy is configured/);
      assert.doesNotMatch(JSON.stringify(publish.args.view), /prod-b/);
      assert.deepEqual(scans.started, []);
    } finally {
      await h.close();
    }
  });
});
