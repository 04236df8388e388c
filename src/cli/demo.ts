import { parseFlags } from '../start-request/args.js';
import type { Config } from '../config/index.js';
import { changeRecord } from '../domain/change-record.js';
import { ValidationError } from '../domain/errors.js';
import type { MigrationState } from '../domain/migration-state.js';
import { DEFAULT_OPTIONS, type MigrationInput } from '../domain/types.js';
import { openSandbox } from '../runtime/fleet-ports.js';
import { startLocalStack, workerPolling, type LocalStack } from '../runtime/local-stack.js';
import { connectClient, temporalReachable } from '../runtime/stack.js';
import { MigrationService } from '../temporal/migrations.js';
import { IRSA_ANNOTATION } from '../domain/constants.js';
import type { CliIo } from './io.js';
import { jsonOutput, renderState } from './render.js';
import { watchMigration } from './watch.js';

export const DEMO_REQUESTER = 'demo-requester';
export const DEMO_APPROVER = 'demo-approver';
const DEMO_CLUSTERS = ['sandbox-a', 'sandbox-b', 'sandbox-c'];
const SA = { namespace: 'payments', name: 'reconciler' };

export function demoInput(): MigrationInput {
  return {
    serviceAccount: SA,
    roleArn: 'arn:aws:iam::111122223333:role/eks-payments-reconciler',
    clusters: DEMO_CLUSTERS,
    requestedBy: DEMO_REQUESTER,
    // Short waits so the demo ends in about two minutes; they are the same durable timers.
    options: {
      ...DEFAULT_OPTIONS,
      consistencyWaitSeconds: 5,
      soakSeconds: 5,
      approvers: [DEMO_APPROVER],
      rolloutTimeoutSeconds: 120,
      // The sandbox's CloudTrail delivers in seconds: look it up every 2 s, for a minute at most.
      evidence: { pollSeconds: 2, waitSeconds: 60 },
      // The Observing phase, shortened as the other waits are: two samples, then the change record.
      observation: { durationSeconds: 20, sampleSeconds: 10 },
    },
  };
}

/** What "done" means for the demo, checked on the sandbox itself, not on the workflow's word. */
async function checkFleet(config: Config): Promise<string[]> {
  const essentials = await openSandbox(config).control.essentials();
  const problems: string[] = [];
  for (const cluster of DEMO_CLUSTERS) {
    if (
      !essentials.associations.some(
        (a) => a.cluster === cluster && a.namespace === SA.namespace && a.serviceAccount === SA.name,
      )
    ) {
      problems.push(`${cluster}: no Pod Identity association`);
    }
    if (essentials.serviceAccountAnnotations[cluster]?.[`${SA.namespace}/${SA.name}`]?.[IRSA_ANNOTATION]) {
      problems.push(`${cluster}: IRSA annotation still present`);
    }
  }
  const trust = essentials.trustPolicies['eks-payments-reconciler'];
  if (!trust?.Statement.some((s) => JSON.stringify(s.Principal ?? '').includes('pods.eks.amazonaws.com'))) {
    problems.push('role eks-payments-reconciler: no Pod Identity trust statement');
  }
  return problems;
}

export async function runDemo(config: Config, args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { flags } = parseFlags(args, { values: [], booleans: ['yes', 'json'] });
  if (config.fleet.mode !== 'sandbox')
    throw new ValidationError('the demo runs on the sandbox fleet only (unset MIGRATE_IDENTITY_FLEET_FILE)');
  let stack: LocalStack | undefined;
  let json: string | undefined;
  if (!(await temporalReachable(config))) {
    stack = await startLocalStack(config, { env, log: io.out });
  }
  const { client, close } = await connectClient(config);
  try {
    if (!stack && !(await workerPolling(client, config))) {
      io.out('Temporal is running but no worker polls the task queue: starting one');
      stack = await startLocalStack(config, { env, log: io.out });
    }
    const service = new MigrationService(
      client,
      config.temporal.taskQueue,
      config.temporal.uiUrl,
      config.temporal.namespace,
    );
    await openSandbox(config).control.reset();
    io.out('sandbox reset: payments/reconciler is on IRSA in sandbox-a, sandbox-b, sandbox-c');
    const input = demoInput();
    const started = await service.start(input);
    io.out(`started ${started.workflowId}\nwatch it in the Temporal UI: ${started.url}`);
    let state: MigrationState = await watchMigration(service, SA, io.out, { pollMs: 500 });
    if (state.phase === 'AwaitingApproval') {
      let approve = flags.yes === true;
      if (!approve) {
        if (!io.ask) throw new ValidationError('the migration waits for approval: run with --yes, or in a terminal');
        const answer = await io.ask(`Approve cleanup as ${DEMO_APPROVER}? [y/N] `);
        approve = /^y(es)?$/i.test(answer.trim());
      }
      await service.decide(SA, { decision: approve ? 'approve' : 'reject', by: DEMO_APPROVER, reason: 'demo' });
      state = await watchMigration(service, SA, io.out, {
        pollMs: 500,
        until: (s) => s.phase !== 'AwaitingApproval' && !['CleaningUp', 'Observing', 'RollingBack'].includes(s.phase),
      });
    }
    const problems = state.phase === 'Completed' ? await checkFleet(config) : [];
    io.out('');
    io.out(renderState(state, started.url));
    // The run's change record, as `status --record` prints it: what changed, the evidence, the rollback.
    if (state.phase === 'Completed') io.out(`\n${changeRecord(state)}`);
    if (state.phase === 'Completed' && problems.length === 0) {
      io.out(
        '\ndemo passed: Pod Identity associations in all three clusters, no IRSA annotation, Pod Identity trust in place',
      );
    } else if (problems.length) {
      io.out(`\ndemo FAILED: the sandbox does not show a completed migration:\n  ${problems.join('\n  ')}`);
    }
    if (flags.json) json = jsonOutput(state);
    return state.phase === 'Completed' && problems.length === 0 ? 0 : 1;
  } finally {
    await close();
    await stack?.stop();
    // Last, once the worker it started has stopped: a notification still in flight prints
    // while it drains, and the JSON must be the output's last line.
    if (json !== undefined) io.out(json);
  }
}
