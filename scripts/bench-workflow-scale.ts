/**
 * How a migration scales with the number of clusters, on the real time-skipping server and
 * the sandbox: wall time, workflow history length and size. Prints a table; asserts nothing.
 *   npx tsx scripts/bench-workflow-scale.ts [clusters…]   (default: 3 10 25)
 */
import proto from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createConsoleNotifier } from '../src/adapters/console-notifier.js';
import { IRSA_ANNOTATION } from '../src/domain/constants.js';
import { workflowIdFor } from '../src/domain/workflow-id.js';
import { createSandboxFleet, emptyFleet, irsaTrustStatement, SEED_ACCOUNT, SEED_REGION } from '../src/sandbox/index.js';
import { decisionUpdate } from '../workflows/messages.js';
import { advanceUntil, APPROVER, migrationInput, ROLE_ARN, startHarness } from '../test/support/migration-harness.js';
import { createTimeSkippingEnv } from '../test/support/temporal.js';

const SA = { namespace: 'payments', name: 'reconciler' };

async function fleetOf(count: number) {
  const fleet = createSandboxFleet({
    seed: emptyFleet(SEED_ACCOUNT, SEED_REGION),
    consistencyDelayMs: 0,
    podStartMs: 1,
  });
  const clusters = Array.from({ length: count }, (_, i) => `bench-${String(i + 1).padStart(2, '0')}`);
  for (const name of clusters) {
    await fleet.control.putCluster({ name });
    await fleet.control.putNode(name, { name: `${name}-node-1` });
    await fleet.control.putAddon(name, { name: 'eks-pod-identity-agent', status: 'ACTIVE' });
    await fleet.control.putDaemonSetStatus(name, {
      namespace: 'kube-system',
      name: 'eks-pod-identity-agent',
      desiredNumberScheduled: 1,
      numberReady: 1,
    });
    await fleet.control.putServiceAccount(name, { ...SA, annotations: { [IRSA_ANNOTATION]: ROLE_ARN } });
    await fleet.control.putWorkload(name, {
      namespace: SA.namespace,
      name: SA.name,
      serviceAccount: SA.name,
      containers: [{ name: 'app', image: 'reconciler:1', awsCli: true }],
    });
  }
  const state = await fleet.control.state();
  // One IRSA statement per cluster is what makes big roles hit the trust-policy quota: raise it here.
  await fleet.control.setTrustPolicySizeLimit(100_000);
  await fleet.control.putRole({
    name: 'eks-payments-reconciler',
    trustPolicy: {
      Version: '2012-10-17',
      Statement: clusters.map((c) => irsaTrustStatement(state, c, ['system:serviceaccount:payments:reconciler'])),
    },
  });
  return { fleet, clusters };
}

/** Pages through the history (small pages stay under gRPC's 4 MiB message limit) and sums its encoded size. */
async function historyFootprint(env: TestWorkflowEnvironment, workflowId: string) {
  let bytes = 0;
  let historyLength = 0;
  const byType = new Map<string, number>();
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await env.client.workflowService.getWorkflowExecutionHistory({
      namespace: env.namespace ?? 'default',
      execution: { workflowId },
      maximumPageSize: 20,
      nextPageToken,
    });
    for (const event of page.history?.events ?? []) {
      historyLength += 1;
      const size = proto.temporal.api.history.v1.HistoryEvent.encode(event).finish().length;
      bytes += size;
      const type = String(event.eventType);
      byType.set(type, (byType.get(type) ?? 0) + size);
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  if (process.env.BENCH_BY_TYPE) console.log([...byType].sort((a, b) => b[1] - a[1]).slice(0, 5));
  return { historyLength, bytes };
}

async function run(count: number) {
  const env = await createTimeSkippingEnv();
  const { fleet, clusters } = await fleetOf(count);
  const h = await startHarness(env, {
    fleet,
    notifier: createConsoleNotifier(() => undefined),
    trustPolicyLimit: 100_000,
  });
  try {
    const started = Date.now();
    await h.service.start(migrationInput({ soakSeconds: 60 }, { clusters }));
    const handle = env.client.workflow.getHandle(workflowIdFor(SA));
    const gate = await advanceUntil(
      env,
      handle,
      (s) => s.phase === 'AwaitingApproval' || s.phase === 'PreflightFailed',
      {
        stepMs: 60_000,
        maxSteps: 2000,
      },
    );
    if (gate.phase === 'PreflightFailed') throw new Error(`preflight: ${JSON.stringify(gate.findings)}`);
    await handle.executeUpdate(decisionUpdate, { args: [{ decision: 'approve', by: APPROVER }] });
    const final = await h.service.result(SA);
    const seconds = (Date.now() - started) / 1000;
    const { historyLength, bytes } = await historyFootprint(env, workflowIdFor(SA));
    console.log(
      `${String(count).padStart(8)} | ${final.phase.padEnd(10)} | ${seconds.toFixed(1).padStart(7)} s | ${String(historyLength).padStart(6)} | ${(bytes / 1024).toFixed(0).padStart(8)} KiB | ${(bytes / 1024 / count).toFixed(1).padStart(6)} KiB`,
    );
  } finally {
    await h.stop();
    await env.teardown();
  }
}

async function main() {
  const counts = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  console.log('clusters | phase      |    wall   | events | history (bytes) | per cluster');
  for (const count of counts.length ? counts : [3, 10, 25]) await run(count);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
