import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  isTerminalPhase,
  type MigrationPhase,
  type MigrationState,
  type StepRecord,
} from '../../src/domain/migration-state.js';
import type { MigrationInput } from '../../src/domain/types.js';
import { DEFAULT_PROBE } from '../../src/domain/verification-pod.js';
import { planWorkflowIdFor, workflowIdFor } from '../../src/domain/workflow-id.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import { cloudTrailFleet } from './server-clock.js';
import { observationUpdate, PLAN_WORKFLOW_TYPE, WORKFLOW_TYPE } from '../../workflows/messages.js';
import { POD_IDENTITY_TRUST_SID } from '../../src/domain/constants.js';
import { removeStatementBySid } from '../../src/domain/trust-policy.js';
import { SCAN_WORKFLOW_TYPE } from '../../workflows/scan/messages.js';
import { ScanService } from '../../src/temporal/scans.js';
import { fleetScanInput } from './scan-harness.js';
import type { planWorkflow } from '../../workflows/plan.js';
import { RECORDING_TASK_QUEUE } from './history-fixtures.js';
import { advanceUntil, APPROVER, type Harness, migrationInput, REQUESTER, startHarness } from './migration-harness.js';

/**
 * The runs whose histories are kept as replay fixtures: one per way a migration can go,
 * each driven on the time-skipping server and the sandbox fleet exactly as a user would
 * (through MigrationService), and checked to have gone that way before it is recorded.
 */
export interface HistoryScenario {
  /** The fixture's file name, without `.json`. */
  name: string;
  summary: string;
  workflowType: string;
  record(env: TestWorkflowEnvironment): Promise<RecordedRun>;
}

export interface RecordedRun {
  workflowId: string;
  runId: string;
}

const SA = { namespace: 'payments', name: 'reconciler' };
const WORKFLOW_ID = workflowIdFor(SA);
const ROLE_NAME = 'eks-payments-reconciler';

/**
 * A harness on the recording task queue, stopped whatever the scenario does. Its worker runs
 * verification pods, as a production worker does.
 */
async function withHarness<T>(
  env: TestWorkflowEnvironment,
  run: (h: Harness) => Promise<T>,
  options: Parameters<typeof startHarness>[1] = {},
): Promise<T> {
  const deps = { verificationProbe: DEFAULT_PROBE, verificationPollMs: 5, ...options.deps };
  const h = await startHarness(env, { taskQueue: RECORDING_TASK_QUEUE, ...options, deps });
  try {
    return await run(h);
  } finally {
    await h.stop();
  }
}

function expectPhase(state: MigrationState, phase: MigrationPhase, scenario: string): void {
  if (state.phase !== phase) {
    throw new Error(`${scenario}: the run ended ${state.phase}, not ${phase}: ${JSON.stringify(state.failure)}`);
  }
}

const running = (step: StepRecord) => step.status === 'running';

/** The run waits on the consistency-wait timer of its `index`th cluster. */
function waiting(state: MigrationState, index: number): boolean {
  return state.clusters[index]?.steps.some((st) => st.step === 'consistency-wait' && running(st)) ?? false;
}

async function runId(env: TestWorkflowEnvironment, workflowId = WORKFLOW_ID): Promise<RecordedRun> {
  const { runId } = await env.client.workflow.getHandle(workflowId).describe();
  return { workflowId, runId };
}

/**
 * Most scenarios migrate two clusters: enough for the soak between clusters and a rollback
 * newest cluster first, at two thirds of the fixture size (each cluster adds ~60 KiB).
 */
function twoClusters(options: Parameters<typeof migrationInput>[0] = {}, overrides: Partial<MigrationInput> = {}) {
  return migrationInput(options, { clusters: ['sandbox-a', 'sandbox-b'], ...overrides });
}

const atGateOrEnd = (s: MigrationState) => s.phase === 'AwaitingApproval' || isTerminalPhase(s.phase);

/** Starts a migration and moves time until it reaches the approval gate (or ends before it). */
async function toGate(env: TestWorkflowEnvironment, h: Harness, input = migrationInput()) {
  await h.service.start(input);
  return advanceUntil(env, env.client.workflow.getHandle(WORKFLOW_ID), atGateOrEnd, { stepMs: 30_000 });
}

export const HISTORY_SCENARIOS: HistoryScenario[] = [
  {
    name: 'happy-path',
    summary: 'three clusters with the default waits (30 s, 5 min soak), approved, IRSA cleaned up',
    workflowType: WORKFLOW_TYPE,
    record: (env) =>
      withHarness(env, async (h) => {
        expectPhase(await toGate(env, h), 'AwaitingApproval', 'happy-path');
        await h.service.decide(SA, { decision: 'approve', by: APPROVER });
        expectPhase(await h.service.result(SA), 'Completed', 'happy-path');
        return runId(env);
      }),
  },
  {
    name: 'reject-rollback',
    summary: 'two clusters, started from Slack, rejected at the gate, both rolled back newest first',
    workflowType: WORKFLOW_TYPE,
    record: (env) =>
      withHarness(env, async (h) => {
        const input = twoClusters(
          { soakSeconds: 0 },
          { notify: { slack: { channel: 'C0PLATFORM', teamId: 'T0TEAM' } } },
        );
        expectPhase(await toGate(env, h, input), 'AwaitingApproval', 'reject-rollback');
        await h.service.decide(SA, { decision: 'reject', by: APPROVER, reason: 'not today' });
        expectPhase(await h.service.result(SA), 'RolledBack', 'reject-rollback');
        return runId(env);
      }),
  },
  {
    name: 'fault-rollback',
    summary: 'two clusters, a workload restart fails in the second: both rolled back',
    workflowType: WORKFLOW_TYPE,
    record: (env) =>
      withHarness(env, async (h) => {
        await h.fleet.control.setFault({ cluster: 'sandbox-b', step: 'restart', kind: 'error', count: 1 });
        expectPhase(await toGate(env, h, twoClusters({ soakSeconds: 60 })), 'RolledBack', 'fault-rollback');
        return runId(env);
      }),
  },
  {
    name: 'rollback-failed',
    summary: 'two clusters, a restart in the second keeps failing, also in rollback: RollbackFailed, manual steps',
    workflowType: WORKFLOW_TYPE,
    record: (env) =>
      withHarness(env, async (h) => {
        await h.fleet.control.setFault({ cluster: 'sandbox-b', step: 'restart', kind: 'error', count: -1 });
        expectPhase(await toGate(env, h, twoClusters({ soakSeconds: 0 })), 'RollbackFailed', 'rollback-failed');
        return runId(env);
      }),
  },
  {
    name: 'abort',
    summary: 'two clusters, aborted during the second one’s consistency wait (a durable timer), rolled back',
    workflowType: WORKFLOW_TYPE,
    record: (env) =>
      withHarness(env, async (h) => {
        await h.service.start(twoClusters());
        await advanceUntil(env, env.client.workflow.getHandle(WORKFLOW_ID), (s) => waiting(s, 1), { stepMs: 5_000 });
        await h.service.abort(SA, 'carol', 'wrong role');
        expectPhase(await h.service.result(SA), 'RolledBack', 'abort');
        return runId(env);
      }),
  },
  {
    name: 'pause-resume',
    summary: 'two clusters, paused in the first one’s consistency wait, held at the next step, resumed, approved',
    workflowType: WORKFLOW_TYPE,
    record: (env) =>
      withHarness(env, async (h) => {
        await h.service.start(twoClusters({ soakSeconds: 0 }));
        const handle = env.client.workflow.getHandle(WORKFLOW_ID);
        // Signals land while the run waits on a durable timer: the same history every time.
        await advanceUntil(env, handle, (s) => waiting(s, 0), { stepMs: 5_000 });
        await h.service.pause(SA, 'carol');
        await advanceUntil(env, handle, (s) => s.paused && !s.clusters.some((c) => c.steps.some(running)));
        await env.sleep(600_000);
        await h.service.resume(SA, 'carol');
        const gate = await advanceUntil(env, handle, atGateOrEnd);
        expectPhase(gate, 'AwaitingApproval', 'pause-resume');
        await h.service.decide(SA, { decision: 'approve', by: APPROVER });
        expectPhase(await h.service.result(SA), 'Completed', 'pause-resume');
        return runId(env);
      }),
  },
  {
    name: 'two-approvals',
    summary:
      'one cluster started from Slack under an access rule, two approvals needed: a refused attempt kept in the audit trail, one approval leaves the gate open, the second closes it',
    workflowType: WORKFLOW_TYPE,
    record: (env) =>
      withHarness(env, async (h) => {
        const input = migrationInput(
          { soakSeconds: 0, approvers: [APPROVER, 'carol', REQUESTER], minApprovals: 2 },
          {
            clusters: ['sandbox-a'],
            origin: { via: 'slack', channel: 'C0PLATFORM', requestId: 'start-1' },
            access: { rule: 'payments', operators: ['dave'], anyoneMayOperate: false },
          },
        );
        const gate = await toGate(env, h, input);
        expectPhase(gate, 'AwaitingApproval', 'two-approvals');
        await h.service.recordRefusal(SA, {
          action: 'approve',
          by: 'mallory',
          via: 'slack',
          requestId: 'click-0',
          refused: 'not an approver of this migration',
        });
        const first = await h.service.decide(SA, {
          decision: 'approve',
          by: APPROVER,
          via: 'slack',
          requestId: 'click-1',
        });
        expectPhase(first, 'AwaitingApproval', 'two-approvals');
        await h.service.decide(SA, { decision: 'approve', by: 'carol', via: 'cli', requestId: 'cli-1' });
        const final = await h.service.result(SA);
        expectPhase(final, 'Completed', 'two-approvals');
        if (!final.audit?.some((e) => e.by === 'mallory' && e.refused)) {
          throw new Error('two-approvals: the refused attempt is not in the audit trail');
        }
        return runId(env);
      }),
  },
  {
    name: 'expiry-hold',
    summary: 'two clusters, nobody decides in the 7-day window (6 reminders): held, IRSA left in place',
    workflowType: WORKFLOW_TYPE,
    record: (env) =>
      withHarness(env, async (h) => {
        expectPhase(await toGate(env, h, twoClusters({ soakSeconds: 0 })), 'AwaitingApproval', 'expiry-hold');
        expectPhase(await h.service.result(SA), 'MigratedNotCleaned', 'expiry-hold');
        return runId(env);
      }),
  },
  {
    name: 'expiry-rollback',
    summary: 'two clusters, nobody decides in a 1-hour window with --on-approval-timeout rollback: rolled back',
    workflowType: WORKFLOW_TYPE,
    record: (env) =>
      withHarness(env, async (h) => {
        const input = twoClusters({
          soakSeconds: 0,
          onApprovalTimeout: 'rollback',
          approvalWindowSeconds: 3600,
          approvalReminderSeconds: 600,
        });
        expectPhase(await toGate(env, h, input), 'AwaitingApproval', 'expiry-rollback');
        expectPhase(await h.service.result(SA), 'RolledBack', 'expiry-rollback');
        return runId(env);
      }),
  },
  {
    name: 'worker-restart',
    summary: 'two clusters, the worker stops in the second one’s consistency wait; a new one takes over, approved',
    workflowType: WORKFLOW_TYPE,
    record: async (env) => {
      const dir = mkdtempSync(join(tmpdir(), 'migrate-identity-recorder-'));
      const sandbox = { file: join(dir, 'fleet.json'), consistencyDelayMs: 0, podStartMs: 5 };
      try {
        // No sticky cache, as in test/workflows/worker-restart.test.ts: the new worker rebuilds from history.
        await withHarness(
          env,
          async (h) => {
            await h.service.start(twoClusters());
            await advanceUntil(env, env.client.workflow.getHandle(WORKFLOW_ID), (s) => waiting(s, 1), {
              stepMs: 5_000,
            });
          },
          { fleet: createSandboxFleet(sandbox), maxCachedWorkflows: 0 },
        );
        return await withHarness(
          env,
          async (h) => {
            const handle = env.client.workflow.getHandle(WORKFLOW_ID);
            const gate = await advanceUntil(env, handle, atGateOrEnd);
            expectPhase(gate, 'AwaitingApproval', 'worker-restart');
            await h.service.decide(SA, { decision: 'approve', by: APPROVER });
            expectPhase(await h.service.result(SA), 'Completed', 'worker-restart');
            return runId(env);
          },
          { fleet: createSandboxFleet(sandbox) },
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'plan',
    summary: '`plan` of three clusters: preflight only, nothing changed',
    workflowType: PLAN_WORKFLOW_TYPE,
    record: (env) =>
      withHarness(env, async () => {
        // MigrationService.plan names the run with a random nonce; a fixed id keeps the fixture stable.
        const workflowId = planWorkflowIdFor(SA, 'recorded');
        const plan = await env.client.workflow.execute<typeof planWorkflow>(PLAN_WORKFLOW_TYPE, {
          taskQueue: RECORDING_TASK_QUEUE,
          workflowId,
          args: [migrationInput()],
        });
        if (plan.blocked) throw new Error(`plan: blocked: ${JSON.stringify(plan.findings)}`);
        return runId(env, workflowId);
      }),
  },
  {
    name: 'scan',
    summary:
      'an on-demand scan of the sandbox fleet: four clusters, the IAM catalog and role profiles, the inventory and drift report',
    workflowType: SCAN_WORKFLOW_TYPE,
    record: (env) =>
      withHarness(
        env,
        async () => {
          const scans = new ScanService(env.client, RECORDING_TASK_QUEUE, 'http://127.0.0.1:8233');
          const { workflowId, runId: run, report } = await scans.scan(fleetScanInput());
          if (report.clusters.some((c) => c.status !== 'scanned') || report.notes.some((n) => /IAM/.test(n))) {
            throw new Error(
              `scan: not everything was read: ${JSON.stringify({ clusters: report.clusters, notes: report.notes })}`,
            );
          }
          return { workflowId, runId: run };
        },
        { deps: { runningMigrations: () => Promise.resolve([]) } },
      ),
  },
  {
    name: 'cloudtrail-evidence',
    summary:
      'two clusters with CloudTrail (two minutes late): SDK audit, Pod Identity sessions found during the soak, approved; a workload still on IRSA blocks cleanup',
    workflowType: WORKFLOW_TYPE,
    record: async (env) => {
      const { fleet, interceptor } = cloudTrailFleet();
      await fleet.cloudTrailControl.setTraffic('sandbox-b/payments/reconciler-ledger-writer', {
        hiddenWebIdentity: true,
      });
      return withHarness(
        env,
        async (h) => {
          expectPhase(await toGate(env, h, twoClusters()), 'AwaitingApproval', 'cloudtrail-evidence');
          await h.service.decide(SA, { decision: 'approve', by: APPROVER });
          expectPhase(await h.service.result(SA), 'MigratedNotCleaned', 'cloudtrail-evidence');
          return runId(env);
        },
        { fleet, cloudTrail: true, activityInterceptors: [interceptor] },
      );
    },
  },
  {
    name: 'observation-rollback',
    summary:
      'one cluster with CloudTrail, approved and cleaned up, observed (a day, a sample every 6 h): the role’s trust loses its Pod Identity statement, the regression is alerted, a rollback is requested while observing and restores IRSA',
    workflowType: WORKFLOW_TYPE,
    record: async (env) => {
      const { fleet, interceptor } = cloudTrailFleet();
      return withHarness(
        env,
        async (h) => {
          const input = migrationInput(
            { soakSeconds: 0, observation: { durationSeconds: 86_400, sampleSeconds: 6 * 3600 } },
            { clusters: ['sandbox-a'] },
          );
          expectPhase(await toGate(env, h, input), 'AwaitingApproval', 'observation-rollback');
          await h.service.decide(SA, { decision: 'approve', by: APPROVER });
          const handle = env.client.workflow.getHandle(WORKFLOW_ID);
          await advanceUntil(env, handle, (s) => s.phase === 'Observing' && (s.observation?.sampleCount ?? 0) >= 1, {
            stepMs: 30 * 60_000,
          });
          const role = await fleet.iam.getRole(ROLE_NAME);
          await fleet.iam.updateTrustPolicy(
            ROLE_NAME,
            removeStatementBySid(role.trustPolicy, POD_IDENTITY_TRUST_SID).document,
          );
          const alerted = await advanceUntil(
            env,
            handle,
            (s) => (s.observation?.alerts.length ?? 0) > 0 || s.phase !== 'Observing',
            {
              stepMs: 30 * 60_000,
            },
          );
          expectPhase(alerted, 'Observing', 'observation-rollback');
          await handle.executeUpdate(observationUpdate, {
            args: [
              { action: 'rollback', by: APPROVER, reason: 'credential errors after the trust change', via: 'cli' },
            ],
          });
          expectPhase(await h.service.result(SA), 'RolledBack', 'observation-rollback');
          return runId(env);
        },
        { fleet, cloudTrail: true, activityInterceptors: [interceptor] },
      );
    },
  },
];
