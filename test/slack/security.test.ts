import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { after, before, beforeEach, describe, test } from 'node:test';
import { APPROVE_ACTION_ID } from '../../slack/views/approval-message.js';
import { encodeApprovalValue } from '../../slack/views/payload.js';
import { blockLimitViolations, LIMITS } from '../../slack/views/limits.js';
import { digestOf } from '../../src/domain/migration-digest.js';
import type { KnownBlock } from '../../slack/views/block-kit.js';
import * as fixtures from '../support/slack-fixtures.js';
import { startSlackHarness, type SlackHarness } from '../support/slack-harness.js';
import { buttonClick, payloadBody, slashCommandBody } from '../support/slack-requests.js';
import { StubMigrations } from '../support/slack-stub-migrations.js';

/**
 * The attacks of issue 10, each as a workspace member would try it: correctly signed
 * requests through Bolt's real HTTP receiver.
 */

const ROLE = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';
const START = `payments/reconciler --role ${ROLE} --clusters sandbox-a,sandbox-b`;
/** A start naming an approver the policy has: what an attacker adds so the request is otherwise valid. */
const START_WITH_APPROVER = `${START} --approvers <@U0LEAD|lead>`;
const SA = { namespace: 'payments', name: 'reconciler' };

const POLICY = JSON.stringify({
  rules: [
    {
      name: 'payments',
      namespaces: ['payments'],
      clusters: ['sandbox-*'],
      starters: { users: ['U0REQUESTER'], userGroups: ['S0DEVS'] },
      approvers: { users: ['U0APPROVER', 'U0LEAD'] },
      operators: { users: ['U0ONCALL'] },
      probes: ['aws-sts-json'],
    },
  ],
  probes: {
    'aws-sts-json': { argv: ['aws', 'sts', 'get-caller-identity', '--output', 'json'] },
    healthz: { argv: ['curl', '-sf', 'http://localhost:8080/healthz'] },
  },
});

interface Reply {
  response_type?: string;
  text?: string;
  blocks?: KnownBlock[];
}

async function reply(h: SlackHarness, responseId: string): Promise<Reply & { all: string }> {
  const body = (await h.response(responseId)).body as Reply;
  return { ...body, all: JSON.stringify(body) };
}

const now = () => Math.floor(Date.now() / 1000);

describe('issue 10 through the HTTP receiver', () => {
  let h: SlackHarness;
  let migrations: StubMigrations;

  before(async () => {
    migrations = new StubMigrations();
    h = await startSlackHarness({ migrations, policy: POLICY });
    h.api.usergroups.set('S0DEVS', ['U0DEV']);
  });
  after(() => h.close());
  beforeEach(() => {
    migrations.states.clear();
    migrations.starts.length = 0;
    migrations.aborts.length = 0;
    migrations.controls.length = 0;
    migrations.decisions.length = 0;
  });

  test('1. approvers are the policy’s: --approvers may narrow them, and a friend is refused by name', async () => {
    const friend = await h.command(`${START} --approvers <@U0FRIEND|friend>`, { userId: 'U0REQUESTER' });
    const refused = await reply(h, friend.responseId);
    assert.match(refused.text ?? '', /--approvers may only narrow .* refused U0FRIEND/);
    assert.equal(migrations.starts.length, 0, 'nothing started with a self-picked approver');

    const plain = await reply(h, (await h.command(START, { userId: 'U0REQUESTER' })).responseId);
    assert.match(plain.all, /Started the migration/);
    assert.match(plain.all, /Access rule `payments`: 1 approval\(s\) needed from <@U0APPROVER> <@U0LEAD>/);
    assert.deepEqual(migrations.starts[0]?.options.approvers, ['U0APPROVER', 'U0LEAD']);
    assert.equal(migrations.starts[0]?.access?.rule, 'payments');

    migrations.close(SA);
    await reply(h, (await h.command(`${START} --approvers <@U0LEAD|lead>`, { userId: 'U0REQUESTER' })).responseId);
    assert.deepEqual(migrations.starts[1]?.options.approvers, ['U0LEAD'], 'narrowed');
  });

  test('2. no free-text command in pods: --verify-command is refused; only the rule’s named probes run', async () => {
    const shell = await h.command(`${START_WITH_APPROVER} --verify-command "sh -c 'cat /proc/self/environ'"`, {
      userId: 'U0REQUESTER',
    });
    assert.match((await reply(h, shell.responseId)).text ?? '', /--verify-command is no longer accepted/);
    const other = await h.command(`${START_WITH_APPROVER} --probe healthz`, { userId: 'U0REQUESTER' });
    assert.match(
      (await reply(h, other.responseId)).text ?? '',
      /probe "healthz" is not allowed for this service account/,
    );
    assert.equal(migrations.starts.length, 0);

    await reply(h, (await h.command(`${START} --probe aws-sts-json`, { userId: 'U0REQUESTER' })).responseId);
    assert.deepEqual(migrations.starts[0]?.options.verifyCommand, [
      'aws',
      'sts',
      'get-caller-identity',
      '--output',
      'json',
    ]);
    assert.equal(migrations.starts[0]?.options.verifyProbe, 'aws-sts-json');
  });

  test('2b. a shared role’s blast radius is accepted only where the policy’s rule lists the role', async () => {
    const shared = await h.command(`${START} --accept-shared-role`, { userId: 'U0REQUESTER' });
    assert.match(
      (await reply(h, shared.responseId)).text ?? '',
      /--accept-shared-role: access rule payments accepts no shared role arn:aws:iam::111122223333:role\/eks-payments-reconciler \(the platform team lists the shared roles it accepts in the rule's sharedRoles\)/,
    );
    assert.equal(migrations.starts.length, 0, 'nothing started');
  });

  test('3. who may start and abort is the policy’s: others are refused, the refusal recorded in the run', async () => {
    const stranger = await h.command(START_WITH_APPROVER, { userId: 'U0STRANGER' });
    assert.match(
      (await reply(h, stranger.responseId)).text ?? '',
      /not allowed to start migrations of namespace payments/,
    );
    assert.equal(migrations.starts.length, 0);
    // A member of a starter group may.
    await reply(h, (await h.command(START_WITH_APPROVER, { userId: 'U0DEV' })).responseId);
    assert.equal(migrations.starts.length, 1);

    const state = migrations.states.get('migrate-identity/payments/reconciler')!;
    state.slackThread = { channel: 'C0CHANNEL', threadTs: '1700000000.000100' };
    const refused = await reply(h, (await h.command('abort payments/reconciler', { userId: 'U0STRANGER' })).responseId);
    assert.match(refused.text ?? '', /you may not abort this migration/);
    assert.equal(migrations.aborts.length, 0);
    assert.deepEqual(
      migrations.refusals.map((r) => [r.action, r.by, r.via, r.channel]),
      [['abort', 'U0STRANGER', 'slack', 'C0CHANNEL']],
    );
    const posted = await h.api.waitFor(
      () => h.api.callsTo('chat.postMessage').find((c) => c.args.thread_ts === '1700000000.000100'),
      'the refusal in the thread',
    );
    assert.match(String(posted.args.text), /<@U0STRANGER> tried to abort: refused/);
    assert.ok(h.logger.lines.some((l) => l.startsWith('warn refused abort of payments/reconciler by U0STRANGER {')));
    // The same refusal again adds nothing to the run.
    await reply(h, (await h.command('abort payments/reconciler', { userId: 'U0STRANGER' })).responseId);
    assert.equal(migrations.refusals.filter((r) => r.by === 'U0STRANGER').length, 1);

    const paused = await reply(h, (await h.command('pause payments/reconciler', { userId: 'U0ONCALL' })).responseId);
    assert.match(paused.all, /Pause requested/);
    const strangerPause = await reply(
      h,
      (await h.command('resume payments/reconciler', { userId: 'U0STRANGER' })).responseId,
    );
    assert.match(strangerPause.text ?? '', /you may not resume this migration/);
    assert.deepEqual(
      migrations.controls.map((c) => [c.action, c.by, c.via]),
      [['pause', 'U0ONCALL', 'slack']],
    );
    const oncall = await reply(h, (await h.command('abort payments/reconciler', { userId: 'U0ONCALL' })).responseId);
    assert.match(oncall.all, /Abort requested/);
    assert.deepEqual(migrations.aborts, [{ serviceAccount: 'payments/reconciler', by: 'U0ONCALL' }]);
    assert.ok(h.logger.lines.some((l) => l.startsWith('info audit abort of payments/reconciler by U0ONCALL {')));
  });

  test('4. a signed request dated more than five minutes ahead is refused before Bolt sees it', async () => {
    for (const ahead of [6 * 60, 24 * 3600]) {
      const res = await h.command(START_WITH_APPROVER, { userId: 'U0REQUESTER' }, { timestamp: now() + ahead });
      assert.equal(res.status, 401, `${ahead}s ahead`);
    }
    const old = await h.command(START_WITH_APPROVER, { userId: 'U0REQUESTER' }, { timestamp: now() - 6 * 60 });
    assert.equal(old.status, 401);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(migrations.starts.length, 0);
    assert.ok(h.logger.lines.some((l) => /refused a Slack request dated 86\d\d\ds in the future/.test(l)));
    // A clock a little ahead is fine.
    const skewed = await h.command(START_WITH_APPROVER, { userId: 'U0REQUESTER' }, { timestamp: now() + 4 * 60 });
    assert.equal(skewed.status, 200);
    await reply(h, skewed.responseId);
    assert.equal(migrations.starts.length, 1);
  });

  test('5. a replayed start, after the run closed, starts nothing; a Slack retry neither acts nor errs', async () => {
    const responseId = randomUUID();
    const body = slashCommandBody({
      text: START_WITH_APPROVER,
      userId: 'U0REQUESTER',
      responseUrl: h.api.responseUrl(responseId),
      triggerId: `trigger-${randomUUID()}`,
    });
    const timestamp = now();
    assert.equal((await h.post(body, { timestamp })).status, 200);
    await reply(h, responseId);
    assert.equal(migrations.starts.length, 1);
    migrations.close(SA, 'RolledBack');

    const replay = await h.post(body, { timestamp });
    assert.equal(replay.status, 200);
    assert.equal(replay.text, '');
    const retry = await h.post(body, { timestamp: now(), headers: { 'x-slack-retry-num': '1' } });
    assert.equal(retry.status, 200);
    assert.equal(retry.text, '');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(migrations.starts.length, 1, 'no second run');
    assert.equal(h.api.responses.filter((r) => r.id === responseId).length, 1, 'no error message to the user');
    assert.ok(h.logger.lines.some((l) => l.includes('ignored a repeated Slack request')));
    assert.ok(h.logger.lines.some((l) => l.includes("ignored Slack's retry 1 of a request already handled")));
  });

  test('5. a captured abort or approval replayed acts once', async () => {
    await reply(h, (await h.command(START_WITH_APPROVER, { userId: 'U0REQUESTER' })).responseId);
    const abort = slashCommandBody({
      text: 'abort payments/reconciler',
      userId: 'U0REQUESTER',
      responseUrl: h.api.responseUrl(randomUUID()),
      triggerId: `trigger-${randomUUID()}`,
    });
    const timestamp = now();
    await h.post(abort, { timestamp });
    await h.post(abort, { timestamp });
    await h.api.waitFor(() => migrations.aborts.length > 0 || undefined, 'the abort');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(migrations.aborts.length, 1);

    const gate = fixtures.awaitingApproval();
    gate.input.options.approvers = ['U0APPROVER'];
    migrations.states.set(gate.workflowId, gate);
    const click = payloadBody(
      buttonClick({
        actionId: APPROVE_ACTION_ID,
        value: encodeApprovalValue(digestOf(gate)),
        userId: 'U0APPROVER',
        channelId: 'C0CHANNEL',
        messageTs: '1700000000.000009',
        responseUrl: h.api.responseUrl(randomUUID()),
      }),
    );
    await h.post(click, { timestamp });
    await h.post(click, { timestamp: timestamp + 1 });
    await h.api.waitFor(() => migrations.decisions[0], 'the decision');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(migrations.decisions.length, 1);
  });

  test('6. 40,000-character commands do not hold the event loop, and get a clear reply', async () => {
    // Patterns that made the old unescaping regexes rescan to the end from every `<`.
    const texts = ['<http:', '<@U1|', '<#C1|'].map((unit) =>
      unit.repeat(Math.ceil(40_000 / unit.length)).slice(0, 40_000),
    );
    const before = performance.eventLoopUtilization();
    const answers = await Promise.all(
      texts.map(async (text) => reply(h, (await h.command(text, { userId: 'U0REQUESTER' })).responseId)),
    );
    const busyMs = performance.eventLoopUtilization(before).active;
    // The regexes kept the loop busy for seconds; refusing before parsing takes milliseconds.
    assert.ok(busyMs < 800, `the event loop was busy for ${busyMs.toFixed(0)} ms`);
    for (const answer of answers) {
      assert.match(answer.text ?? '', /the command is 40,000 characters long; at most 4,000 are accepted/);
    }
  });

  test('6. every reply fits Slack’s limits, whatever was typed', async () => {
    for (const text of [
      `payments/reconciler --role ${'r'.repeat(3_900)} --clusters sandbox-a`,
      'x'.repeat(1_000_000),
    ]) {
      const res = await h.command(text, { userId: 'U0REQUESTER' });
      assert.equal(res.status, 200);
      const body = await reply(h, res.responseId);
      assert.ok(
        body.all.length < 10_000,
        `a ${text.length}-character command got a ${body.all.length}-character reply`,
      );
      assert.ok((body.text ?? '').length <= 3000);
      assert.deepEqual(blockLimitViolations(body.blocks ?? []), []);
      assert.ok((body.blocks ?? []).length <= LIMITS.blocksPerMessage);
    }
    assert.equal(migrations.starts.length, 0);
  });
});

describe('without an access policy (deny by default)', () => {
  let h: SlackHarness;
  let migrations: StubMigrations;

  before(async () => {
    migrations = new StubMigrations();
    h = await startSlackHarness({ migrations });
  });
  after(() => h.close());

  test('3. nobody can start, open the form, plan or abort; the reply says how to configure a policy', async () => {
    const start = await reply(h, (await h.command(START_WITH_APPROVER, { userId: 'U0ANYONE' })).responseId);
    assert.match(
      start.text ?? '',
      /no access policy is configured.*MIGRATE_IDENTITY_ACCESS_POLICY.*access-policy\.example\.yaml/,
    );
    const form = await reply(h, (await h.command('', { userId: 'U0ANYONE' })).responseId);
    assert.match(form.text ?? '', /no access policy is configured/);
    assert.equal(h.api.callsTo('views.open').length, 0);
    const plan = await reply(h, (await h.command(`plan ${START}`, { userId: 'U0ANYONE' })).responseId);
    assert.match(plan.text ?? '', /no access policy is configured/);

    const running = fixtures.migrating();
    migrations.states.set(running.workflowId, running);
    const abort = await reply(h, (await h.command('abort payments/reconciler', { userId: 'U0ANYONE' })).responseId);
    assert.match(abort.text ?? '', /you may not abort this migration: no access policy rule covers this migration/);
    assert.equal(migrations.starts.length, 0);
    assert.equal(migrations.aborts.length, 0);
    assert.equal(migrations.plans.length, 0);
    // Reading stays open: status and list.
    assert.match(
      (await reply(h, (await h.command('status payments/reconciler')).responseId)).all,
      /IRSA → Pod Identity/,
    );
  });
});

describe('the policy changes while a run waits for approval', () => {
  let h: SlackHarness;
  let migrations: StubMigrations;
  const policyWith = (approvers: string[], minApprovals = 1) =>
    JSON.stringify({
      rules: [{ namespaces: ['*'], starters: { anyone: true }, approvers: { users: approvers, minApprovals } }],
    });

  before(async () => {
    migrations = new StubMigrations();
    h = await startSlackHarness({ migrations, policy: policyWith(['U0OLD1', 'U0OLD2'], 2) });
  });
  after(() => h.close());

  test('the run keeps the approvers and minimum it started with; new requests get the new policy', async () => {
    await reply(h, (await h.command(START, { userId: 'U0REQUESTER' })).responseId);
    const state = migrations.states.get('migrate-identity/payments/reconciler')!;
    assert.deepEqual(state.input.options.approvers, ['U0OLD1', 'U0OLD2']);
    state.phase = 'AwaitingApproval';

    h.writePolicy(policyWith(['U0NEW']));
    process.emit('SIGHUP');
    assert.ok(h.logger.lines.some((l) => /info access policy reloaded from .*: 1 rule/.test(l)));

    const value = encodeApprovalValue(digestOf(state));
    const click = (userId: string) =>
      h.click({ actionId: APPROVE_ACTION_ID, value, userId, channelId: 'C0CHANNEL', messageTs: '1700000000.000009' });
    const newcomer = await h.response((await click('U0NEW')).responseId);
    assert.match(String(newcomer.body.text), /you are not an approver of this migration/);
    const first = await h.response((await click('U0OLD1')).responseId);
    assert.match(String(first.body.text), /Your approval is recorded: 1 of 2 needed/);
    assert.equal(migrations.states.get(state.workflowId)?.decision, undefined, 'one of two approvals: still open');
    await click('U0OLD2');
    await h.api.waitFor(() => migrations.states.get(state.workflowId)?.decision, 'the decision');
    assert.equal(migrations.states.get(state.workflowId)?.decision?.decision, 'approve');

    migrations.close(SA);
    await reply(h, (await h.command(START.replace('reconciler', 'ledger'), { userId: 'U0REQUESTER' })).responseId);
    assert.deepEqual(migrations.starts.at(-1)?.options.approvers, ['U0NEW']);
  });

  test('a broken policy file on reload keeps the one in force, and says why', async () => {
    h.writePolicy('rules: [{ namespaces: ["*"], approvers: { minApprovals: 0 } }]');
    const result = h.app.reloadPolicy();
    assert.equal(result.ok, false);
    assert.ok(
      h.logger.lines.some((l) =>
        /error access policy not reloaded, the previous one stays in force: .*minApprovals/.test(l),
      ),
    );
    migrations.close({ namespace: 'payments', name: 'ledger' });
    await reply(h, (await h.command(START.replace('reconciler', 'ledger'), { userId: 'U0REQUESTER' })).responseId);
    assert.deepEqual(migrations.starts.at(-1)?.options.approvers, ['U0NEW']);
  });
});
