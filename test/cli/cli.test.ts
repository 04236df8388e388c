import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { runCli } from '../../src/cli/main.js';
import { JSON_SCHEMA_VERSION } from '../../src/cli/render.js';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import type { MigrationState } from '../../src/domain/migration-state.js';
import {
  advanceUntil,
  migrationInput,
  ROLE_ARN,
  startHarness,
  waitForState,
  type Harness,
} from '../support/migration-harness.js';
import { createTimeSkippingEnv } from '../support/temporal.js';

async function cli(argv: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, env);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('migrate-identity CLI', () => {
  let env: TestWorkflowEnvironment;
  let h: Harness;
  let dataDir: string;
  let vars: Record<string, string>;
  before(async () => {
    env = await createTimeSkippingEnv();
    h = await startHarness(env);
    dataDir = mkdtempSync(join(tmpdir(), 'mi-cli-'));
    vars = { TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: h.taskQueue, MIGRATE_IDENTITY_DATA_DIR: dataDir };
  });
  after(async () => {
    await h?.stop();
    await env?.teardown();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('bad input: one line naming the problem, exit 2, nothing started', async () => {
    const r = await cli(
      ['start', 'payments/reconciler', '--role', 'not-an-arn', '--clusters', 'sandbox-a', '--approvers', 'bob'],
      vars,
    );
    assert.equal(r.code, 2);
    assert.match(r.err, /^migrate-identity: role ARN "not-an-arn"/);
    assert.equal(r.err.split('\n').length, 1);
    const unknownCluster = await cli(
      ['start', 'payments/reconciler', '--role', ROLE_ARN, '--clusters', 'prod-x', '--approvers', 'bob'],
      vars,
    );
    assert.equal(unknownCluster.code, 2);
    assert.match(unknownCluster.err, /prod-x/);
    // (The time-skipping server has no visibility queries: `list` is tested on the dev server, test/e2e.)
    const status = await cli(['status', 'payments/reconciler'], vars);
    assert.match(status.err, /no migration of payments\/reconciler found/);
    assert.equal((await cli(['frobnicate'], vars)).code, 2);
    assert.equal((await cli([], vars)).code, 2);
  });

  test('start, duplicate start, status, refused approval, abort', async () => {
    const args = [
      'payments/reconciler',
      '--role',
      ROLE_ARN,
      '--clusters',
      'sandbox-a,sandbox-b',
      '--approvers',
      'bob',
      '--as',
      'alice',
    ];
    const started = await cli(['start', ...args, '--json'], vars);
    assert.equal(started.code, 0, started.err);
    const { workflowId, url } = JSON.parse(started.out) as { workflowId: string; url: string };
    assert.equal(workflowId, 'migrate-identity/payments/reconciler');
    assert.match(
      url,
      /^http:\/\/127\.0\.0\.1:8233\/namespaces\/default\/workflows\/migrate-identity%2Fpayments%2Freconciler\//,
    );

    const again = await cli(['start', ...args], vars);
    assert.equal(again.code, 1);
    assert.match(again.err, /already running \(workflow migrate-identity\/payments\/reconciler\)/);

    const status = await cli(['status', 'payments/reconciler', '--json'], vars);
    assert.equal(status.code, 0, status.err);
    const state = JSON.parse(status.out) as MigrationState;
    assert.equal(state.input.requestedBy, 'alice');
    assert.deepEqual(state.input.clusters, ['sandbox-a', 'sandbox-b']);
    const human = await cli(['status', 'payments/reconciler'], vars);
    assert.match(human.out, /payments\/reconciler → arn:aws:iam::111122223333:role\/eks-payments-reconciler/);

    const approve = await cli(['approve', 'payments/reconciler', '--as', 'alice'], vars);
    assert.equal(approve.code, 1);
    assert.match(approve.err, /approve refused: /);
    assert.equal((await cli(['approve', 'payments/reconciler'], vars)).code, 2, '--as is required');

    const abort = await cli(['abort', 'payments/reconciler', '--as', 'carol', '--reason', 'test'], vars);
    assert.equal(abort.code, 0, abort.err);
    const final = await h.service.result({ namespace: 'payments', name: 'reconciler' });
    assert.equal(final.abortRequested?.by, 'carol');

    const missing = await cli(['status', 'payments/nobody'], vars);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /no migration of payments\/nobody found/);
  });

  test('plan prints what would change and exits 1 when preflight blocks', async () => {
    const ok = await cli(
      ['plan', 'payments/reconciler', '--role', ROLE_ARN, '--clusters', 'sandbox-a', '--json'],
      vars,
    );
    assert.equal(ok.code, 0, ok.err);
    assert.equal((JSON.parse(ok.out) as { blocked: boolean }).blocked, false);
    const blocked = await cli(
      [
        'plan',
        'payments/fargate-worker',
        '--role',
        'arn:aws:iam::111122223333:role/eks-payments-fargate-worker',
        '--clusters',
        'sandbox-a',
      ],
      vars,
    );
    assert.equal(blocked.code, 1);
    assert.match(blocked.out, /BLOCKED/);
    assert.match(blocked.out, /\[blocking\] sandbox-a: fargate-pod/);
  });

  test('sandbox commands read and change the persisted fleet', async () => {
    const fault = await cli(['sandbox', 'fault', 'sandbox-b', 'rollout', 'stuck', '--count', '2'], vars);
    assert.equal(fault.code, 0, fault.err);
    const shown = JSON.parse((await cli(['sandbox', 'show', '--json'], vars)).out) as {
      faults: unknown[];
      associations: unknown[];
    };
    assert.deepEqual(shown.faults, [{ cluster: 'sandbox-b', step: 'rollout', kind: 'stuck', count: 2 }]);
    assert.equal((await cli(['sandbox', 'fault', 'sandbox-b', 'explode', 'error'], vars)).code, 2);
    assert.match(
      (await cli(['sandbox', 'fault', 'sandbox-z', 'exec', 'error'], vars)).err,
      /unknown cluster "sandbox-z"/,
    );
    assert.equal((await cli(['sandbox', 'clear-faults'], vars)).code, 0);
    assert.deepEqual(
      (JSON.parse((await cli(['sandbox', 'show', '--json'], vars)).out) as { faults: unknown[] }).faults,
      [],
    );
    const human = await cli(['sandbox', 'show'], vars);
    assert.match(
      human.out,
      /serviceaccount payments\/reconciler: IRSA arn:aws:iam::111122223333:role\/eks-payments-reconciler/,
    );
  });

  test('every --json output leads with schemaVersion 1, then the fields it always had', async () => {
    const sa = { namespace: 'payments', name: 'reconciler' };
    const json = async (argv: string[]) => {
      const r = await cli([...argv, '--json'], vars);
      assert.equal(r.code, 0, r.err);
      const document = JSON.parse(r.out) as Record<string, unknown>;
      assert.equal(Object.keys(document)[0], 'schemaVersion', argv.join(' '));
      assert.equal(document.schemaVersion, JSON_SCHEMA_VERSION);
      const { schemaVersion: _version, ...fields } = document;
      return fields;
    };
    const request = ['payments/reconciler', '--role', ROLE_ARN, '--clusters', 'sandbox-a', '--as', 'alice'];
    const plan = await json(['plan', ...request]);
    assert.deepEqual(Object.keys(plan).sort(), Object.keys(await h.service.plan(migrationInput())).sort());
    const started = await json(['start', ...request, '--approvers', 'bob', '--soak', '0']);
    assert.deepEqual(Object.keys(started), ['workflowId', 'runId', 'url']);
    // Past preflight (which adds `plan`), so both reads below see the same fields.
    await waitForState(env.client.workflow.getHandle(workflowIdFor(sa)), (s) => s.plan !== undefined);
    const status = await json(['status', 'payments/reconciler']);
    assert.deepEqual(Object.keys(status).sort(), Object.keys(await h.service.state(sa)).sort());
    assert.deepEqual(Object.keys(await json(['sandbox', 'show'])), [
      'associations',
      'serviceAccountAnnotations',
      'trustPolicies',
      'workloadCredentials',
      'faults',
    ]);
    await advanceUntil(env, env.client.workflow.getHandle(workflowIdFor(sa)), (s) => s.phase === 'AwaitingApproval');
    const approved = await json(['approve', 'payments/reconciler', '--as', 'bob']);
    assert.deepEqual(Object.keys(approved).sort(), Object.keys(await h.service.state(sa)).sort());
    assert.match(JSON.stringify(approved), /"by":"bob"/);
    assert.equal((await h.service.result(sa)).phase, 'Completed');
  });

  test('while observing: rollback restores IRSA, end-observation is refused outside the phase; status --record prints the change record', async () => {
    const sa = { namespace: 'payments', name: 'reconciler' };
    const before = await h.fleet.control.essentials();
    const started = await cli(
      [
        'start',
        'payments/reconciler',
        '--role',
        ROLE_ARN,
        '--clusters',
        'sandbox-a',
        '--approvers',
        'bob',
        '--as',
        'alice',
        '--soak',
        '0',
        '--observe',
        '1d',
        '--observe-every',
        '6h',
      ],
      vars,
    );
    assert.equal(started.code, 0, started.err);
    const handle = env.client.workflow.getHandle(workflowIdFor(sa));
    await advanceUntil(env, handle, (s) => s.phase === 'AwaitingApproval');
    const early = await cli(['end-observation', 'payments/reconciler', '--as', 'bob'], vars);
    assert.equal(early.code, 1);
    assert.match(early.err, /end-observation refused: the migration is not observing \(phase AwaitingApproval\)/);
    assert.equal((await cli(['approve', 'payments/reconciler', '--as', 'bob'], vars)).code, 0);
    await advanceUntil(env, handle, (s) => (s.observation?.sampleCount ?? 0) >= 1, { stepMs: 60 * 60_000 });
    const status = await cli(['status', 'payments/reconciler'], vars);
    assert.match(status.out, /phase: Observing/);
    assert.match(status.out, /observation: .* to /);
    assert.match(status.out, /roll back: migrate-identity rollback payments\/reconciler/);
    assert.equal((await cli(['status', 'payments/reconciler', '--record', '--json'], vars)).code, 2);

    const rollback = await cli(
      ['rollback', 'payments/reconciler', '--as', 'bob', '--reason', 'errors after the change'],
      vars,
    );
    assert.equal(rollback.code, 0, rollback.err);
    assert.match(rollback.out, /rollback requested by bob/);
    const final = await h.service.result(sa);
    assert.equal(final.phase, 'RolledBack', JSON.stringify(final.failure));
    assert.deepEqual(await h.fleet.control.essentials(), before);
    const record = await cli(['status', 'payments/reconciler', '--record'], vars);
    assert.equal(record.code, 0, record.err);
    assert.match(record.out, /^# Change record: payments\/reconciler to EKS Pod Identity/);
    assert.match(record.out, /\| Approved by \| bob at /);
    assert.match(record.out, /Rollback requested by bob at .*: errors after the change/);
    assert.match(record.out, /Rolled back by the run: every cluster is on IRSA as before/);
  });
});

describe('migrate-identity CLI against mode: aws (follows the access policy)', () => {
  let env: TestWorkflowEnvironment;
  let h: Harness;
  let dir: string;
  let vars: Record<string, string>;
  const SA = { namespace: 'payments', name: 'reconciler' };
  const start = ['start', 'payments/reconciler', '--role', ROLE_ARN, '--clusters', 'sandbox-a'];

  before(async () => {
    env = await createTimeSkippingEnv();
    // The worker runs the sandbox; the CLI is configured as for a real fleet of the same names.
    h = await startHarness(env);
    dir = mkdtempSync(join(tmpdir(), 'mi-cli-aws-'));
    writeFileSync(
      join(dir, 'fleet.yaml'),
      'mode: aws\naccessPolicy: policy.yaml\ndefaults: { region: eu-west-1 }\nclusters: [{ name: sandbox-a }, { name: sandbox-b }]\n',
    );
    writeFileSync(
      join(dir, 'policy.yaml'),
      JSON.stringify({
        rules: [
          {
            name: 'payments',
            namespaces: ['payments'],
            starters: { users: ['U0ALICE'] },
            approvers: { users: ['U0BOB', 'U0CAROL'], minApprovals: 2 },
          },
        ],
        probes: { healthz: { argv: ['true'] } },
        cli: { users: { [userInfo().username]: 'U0ALICE' } },
      }),
    );
    vars = {
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      MIGRATE_IDENTITY_DATA_DIR: dir,
      MIGRATE_IDENTITY_FLEET_FILE: join(dir, 'fleet.yaml'),
    };
  });
  after(async () => {
    await h?.stop();
    await env?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  test('no policy: the CLI refuses to start against a real fleet, saying how to configure one', async () => {
    writeFileSync(
      join(dir, 'bare.yaml'),
      'mode: aws\ndefaults: { region: eu-west-1 }\nclusters: [{ name: sandbox-a }]\n',
    );
    const r = await cli([...start, '--approvers', 'U0BOB'], {
      ...vars,
      MIGRATE_IDENTITY_FLEET_FILE: join(dir, 'bare.yaml'),
    });
    assert.equal(r.code, 1);
    assert.match(r.err, /mode: aws: the CLI follows the access policy, and none is configured/);
  });

  test('--as is checked against the local identity; the policy decides approvers and the minimum', async () => {
    const impersonating = await cli([...start, '--as', 'U0BOB'], vars);
    assert.equal(impersonating.code, 1);
    assert.match(impersonating.err, /--as U0BOB: under mode: aws this machine's user .* acts as U0ALICE/);
    const friend = await cli([...start, '--approvers', 'U0MALLORY'], vars);
    assert.equal(friend.code, 2);
    assert.match(friend.err, /refused U0MALLORY/);
    const probe = await cli([...start, '--probe', 'healthz'], vars);
    assert.equal(probe.code, 2);
    assert.match(probe.err, /probe "healthz" is not allowed/);

    const started = await cli([...start, '--json'], vars);
    assert.equal(started.code, 0, started.err);
    const state = JSON.parse((await cli(['status', 'payments/reconciler', '--json'], vars)).out) as MigrationState;
    assert.equal(state.input.requestedBy, 'U0ALICE');
    assert.deepEqual(state.input.options.approvers, ['U0BOB', 'U0CAROL']);
    assert.equal(state.input.options.minApprovals, 2);
    assert.equal(state.input.access?.rule, 'payments');
    assert.deepEqual(
      state.audit?.map((e) => [e.action, e.by, e.via]),
      [['start', 'U0ALICE', 'cli']],
    );
    // The requester may reject (stop) their own migration from the CLI, as themselves.
    assert.match((await cli(['approve', 'payments/reconciler', '--as', 'U0BOB'], vars)).err, /acts as U0ALICE/);
    const human = await cli(['status', 'payments/reconciler'], vars);
    assert.match(human.out, /audit trail:\n {2}- .* U0ALICE start \(cli\)/);
    const abort = await cli(['abort', 'payments/reconciler'], vars);
    assert.equal(abort.code, 0, abort.err);
    const final = await h.service.result(SA);
    assert.equal(final.abortRequested?.by, 'U0ALICE');
    assert.deepEqual(
      final.audit?.map((e) => [e.action, e.by, e.via]),
      [
        ['start', 'U0ALICE', 'cli'],
        ['abort', 'U0ALICE', 'cli'],
      ],
    );
  });
});
