import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { roleKey, type CampaignState } from '../../src/domain/campaign.js';
import type { MigrationState } from '../../src/domain/migration-state.js';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import type { SandboxApp } from '../../src/sandbox/campaign-seed.js';
import type { CampaignService } from '../../src/temporal/campaigns.js';
import { campaignWorkflowId } from '../../workflows/campaign/messages.js';
import { stateQuery } from '../../workflows/messages.js';
import { CampaignIdKey } from '../../workflows/search-attributes.js';
import {
  advanceCampaign,
  campaignInput,
  campaignService,
  childRuns,
  fleetWith,
  itemsOf,
  maxOverlap,
  recordingNotifier,
  type RecordingNotifier,
} from '../support/campaign-harness.js';
import { APPROVER, REQUESTER, startHarness, type Harness } from '../support/migration-harness.js';
import { createTimeSkippingEnv } from '../support/temporal.js';

const app = (name: string, clusters: string[], role: string, wave = 1): SandboxApp & { wave: number } => ({
  namespace: 'load',
  name,
  clusters,
  role,
  wave,
});

const outcomes = (state: CampaignState) =>
  Object.fromEntries(state.items.map((item, i) => [item.serviceAccount.name, state.children[i]?.outcome]));

describe('campaign workflow on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let h: Harness;
  let notifier: RecordingNotifier;
  let campaigns: CampaignService;

  before(async () => {
    env = await createTimeSkippingEnv();
    notifier = recordingNotifier();
    h = await startHarness(env, { notifier });
    campaigns = campaignService(env, h);
  });
  after(async () => {
    await h?.stop();
    await env?.teardown();
  });

  test('caps: never two runs on one role, never more than the cap per cluster or in all; waves one after the other', async () => {
    const apps = [
      app('a1', ['sandbox-a'], 'r1'),
      app('a2', ['sandbox-a'], 'r2'),
      app('a3', ['sandbox-a', 'sandbox-b'], 'r3'),
      app('a4', ['sandbox-b'], 'r1'),
      app('a5', ['sandbox-b', 'sandbox-c'], 'r5'),
      app('a6', ['sandbox-c'], 'r1', 2),
      app('a7', ['sandbox-c'], 'r7', 2),
      app('a8', ['sandbox-a', 'sandbox-c'], 'r8', 2),
    ];
    await h.fleet.control.reset(fleetWith(apps));
    const input = campaignInput(itemsOf(apps), { limits: { concurrency: 3, perCluster: 2, failureBudget: 3 } });
    await campaigns.start(input);

    const waiting = await advanceCampaign(env, input.campaignId, (s) => s.phase === 'AwaitingApproval');
    assert.equal(waiting.wave, 1);
    assert.ok(
      waiting.children.every((c) => c.status === 'pending'),
      'nothing starts before its wave is approved',
    );
    await assert.rejects(campaigns.approve(input.campaignId, { by: REQUESTER }), /requested this campaign/);
    await assert.rejects(campaigns.approve(input.campaignId, { by: 'mallory' }), /not an approver/);
    await assert.rejects(campaigns.approve(input.campaignId, { by: APPROVER, wave: 2 }), /wave 1 is waiting/);
    await campaigns.approve(input.campaignId, { by: APPROVER, reason: 'first wave' });
    await advanceCampaign(env, input.campaignId, (s) => s.phase === 'AwaitingApproval' && s.wave === 2);
    await campaigns.approve(input.campaignId, { by: APPROVER });
    const final = await campaigns.result(input.campaignId);

    assert.equal(final.phase, 'Completed');
    assert.deepEqual(Object.values(outcomes(final)), Array<string>(8).fill('Completed'));
    const runs = await childRuns(env, final);
    for (const role of new Set(runs.map((r) => roleKey(r.roleArn)))) {
      const users = runs.filter((r) => roleKey(r.roleArn) === role);
      assert.equal(maxOverlap(users), 1, `${role}: ${users.map((u) => u.serviceAccount).join(', ')} overlapped`);
    }
    for (const cluster of ['sandbox-a', 'sandbox-b', 'sandbox-c']) {
      const here = runs.filter((r) => r.clusters.includes(cluster));
      assert.ok(maxOverlap(here) <= 2, `more than 2 runs at once touched ${cluster}`);
    }
    assert.ok(maxOverlap(runs) <= 3, 'more than 3 runs at once');
    assert.ok(maxOverlap(runs) >= 2, 'the caps still let runs overlap');
    const lastOfFirst = Math.max(...runs.filter((r) => r.wave === 1).map((r) => r.end));
    assert.ok(
      runs.filter((r) => r.wave === 2).every((r) => r.start >= lastOfFirst),
      'wave 2 starts after wave 1 ended',
    );

    assert.ok(
      runs.every((r) => r.campaignId === input.campaignId),
      'every migration carries the CampaignId',
    );
    const parent = await env.client.workflow.getHandle(campaignWorkflowId(input.campaignId)).describe();
    assert.equal(parent.typedSearchAttributes.get(CampaignIdKey), input.campaignId);
    const child = await env.client.workflow
      .getHandle(workflowIdFor({ namespace: 'load', name: 'a6' }), final.children[5]?.runId)
      .query(stateQuery);
    assert.equal(child.decision?.by, APPROVER, "the wave's approval is the migration's cleanup approval");
    assert.match(child.decision?.reason ?? '', /wave 2 of campaign .* approved/);
    assert.deepEqual(
      child.approvals?.map((a) => [a.decision, a.by]),
      [['approve', APPROVER]],
    );
    assert.ok(child.audit?.some((e) => e.action === 'approve' && e.by === APPROVER));
    assert.deepEqual(child.input.campaign?.campaignId, input.campaignId);
  });

  test('failure budget: pauses after K failed migrations, starts nothing more until resumed', async () => {
    const apps = [
      app('b1', ['sandbox-c'], 'rb1'),
      app('b2', ['sandbox-a'], 'rb2'),
      app('b3', ['sandbox-a'], 'rb3'),
      app('b4', ['sandbox-b'], 'rb4'),
      app('b5', ['sandbox-b'], 'rb5'),
    ];
    const seed = fleetWith(apps);
    delete seed.roles.rb2; // preflight stops b2: its role does not exist
    await h.fleet.control.reset(seed);
    await h.fleet.control.setFault({ cluster: 'sandbox-c', step: 'create-association', kind: 'error', count: 1 });
    const input = campaignInput(itemsOf(apps), {
      approval: 'service-account',
      limits: { concurrency: 1, perCluster: 1, failureBudget: 2 },
      options: { ...campaignInput([]).options, approvalWindowSeconds: 0, onApprovalTimeout: 'hold' },
    });
    await campaigns.start(input);

    const paused = await advanceCampaign(env, input.campaignId, (s) => s.phase === 'Paused');
    assert.deepEqual(outcomes(paused), {
      b1: 'RolledBack',
      b2: 'PreflightFailed',
      b3: undefined,
      b4: undefined,
      b5: undefined,
    });
    assert.equal(paused.paused?.by, 'the failure budget');
    assert.match(paused.paused?.reason ?? '', /2 migration\(s\) failed \(budget 2\)/);
    for (let i = 0; i < 5; i++) await env.sleep(60_000);
    const still = await campaigns.state(input.campaignId);
    assert.deepEqual(
      still.children.slice(2).map((c) => c.status),
      ['pending', 'pending', 'pending'],
      'nothing started while paused',
    );
    assert.ok(notifier.campaignEvents.some((e) => e.kind === 'paused' && e.campaign.campaignId === input.campaignId));

    await campaigns.resume(input.campaignId, APPROVER);
    const final = await campaigns.result(input.campaignId);
    assert.equal(final.phase, 'Completed');
    // Per-service-account approval with a zero window: each migration held, IRSA still in place.
    assert.deepEqual(outcomes(final), {
      b1: 'RolledBack',
      b2: 'PreflightFailed',
      b3: 'MigratedNotCleaned',
      b4: 'MigratedNotCleaned',
      b5: 'MigratedNotCleaned',
    });
    assert.equal(final.failuresSinceResume, 0);
  });

  test('any RollbackFailed pauses at once; abort then skips what has not started', async () => {
    const apps = [app('c1', ['sandbox-b'], 'rc1'), app('c2', ['sandbox-a'], 'rc2'), app('c3', ['sandbox-c'], 'rc3')];
    await h.fleet.control.reset(fleetWith(apps));
    await h.fleet.control.setFault({ cluster: 'sandbox-b', step: 'restart', kind: 'error', count: 1 });
    await h.fleet.control.setFault({ cluster: 'sandbox-b', step: 'delete-association', kind: 'error', count: -1 });
    const input = campaignInput(itemsOf(apps), { limits: { concurrency: 1, perCluster: 1, failureBudget: 5 } });
    await campaigns.start(input);
    await advanceCampaign(env, input.campaignId, (s) => s.phase === 'AwaitingApproval');
    await campaigns.approve(input.campaignId, { by: APPROVER });

    const paused = await advanceCampaign(env, input.campaignId, (s) => s.phase === 'Paused');
    assert.equal(paused.children[0]?.outcome, 'RollbackFailed');
    assert.equal(paused.paused?.by, 'the campaign');
    assert.match(paused.paused?.reason ?? '', /load\/c1 ended RollbackFailed/);
    assert.equal(paused.children[1]?.status, 'pending');

    await campaigns.abort(input.campaignId, APPROVER, 'fix c1 first');
    const final = await campaigns.result(input.campaignId);
    assert.equal(final.phase, 'Aborted');
    assert.deepEqual(outcomes(final), { c1: 'RollbackFailed', c2: 'Skipped', c3: 'Skipped' });
    await h.fleet.control.clearFaults();
  });

  test('abort: running migrations roll back, finished ones stay, the rest never start', async () => {
    const apps = [
      app('d1', ['sandbox-a'], 'rd1'),
      app('d2', ['sandbox-b', 'sandbox-c'], 'rd2'),
      app('d3', ['sandbox-c', 'sandbox-b'], 'rd3'),
      app('d4', ['sandbox-a'], 'rd4'),
    ];
    await h.fleet.control.reset(fleetWith(apps));
    const input = campaignInput(itemsOf(apps), {
      limits: { concurrency: 2, perCluster: 3, failureBudget: 3 },
      options: { ...campaignInput([]).options, soakSeconds: 3600 },
    });
    await campaigns.start(input);
    await advanceCampaign(env, input.campaignId, (s) => s.phase === 'AwaitingApproval');
    await campaigns.approve(input.campaignId, { by: APPROVER });
    const soaking = async (name: string) => {
      const state: MigrationState = await env.client.workflow
        .getHandle(workflowIdFor({ namespace: 'load', name }))
        .query(stateQuery);
      return state.clusters[0]?.steps.some((s) => s.step === 'soak' && s.status === 'running') === true;
    };
    const midway = await advanceCampaign(env, input.campaignId, (s) => s.children[0]?.status === 'done');
    assert.equal(midway.children[0]?.outcome, 'Completed');
    for (let i = 0; i < 100 && !((await soaking('d2')) && (await soaking('d3'))); i++) await env.sleep(2_000);
    assert.ok((await soaking('d2')) && (await soaking('d3')), 'd2 and d3 are between their clusters');
    const now = await campaigns.state(input.campaignId);
    assert.deepEqual(
      now.children.map((c) => c.status),
      ['done', 'running', 'running', 'pending'],
    );
    const before = await h.fleet.control.essentials();

    await campaigns.abort(input.campaignId, 'carol', 'change freeze');
    const final = await campaigns.result(input.campaignId);
    assert.equal(final.phase, 'Aborted');
    assert.deepEqual(outcomes(final), { d1: 'Completed', d2: 'RolledBack', d3: 'RolledBack', d4: 'Skipped' });
    const d2 = await env.client.workflow.getHandle(workflowIdFor({ namespace: 'load', name: 'd2' })).query(stateQuery);
    assert.match(d2.failure?.message ?? '', /aborted by carol/);
    await assert.rejects(
      env.client.workflow.getHandle(workflowIdFor({ namespace: 'load', name: 'd4' })).describe(),
      'd4 never started',
    );
    const after = await h.fleet.control.essentials();
    const associations = (snapshot: typeof after) =>
      snapshot.associations
        .filter((a) => a.namespace === 'load')
        .map((a) => `${a.cluster}/${a.serviceAccount}`)
        .sort();
    assert.deepEqual(associations(before), ['sandbox-a/d1', 'sandbox-b/d2', 'sandbox-c/d3']);
    assert.deepEqual(associations(after), ['sandbox-a/d1'], 'd1 is left alone; d2 and d3 are undone');
    assert.equal(after.serviceAccountAnnotations['sandbox-a']?.['load/d1']?.['eks.amazonaws.com/role-arn'], undefined);
    assert.ok(after.serviceAccountAnnotations['sandbox-b']?.['load/d2']?.['eks.amazonaws.com/role-arn']);
  });

  test('a migration that observes holds no concurrency or cluster cap and ends its wave; the campaign completes only when it ends', async () => {
    const apps = [app('p1', ['sandbox-a'], 'rp1'), app('p2', ['sandbox-a'], 'rp2')];
    await h.fleet.control.reset(fleetWith(apps));
    const input = campaignInput(itemsOf(apps), {
      approval: 'service-account',
      limits: { concurrency: 1, perCluster: 1, failureBudget: 3 },
      options: { ...campaignInput([]).options, observation: { durationSeconds: 86_400, sampleSeconds: 12 * 3600 } },
    });
    await campaigns.start(input);
    const handleOf = (name: string) => env.client.workflow.getHandle(workflowIdFor({ namespace: 'load', name }));
    const waitingFor = async (name: string) => {
      for (let i = 0; i < 200; i++) {
        // Not started yet: the campaign starts it when a cap frees.
        const state = await handleOf(name)
          .query<MigrationState>(stateQuery)
          .catch(() => undefined);
        if (state?.phase === 'AwaitingApproval') return;
        await env.sleep(5_000);
      }
      throw new Error(`${name} never asked for approval`);
    };
    await waitingFor('p1');
    await h.service.decide({ namespace: 'load', name: 'p1' }, { decision: 'approve', by: APPROVER });
    // With a cap of one, p2 starts only because p1, observing, holds neither cap (they have roles of their own).
    const second = await advanceCampaign(env, input.campaignId, (s) => s.children[1]?.status === 'running');
    assert.equal(second.children[0]?.status, 'observing');
    assert.equal((await handleOf('p1').query<MigrationState>(stateQuery)).phase, 'Observing');
    await waitingFor('p2');
    await h.service.decide({ namespace: 'load', name: 'p2' }, { decision: 'approve', by: APPROVER });
    const both = await advanceCampaign(env, input.campaignId, (s) => s.children.every((c) => c.status === 'observing'));
    assert.equal(both.phase, 'Running', 'everything is migrated, but what observes may still roll back');
    assert.equal(both.wave, undefined);
    assert.ok(
      notifier.campaignEvents.some((e) => e.kind === 'progress' && /p1: cleaned up, observing/.test(e.text)),
      'the campaign says who observes',
    );
    const final = await advanceCampaign(env, input.campaignId, (s) => s.phase === 'Completed', { stepMs: 3_600_000 });
    assert.deepEqual(outcomes(final), { p1: 'Completed', p2: 'Completed' });
    const p1: MigrationState = await handleOf('p1').query(stateQuery);
    assert.ok((p1.observation?.sampleCount ?? 0) >= 2, 'p1 observed its whole day');
    assert.equal(p1.observation?.ended?.early, false);
  });

  test('abort leaves what observes observing (it is migrated) and ends once it does', async () => {
    const apps = [app('q1', ['sandbox-a'], 'rq1'), app('q2', ['sandbox-b'], 'rq2', 2)];
    await h.fleet.control.reset(fleetWith(apps));
    const input = campaignInput(itemsOf(apps), {
      options: { ...campaignInput([]).options, observation: { durationSeconds: 86_400, sampleSeconds: 12 * 3600 } },
    });
    await campaigns.start(input);
    await advanceCampaign(env, input.campaignId, (s) => s.phase === 'AwaitingApproval');
    await campaigns.approve(input.campaignId, { by: APPROVER });
    const next = await advanceCampaign(env, input.campaignId, (s) => s.phase === 'AwaitingApproval' && s.wave === 2);
    assert.equal(next.children[0]?.status, 'observing', 'wave 1 is over while q1 observes');
    const before = await h.fleet.control.essentials();

    await campaigns.abort(input.campaignId, 'carol', 'change freeze');
    const aborting = await advanceCampaign(env, input.campaignId, (s) => s.phase === 'Aborting');
    assert.equal(aborting.children[0]?.status, 'observing');
    assert.deepEqual(await h.fleet.control.essentials(), before, 'nothing is rolled back');
    assert.ok(
      notifier.campaignEvents.some(
        (e) => e.kind === 'aborting' && /1 observing after cleanup keep observing until their window ends/.test(e.text),
      ),
      notifier.campaignEvents.map((e) => e.text).join('\n'),
    );
    const final = await advanceCampaign(env, input.campaignId, (s) => s.phase === 'Aborted', { stepMs: 3_600_000 });
    assert.deepEqual(outcomes(final), { q1: 'Completed', q2: 'Skipped' });
    const after = await h.fleet.control.essentials();
    assert.ok(
      after.associations.some((a) => a.cluster === 'sandbox-a' && a.serviceAccount === 'q1'),
      'q1 stays on Pod Identity',
    );
  });

  test('a cancel from the Temporal UI is an abort: what runs rolls back', async () => {
    const apps = [app('f1', ['sandbox-a', 'sandbox-b'], 'rf1'), app('f2', ['sandbox-c'], 'rf2')];
    await h.fleet.control.reset(fleetWith(apps));
    const input = campaignInput(itemsOf(apps), {
      limits: { concurrency: 1, perCluster: 1, failureBudget: 3 },
      options: { ...campaignInput([]).options, soakSeconds: 3600 },
    });
    await campaigns.start(input);
    await advanceCampaign(env, input.campaignId, (s) => s.phase === 'AwaitingApproval');
    await campaigns.approve(input.campaignId, { by: APPROVER });
    await advanceCampaign(env, input.campaignId, (s) => s.children[0]?.status === 'running');
    const f1 = env.client.workflow.getHandle(workflowIdFor({ namespace: 'load', name: 'f1' }));
    for (let i = 0; i < 100 && (await f1.query(stateQuery)).clusters[0]?.status !== 'migrated'; i++) {
      await env.sleep(2_000);
    }
    await env.client.workflow.getHandle(campaignWorkflowId(input.campaignId)).cancel();
    const final = await campaigns.result(input.campaignId);
    assert.equal(final.phase, 'Aborted');
    assert.equal(final.abortRequested?.by, 'Temporal');
    assert.deepEqual(outcomes(final), { f1: 'RolledBack', f2: 'Skipped' });
    const essentials = await h.fleet.control.essentials();
    assert.deepEqual(
      essentials.associations.filter((a) => a.namespace === 'load'),
      [],
    );
  });

  test('continue-as-new keeps the progress: approvals, outcomes, the Slack thread; nothing runs twice', async () => {
    const apps = ['e1', 'e2', 'e3', 'e4', 'e5', 'e6'].map((name, i) =>
      app(name, [['sandbox-a', 'sandbox-b', 'sandbox-c'][i % 3] ?? 'sandbox-a'], `re${i}`, i < 4 ? 1 : 2),
    );
    await h.fleet.control.reset(fleetWith(apps));
    const input = campaignInput(itemsOf(apps), {
      limits: { concurrency: 2, perCluster: 1, failureBudget: 3 },
      options: { ...campaignInput([]).options, soakSeconds: 0 },
      notify: { slack: { channel: 'C0CAMPAIGN' } },
      historyLimit: 30,
    });
    const started = await campaigns.start(input);
    await advanceCampaign(env, input.campaignId, (s) => s.phase === 'AwaitingApproval');
    await campaigns.approve(input.campaignId, { by: APPROVER });
    await advanceCampaign(env, input.campaignId, (s) => s.phase === 'AwaitingApproval' && s.wave === 2);
    await campaigns.approve(input.campaignId, { by: APPROVER });
    const final = await campaigns.result(input.campaignId);

    assert.equal(final.phase, 'Completed');
    assert.ok(final.runs >= 2, `ran ${final.runs} time(s): the history limit should have continued it as new`);
    const first = await env.client.workflow.getHandle(campaignWorkflowId(input.campaignId), started.runId).describe();
    assert.equal(first.status.name, 'CONTINUED_AS_NEW');
    assert.deepEqual(Object.values(outcomes(final)), Array<string>(6).fill('Completed'));
    assert.deepEqual(
      final.approvals.map((a) => [a.wave, a.by]),
      [
        [1, APPROVER],
        [2, APPROVER],
      ],
    );
    const calls = await h.fleet.control.calls();
    const created = Object.entries(calls)
      .filter(([key]) => key.endsWith(':createPodIdentityAssociation'))
      .reduce((n, [, count]) => n + count, 0);
    assert.equal(created, 6, 'each migration ran once');
    const mine = notifier.campaignEvents.filter((e) => e.campaign.campaignId === input.campaignId);
    assert.equal(mine.filter((e) => e.kind === 'started').length, 1, 'the campaign message is posted once');
    assert.equal(final.slackThread?.threadTs, `ts-campaign-${input.campaignId}`);
    const children = notifier.events.filter((e) => e.migration.workflowId.startsWith('migrate-identity/load/e'));
    assert.ok(children.length > 0);
    assert.ok(
      children.every((e) => e.slackThread?.campaignTs === `ts-campaign-${input.campaignId}`),
      'every migration, before and after continue-as-new, threads under the campaign message',
    );
    assert.deepEqual(
      final.children.map((c) => c.slackTs),
      apps.map((a) => `ts-load/${a.name}`),
    );
    assert.equal(mine.at(-1)?.kind, 'finished');
    assert.deepEqual(mine.at(-1)?.campaign.counts, { Completed: 6 });
  });
});
