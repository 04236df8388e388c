import { digestOf } from '../../src/domain/migration-digest.js';
import type { ClusterProgress, MigrationPlan, MigrationState, StepRecord } from '../../src/domain/migration-state.js';
import { DEFAULT_OPTIONS } from '../../src/domain/types.js';
import type { Notification, NotificationKind } from '../../src/ports/notifier.js';

/** Migration states at each point the Slack views render, with fixed times for snapshots. */

export const T0 = '2025-06-01T09:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
export const REQUESTER = 'U0REQUESTER';
export const APPROVER = 'U0APPROVER';

function step(
  name: StepRecord['step'],
  minute: number,
  detail: string,
  status: StepRecord['status'] = 'succeeded',
): StepRecord {
  return { step: name, status, startedAt: at(minute), finishedAt: at(minute), detail };
}

function migrated(cluster: string, minute: number): ClusterProgress {
  return {
    cluster,
    status: 'migrated',
    createdAssociationId: `a-${cluster}`,
    steps: [
      step('create-association', minute, `association a-${cluster} created`),
      step('consistency-wait', minute + 1, 'waited 30s for the association to propagate'),
      step('restart', minute + 2, 'deployment "reconciler" successfully rolled out'),
      step(
        'verify',
        minute + 3,
        '2 pod(s) on pod-identity; caller identity arn:aws:sts::111122223333:assumed-role/eks-payments-reconciler/eks-sandbox-a-reconciler',
      ),
    ],
  };
}

export function plan(): MigrationPlan {
  return {
    serviceAccount: 'payments/reconciler',
    roleArn: 'arn:aws:iam::111122223333:role/eks-payments-reconciler',
    trust: { addPodIdentityStatement: true, sizeBefore: 612, sizeAfter: 801, limit: 2048 },
    clusters: ['sandbox-a', 'sandbox-b'].map((cluster) => ({
      cluster,
      association: { action: 'create' as const, roleArn: 'arn:aws:iam::111122223333:role/eks-payments-reconciler' },
      workloadsToRestart: [
        { kind: 'Deployment' as const, namespace: 'payments', name: 'reconciler' },
        { kind: 'StatefulSet' as const, namespace: 'payments', name: 'reconciler-ledger-writer' },
      ],
      irsaAnnotation: 'arn:aws:iam::111122223333:role/eks-payments-reconciler',
      oidcIssuer: `https://oidc.eks.eu-west-1.amazonaws.com/id/${cluster.toUpperCase()}`,
    })),
    cleanup: {
      removeAnnotations: ['sandbox-a', 'sandbox-b'],
      removeIrsaTrustForIssuers: [
        'https://oidc.eks.eu-west-1.amazonaws.com/id/A',
        'https://oidc.eks.eu-west-1.amazonaws.com/id/B',
      ],
      keepIrsaTrust: false,
    },
    findings: [
      {
        severity: 'warning',
        code: 'sdk-version',
        message: 'boto3 1.9.0 predates Pod Identity support',
        cluster: 'sandbox-b',
      },
      { severity: 'info', code: 'agent-present', message: 'eks-pod-identity-agent is healthy' },
    ],
    blocked: false,
  };
}

export function migrating(): MigrationState {
  return {
    workflowId: 'migrate-identity/payments/reconciler',
    input: {
      serviceAccount: { namespace: 'payments', name: 'reconciler' },
      roleArn: 'arn:aws:iam::111122223333:role/eks-payments-reconciler',
      clusters: ['sandbox-a', 'sandbox-b'],
      requestedBy: REQUESTER,
      options: { ...DEFAULT_OPTIONS, approvers: [APPROVER, 'U0OTHER'] },
      notify: { slack: { channel: 'C0CHANNEL', threadTs: '1700000000.000001' } },
    },
    phase: 'Migrating',
    paused: false,
    startedAt: T0,
    updatedAt: at(5),
    clusters: [
      migrated('sandbox-a', 1),
      { cluster: 'sandbox-b', status: 'migrating', steps: [step('create-association', 5, 'association a-b created')] },
    ],
    findings: plan().findings,
    warnings: ['boto3 1.9.0 predates Pod Identity support'],
    rollbackNote: { previousAnnotations: {}, workloads: {} },
    plan: plan(),
    slackThread: { channel: 'C0CHANNEL', threadTs: '1700000000.000001' },
  };
}

/** A notification about `state`, as the workflow sends it (with the state's findings, for the kinds that list them). */
export function notification(kind: NotificationKind, text: string, state: MigrationState): Notification {
  return {
    kind,
    text,
    ...(state.slackThread && { slackThread: { ...state.slackThread } }),
    migration: digestOf(state),
    findings: state.findings,
  };
}

export function awaitingApproval(): MigrationState {
  const state = migrating();
  state.phase = 'AwaitingApproval';
  state.updatedAt = at(10);
  state.clusters = [migrated('sandbox-a', 1), migrated('sandbox-b', 5)];
  state.approval = { requestedAt: at(10), expiresAt: at(10 + 7 * 24 * 60), remindersSent: 0 };
  return state;
}

export function approved(): MigrationState {
  const state = awaitingApproval();
  state.decision = { decision: 'approve', by: APPROVER, at: at(12) };
  state.phase = 'CleaningUp';
  return state;
}

export function completed(): MigrationState {
  const state = approved();
  state.phase = 'Completed';
  state.updatedAt = at(20);
  for (const c of state.clusters) {
    c.status = 'cleaned';
    c.steps.push(step('remove-annotation', 15, 'IRSA annotation removed'));
  }
  return state;
}

export function rejected(): MigrationState {
  const state = awaitingApproval();
  state.decision = { decision: 'reject', by: APPROVER, at: at(12), reason: 'error rate rose in sandbox-b' };
  state.failure = { type: 'Rejected', message: `rejected by ${APPROVER}`, step: 'approval', at: at(12) };
  state.phase = 'RolledBack';
  for (const c of state.clusters) {
    c.status = 'rolled-back';
    c.steps.push(step('rollback-delete-association', 13, `association a-${c.cluster} deleted`));
  }
  return state;
}

export function rollbackFailed(): MigrationState {
  const state = rejected();
  state.phase = 'RollbackFailed';
  const b = state.clusters[1]!;
  b.status = 'failed';
  b.steps.push(step('rollback-restore-annotation', 14, 'AccessDenied: not allowed', 'failed'));
  state.manualSteps = [
    'kubectl --context sandbox-b -n payments annotate serviceaccount reconciler eks.amazonaws.com/role-arn=arn:aws:iam::111122223333:role/eks-payments-reconciler --overwrite',
    'kubectl --context sandbox-b -n payments rollout restart deployment/reconciler',
  ];
  return state;
}

export function preflightFailed(): MigrationState {
  const state = migrating();
  state.phase = 'PreflightFailed';
  state.clusters = state.clusters.map((c) => ({ cluster: c.cluster, status: 'pending', steps: [] }));
  state.findings = [
    {
      severity: 'blocking',
      code: 'agent-missing',
      message: 'eks-pod-identity-agent add-on is not installed',
      cluster: 'sandbox-b',
    },
    {
      severity: 'blocking',
      code: 'fargate-pod',
      message: 'reconciler-0 runs on Fargate <no agent>',
      cluster: 'sandbox-a',
    },
  ];
  return state;
}

/** Everything as large as it gets: many clusters, long texts, many findings. */
export function huge(): MigrationState {
  const state = awaitingApproval();
  state.input.serviceAccount = { namespace: 'n'.repeat(63), name: 'a'.repeat(253) };
  const names = Array.from({ length: 80 }, (_, i) => `cluster-${String(i).padStart(2, '0')}-${'x'.repeat(60)}`);
  state.input.clusters = names;
  state.clusters = names.map((n, i) => ({ ...migrated(n, i), cluster: n }));
  state.findings = Array.from({ length: 120 }, (_, i) => ({
    severity: 'warning' as const,
    code: `code-${i}`,
    message: 'm'.repeat(400),
    cluster: names[i % names.length],
  }));
  state.input.options.approvers = Array.from({ length: 200 }, (_, i) => `U${String(i).padStart(8, '0')}`);
  state.failure = { type: 'Unknown', message: 'f'.repeat(5000), at: T0 };
  state.manualSteps = Array.from({ length: 100 }, () => 'kubectl '.repeat(20));
  state.warnings = Array.from({ length: 50 }, () => 'w');
  if (state.plan) state.plan.cleanup.removeAnnotations = names;
  return state;
}
