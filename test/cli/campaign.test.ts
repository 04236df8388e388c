import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { runCli } from '../../src/cli/main.js';
import type { CampaignInput, CampaignState } from '../../src/domain/campaign.js';
import type { Slices } from '../../src/domain/slices.js';
import { campaignSeedFleet } from '../../src/sandbox/campaign-seed.js';
import { CampaignService } from '../../src/temporal/campaigns.js';
import { advanceCampaign } from '../support/campaign-harness.js';
import { startScanHarness, type ScanHarness } from '../support/scan-harness.js';
import { createTimeSkippingEnv } from '../support/temporal.js';

describe('migrate-identity slices and campaign', () => {
  let env: TestWorkflowEnvironment;
  let h: ScanHarness;
  let dir: string;
  let vars: Record<string, string>;
  let campaigns: CampaignService;
  const cli = async (argv: string[], extra: Record<string, string> = {}) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, { ...vars, ...extra });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  before(async () => {
    env = await createTimeSkippingEnv();
    h = await startScanHarness(env, { seed: campaignSeedFleet() });
    dir = mkdtempSync(join(tmpdir(), 'mi-campaign-'));
    writeFileSync(
      join(dir, 'policy.yaml'),
      'production: [sandbox-c]\ncanary: sandbox-b\nnamespaces:\n  - match: [payments]\n    keepIrsa: true\n',
    );
    // The fleet's default approvers approve campaigns outside an access policy, as they do single runs.
    writeFileSync(join(dir, 'fleet.yaml'), 'mode: sandbox\ndefaults:\n  approvers: [bob]\n');
    vars = {
      MIGRATE_IDENTITY_FLEET_FILE: join(dir, 'fleet.yaml'),
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      MIGRATE_IDENTITY_DATA_DIR: dir,
      MIGRATE_IDENTITY_CAMPAIGN_POLICY: join(dir, 'policy.yaml'),
    };
    campaigns = new CampaignService(env.client, h.taskQueue, 'http://127.0.0.1:8233');
  });
  after(async () => {
    await h?.stop();
    await env?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  test('slices: waves with their reasons under the configured policy, --json the same', async () => {
    const text = await cli(['slices']);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /^Risk slices of the scan at .* \(policy: .*policy\.yaml\)/);
    assert.match(
      text.out,
      /Wave 1 \(1\): lowest blast radius[^\n]*\n {2}- shop\/catalog {2}role eks-shop-catalog {2}sandbox-b → sandbox-a/,
    );
    assert.match(text.out, /⚑ shop\/recommend .*\[shared-role\]/);
    assert.match(
      text.out,
      /payments\/reconciler \(sandbox-a, sandbox-b, sandbox-c, sandbox-unhealthy\): policy keeps namespace payments on IRSA/,
    );
    const json = await cli(['slices', '--json']);
    const slices = JSON.parse(json.out) as Slices & { schemaVersion: number };
    assert.equal(slices.schemaVersion, 1);
    assert.deepEqual(
      slices.waves.map((w) => w.items.map((i) => i.serviceAccount.name)),
      [['catalog'], ['search', 'cart'], ['images'], ['recommend', 'ranking']],
    );
    writeFileSync(join(dir, 'other.yaml'), 'namespaces: []\n');
    const other = await cli(['slices', '--json', '--policy', join(dir, 'other.yaml')]);
    const byOther = JSON.parse(other.out) as Slices;
    const catalog = byOther.waves.flatMap((w) => w.items).find((i) => i.serviceAccount.name === 'catalog');
    assert.deepEqual(
      catalog?.clusters,
      ['sandbox-a', 'sandbox-b'],
      '--policy replaces the configured policy: no canary',
    );
    assert.ok(
      byOther.waves.flatMap((w) => w.items).some((i) => i.serviceAccount.namespace === 'payments'),
      'and keeps nothing on IRSA',
    );
  });

  test('bad input: one line naming the problem, exit 2, nothing started', async () => {
    const cases: [string[], RegExp][] = [
      [['campaign', 'start'], /say what to migrate: --waves/],
      [['campaign', 'start', '--waves', 'first'], /--waves takes wave numbers/],
      [
        ['campaign', 'start', '--waves', '1', '--concurrency', '0'],
        /--concurrency must be a whole number of at least 1/,
      ],
      [['campaign', 'start', '--waves', '1', '--approval', 'never'], /--approval must be wave or service-account/],
      [['campaign', 'start', '--waves', '1', '--id', 'Q3 Payments'], /--id "Q3 Payments" must be lowercase/],
      [
        ['campaign', 'start', '--waves', '1', '--approvers', 'alice', '--as', 'alice'],
        /only approver is the requester/,
      ],
      [['campaign', 'start', '--waves', '9'], /no wave 9: the slices have waves 1, 2, 3, 4/],
      [
        ['campaign', 'start', '--service-accounts', 'payments/ledger'],
        /payments\/ledger is in no wave: policy keeps namespace payments on IRSA/,
      ],
      [['campaign', 'start', '--service-accounts', 'shop/nope'], /shop\/nope is not in the inventory/],
      [['campaign', 'start', '--service-accounts', 'Shop/cart'], /namespace "Shop" is not a valid/],
      [['campaign', 'start', '--namespaces', 'orders'], /no migratable service account matches/],
      [['campaign', 'start', '--waves', '1', '--policy', join('missing', 'policy.yaml')], /campaign policy .*ENOENT/],
      [['campaign', 'start', '--waves', '1', '--frobnicate'], /--frobnicate/],
      [
        ['campaign', 'start', '--waves', '1', '--verify-with', 'ssh'],
        /--verify-with must be pod, exec or both, not "ssh"/,
      ],
      [['campaign', 'start', '--waves', '1', '--observe', 'a week'], /--observe: /],
      [['campaign', 'start', '--waves', '1', '--observe', '60d'], /--observe 60d is over the maximum of 30d/],
      [['campaign', 'start', '--waves', '1', '--observe-every', '0'], /--observe-every must be more than 0/],
      [
        ['campaign', 'start', '--waves', '1', '--missing-evidence', 'ignore'],
        /--missing-evidence must be block or warn/,
      ],
      [['campaign', 'start', '--waves', '1', '--soak', '100d'], /--soak 100d is over the maximum of 7d/],
      [['campaign', 'status'], /campaign status takes one campaign id/],
      [['campaign', 'launch'], /"launch" is not a subcommand/],
      [['slices', 'extra'], /slices takes no arguments/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
      assert.match(r.err, message, argv.join(' '));
      assert.equal(r.err.split('\n').length, 1, argv.join(' '));
      assert.match(r.err, /^migrate-identity: /);
    }
    const status = await cli(['campaign', 'status', 'nothing-here']);
    assert.equal(status.code, 1);
    assert.match(status.err, /no campaign nothing-here found/);
    const essentials = await h.fleet.control.essentials();
    assert.equal(
      essentials.associations.some((a) => a.namespace === 'shop'),
      false,
      'nothing was migrated',
    );
  });

  test('plan, start, status, refused and granted approval, pause, resume, abort', async () => {
    const plan = await cli(['campaign', 'plan', '--namespaces', 'shop', '--waves', '1,2', '--json']);
    assert.equal(plan.code, 0, plan.err);
    const planned = JSON.parse(plan.out) as { campaign: CampaignInput };
    assert.deepEqual(
      planned.campaign.items.map((i) => [i.wave, i.serviceAccount.name, i.clusters.join(',')]),
      [
        [1, 'catalog', 'sandbox-b,sandbox-a'],
        [2, 'search', 'sandbox-b,sandbox-c'],
        [2, 'cart', 'sandbox-b,sandbox-a,sandbox-c'],
      ],
    );
    assert.deepEqual(planned.campaign.approvers, ['bob'], "the fleet's default approvers");
    const evidence = await cli([
      'campaign',
      'plan',
      '--waves',
      '1',
      '--verify-with',
      'pod',
      '--observe',
      '3d',
      '--observe-every',
      '6h',
      '--evidence-wait',
      '10m',
      '--json',
    ]);
    assert.equal(evidence.code, 0, evidence.err);
    const { options } = (JSON.parse(evidence.out) as { campaign: CampaignInput }).campaign;
    assert.equal(options.verifyWith, 'pod', 'every migration of the campaign verifies as asked');
    assert.deepEqual(options.observation, { durationSeconds: 3 * 86_400, sampleSeconds: 6 * 3600 });
    assert.equal(options.evidence?.waitSeconds, 600);
    assert.equal(planned.campaign.options.observation, undefined, "unset, the worker's fleet decides");
    const human = await cli(['campaign', 'plan', '--waves', '1']);
    assert.match(human.out, /^Campaign plan: 1 service account\(s\) in 1 wave\(s\)/);
    assert.match(human.out, /approval: once per wave, before it starts \(covers its cleanups\), by bob/);

    const start = await cli([
      'campaign',
      'start',
      '--namespaces',
      'shop',
      '--waves',
      '1,2',
      '--id',
      'cli-test',
      '--concurrency',
      '2',
      '--as',
      'alice',
      '--soak',
      '0',
      '--consistency-wait',
      '5s',
    ]);
    assert.equal(start.code, 0, start.err);
    assert.match(start.out, /^started campaign cli-test: 3 service account\(s\)/);
    assert.match(start.out, /migrate-identity campaign approve cli-test --as <approver>/);
    const again = await cli(['campaign', 'start', '--waves', '1', '--id', 'cli-test', '--as', 'alice']);
    assert.equal(again.code, 1);
    assert.match(again.err, /a campaign cli-test exists already/);

    await advanceCampaign(env, 'cli-test', (s) => s.phase === 'AwaitingApproval');
    const status = await cli(['campaign', 'status', 'cli-test']);
    assert.match(status.out, /^Campaign cli-test: AwaitingApproval \(wave 1 of 2\)/);
    assert.match(status.out, /wave 1 waits for approval: migrate-identity campaign approve cli-test --as <approver>/);
    assert.match(status.out, /CampaignId%20%3D%20%22cli-test%22/);
    const refused = await cli(['campaign', 'approve', 'cli-test', '--as', 'alice']);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /approval refused: alice is not an approver/);
    const approved = await cli(['campaign', 'approve', 'cli-test', '--as', 'bob', '--wave', '1']);
    assert.equal(approved.code, 0, approved.err);
    assert.equal(approved.out, 'wave 1 of cli-test approved by bob');

    await advanceCampaign(env, 'cli-test', (s) => s.phase === 'AwaitingApproval' && s.wave === 2);
    assert.match((await cli(['campaign', 'pause', 'cli-test', '--as', 'carol'])).out, /pause requested/);
    const paused = await advanceCampaign(env, 'cli-test', (s) => s.phase === 'Paused');
    assert.equal(paused.paused?.by, 'carol');
    assert.match((await cli(['campaign', 'status', 'cli-test'])).out, /PAUSED by carol/);
    await cli(['campaign', 'resume', 'cli-test', '--as', 'carol']);
    await advanceCampaign(env, 'cli-test', (s) => s.phase === 'AwaitingApproval');
    const abort = await cli(['campaign', 'abort', 'cli-test', '--as', 'carol', '--reason', 'enough for today']);
    assert.match(abort.out, /abort requested for campaign cli-test/);
    const final = await campaigns.result('cli-test');
    assert.equal(final.phase, 'Aborted');
    const json = await cli(['campaign', 'status', 'cli-test', '--json']);
    const state = JSON.parse(json.out) as CampaignState & { schemaVersion: number };
    assert.equal(Object.keys(state)[0], 'schemaVersion');
    assert.deepEqual(
      state.children.map((c) => c.outcome),
      ['Completed', 'Skipped', 'Skipped'],
    );
    assert.equal(state.abortRequested?.reason, 'enough for today');
  });
});
