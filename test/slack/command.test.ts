import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openPolicy, startSlackHarness, type SlackHarness } from '../support/slack-harness.js';
import * as fixtures from '../support/slack-fixtures.js';
import { StubMigrations } from '../support/slack-stub-migrations.js';

const ROLE = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';
const START = `payments/reconciler --role ${ROLE} --clusters sandbox-a,sandbox-b`;

interface Reply {
  response_type?: string;
  text?: string;
  blocks?: unknown[];
}

async function reply(h: SlackHarness, responseId: string): Promise<Reply & { all: string }> {
  const body = (await h.response(responseId)).body as Reply;
  return { ...body, all: JSON.stringify(body) };
}

describe('/migrate-identity over the HTTP receiver', () => {
  let h: SlackHarness;
  let migrations: StubMigrations;

  before(async () => {
    migrations = new StubMigrations();
    h = await startSlackHarness({
      migrations,
      policy: openPolicy({ users: ['U0APPROVER'], userGroups: ['S0PLATFORM'] }),
    });
    h.api.usergroups.set('S0PLATFORM', ['U0GROUPIE', 'U0REQUESTER']);
  });
  after(() => h.close());

  test('Bolt verified its token with auth.test against the stand-in', () => {
    assert.equal(h.api.callsTo('auth.test').length, 1);
  });

  test('a bad signature gets 401 and starts nothing', async () => {
    const res = await h.command(START, {}, { signature: 'v0=deadbeef' });
    assert.equal(res.status, 401);
    const wrongSecret = await h.command(START, {}, { secret: 'not-the-secret' });
    assert.equal(wrongSecret.status, 401);
    assert.equal(migrations.starts.length, 0);
    assert.equal(h.api.responses.length, 0);
  });

  test('a correctly signed but stale request (6 minutes old) gets 401 and starts nothing', async () => {
    const res = await h.command(START, {}, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    assert.equal(res.status, 401);
    assert.equal(migrations.starts.length, 0);
  });

  test('help answers ephemerally with the usage', async () => {
    const res = await h.command('help');
    assert.equal(res.status, 200);
    const body = await reply(h, res.responseId);
    assert.equal(body.response_type, 'ephemeral');
    assert.match(body.all, /--consistency-wait/);
  });

  for (const [text, problem] of [
    [`payments/reconciler --role not-an-arn --clusters sandbox-a`, /not an IAM role ARN/],
    [`payments/reconciler --role ${ROLE} --clusters sandbox-z`, /unknown cluster sandbox-z/],
    [`payments/reconciler --role ${ROLE}`, /missing --clusters/],
    [`payments/reconciler --role ${ROLE} --clusters sandbox-a --frobnicate`, /unknown option --frobnicate/],
    [`Payments/Reconciler --role ${ROLE} --clusters sandbox-a`, /not a valid Kubernetes namespace/],
    [`payments/reconciler --role ${ROLE} --clusters sandbox-a --soak "5m`, /unterminated " quote/],
    [`payments/reconciler --role ${ROLE} --clusters sandbox-a --soak forever`, /--soak/],
  ] as const) {
    test(`malformed: ${problem.source} → ephemeral error, nothing started`, async () => {
      const before = migrations.starts.length;
      const res = await h.command(text);
      assert.equal(res.status, 200);
      const body = await reply(h, res.responseId);
      assert.equal(body.response_type, 'ephemeral');
      assert.match(body.text ?? '', problem);
      assert.equal(migrations.starts.length, before);
    });
  }

  test('a start carries requester, channel and approvers (user groups resolved, cached)', async () => {
    const res = await h.command(START, { userId: 'U0REQUESTER', channelId: 'C0PLATFORM' });
    const body = await reply(h, res.responseId);
    assert.match(body.all, /Started the migration of `payments\/reconciler`/);
    const input = migrations.starts.at(-1)!;
    assert.equal(input.requestedBy, 'U0REQUESTER');
    assert.deepEqual(input.notify, { slack: { channel: 'C0PLATFORM', teamId: 'T0TEAM' } });
    assert.deepEqual(input.options.approvers, ['U0APPROVER', 'U0GROUPIE', 'U0REQUESTER']);
    assert.deepEqual(input.clusters, ['sandbox-a', 'sandbox-b']);
    assert.equal(h.api.callsTo('usergroups.users.list').length, 1);
  });

  test('a second start of the same service account answers with the running one', async () => {
    const before = migrations.starts.length;
    const res = await h.command(START);
    const body = await reply(h, res.responseId);
    assert.match(body.all, /already running/);
    assert.match(body.all, /temporal-ui\/migrate-identity%2Fpayments%2Freconciler/);
    assert.match(body.all, /Preflight/);
    assert.equal(migrations.starts.length, before);
    assert.equal(h.api.callsTo('usergroups.users.list').length, 1, 'group members came from the cache');
  });

  test('mentions typed in --approvers become user ids; groups their members (narrowing the policy’s)', async () => {
    const res = await h.command(
      `payments/other --role ${ROLE} --clusters sandbox-a --approvers <!subteam^S0PLATFORM|@platform> --keep-irsa-trust`,
    );
    await reply(h, res.responseId);
    const input = migrations.starts.at(-1)!;
    assert.equal(input.serviceAccount.name, 'other');
    assert.deepEqual(input.options.approvers, ['U0GROUPIE', 'U0REQUESTER']);
    assert.equal(input.options.keepIrsaTrust, true);
  });

  test('status, list, plan and abort answer ephemerally', async () => {
    const status = await reply(h, (await h.command('status payments/reconciler')).responseId);
    assert.match(status.all, /IRSA → Pod Identity: payments\/reconciler/);
    const missing = await reply(h, (await h.command('status payments/nobody')).responseId);
    assert.match(missing.all, /no migration of payments\/nobody found/);
    const list = await reply(h, (await h.command('list')).responseId);
    assert.match(list.all, /Running migrations \(2\)/);
    migrations.stagedPlan = fixtures.plan();
    const plan = await reply(h, (await h.command(`plan ${START}`)).responseId);
    assert.match(plan.all, /Plan: payments\/reconciler/);
    assert.equal(migrations.plans.length, 1);
    const abort = await reply(h, (await h.command('abort payments/reconciler', { userId: 'U0REQUESTER' })).responseId);
    assert.match(abort.all, /Abort requested/);
    assert.deepEqual(migrations.aborts, [{ serviceAccount: 'payments/reconciler', by: 'U0REQUESTER' }]);
  });

  test('the ack comes at once even while Temporal hangs; the answer follows', async () => {
    let release = () => {};
    migrations.gate = new Promise((resolve) => (release = resolve));
    try {
      const res = await h.command('list');
      assert.equal(res.status, 200);
      assert.ok(res.ms < 1000, `ack took ${res.ms} ms`);
      assert.equal(
        h.api.responses.some((r) => r.id === res.responseId),
        false,
        'no answer before Temporal does',
      );
      release();
      await reply(h, res.responseId);
    } finally {
      release();
      migrations.gate = Promise.resolve();
    }
  });
});

describe('who may use the app', () => {
  let h: SlackHarness;
  let migrations: StubMigrations;

  before(async () => {
    migrations = new StubMigrations();
    h = await startSlackHarness({
      migrations,
      policy: JSON.stringify({
        rules: [
          {
            namespaces: ['*'],
            starters: { userGroups: ['S0STARTERS'], channels: ['C0OPS'] },
            approvers: { users: ['U0APPROVER'] },
          },
        ],
      }),
      env: { SLACK_ALLOWED_TEAM_ID: 'T0TEAM', SLACK_ALLOWED_APP_ID: 'A0APP' },
    });
    h.api.usergroups.set('S0STARTERS', ['U0STARTER']);
  });
  after(() => h.close());

  test('someone outside the allowed users, groups and channels cannot start', async () => {
    const res = await h.command(START, { userId: 'U0STRANGER', channelId: 'C0RANDOM' });
    assert.match((await reply(h, res.responseId)).all, /not allowed to start/);
    assert.equal(migrations.starts.length, 0);
    assert.ok(h.logger.lines.some((l) => l.startsWith('warn') && l.includes('refused')));
  });

  test('a member of an allowed group, or anyone in an allowed channel, can', async () => {
    await reply(h, (await h.command(START, { userId: 'U0STARTER', channelId: 'C0RANDOM' })).responseId);
    await reply(
      h,
      (await h.command(START.replace('reconciler', 'ledger'), { userId: 'U0STRANGER', channelId: 'C0OPS' })).responseId,
    );
    assert.deepEqual(
      migrations.starts.map((s) => s.requestedBy),
      ['U0STARTER', 'U0STRANGER'],
    );
  });

  test('requests from another team or app are refused before any listener runs', async () => {
    const before = migrations.starts.length;
    for (const fields of [{ teamId: 'T0OTHER' }, { appId: 'A0OTHER' }]) {
      const res = await h.command(START.replace('reconciler', 'x'), { userId: 'U0STARTER', ...fields });
      assert.equal(res.status, 200);
      assert.match(res.text, /does not serve this workspace/);
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(migrations.starts.length, before);
    assert.equal(h.logger.lines.filter((l) => l.includes('refused a request from unexpected')).length, 2);
  });
});
