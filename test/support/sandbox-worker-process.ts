// A migration worker in a process of its own, on a sandbox fleet kept in a JSON file, so a
// test can kill it (SIGKILL: no cleanup code runs) and start another on the same fleet.
// Usage: node --import tsx test/support/sandbox-worker-process.ts <address> <namespace> <task queue> <fleet file> [bundle file]
// The bundle file holds workflow code the parent bundled already (bundling again takes seconds).
// Prints "ready" once it polls.
import { readFileSync } from 'node:fs';
import { NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createConsoleNotifier } from '../../src/adapters/console-notifier.js';
import { DEFAULT_PROBE } from '../../src/domain/verification-pod.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import { createMigrationWorker } from '../../src/temporal/worker.js';
import { quietTemporalLogs, workflowBundle } from './temporal.js';

async function run(): Promise<void> {
  const [address, namespace, taskQueue, file, bundleFile] = process.argv.slice(2);
  if (!address || !namespace || !taskQueue || !file)
    throw new Error('usage: <address> <namespace> <task queue> <fleet file>');
  quietTemporalLogs();
  const connection = await NativeConnection.connect({ address });
  const fleet = createSandboxFleet({ file, consistencyDelayMs: 0, podStartMs: 5 });
  const worker = await createMigrationWorker({
    connection,
    namespace,
    taskQueue,
    deps: {
      ...fleet,
      notifier: createConsoleNotifier(() => undefined),
      rolloutPollMs: 5,
      verificationProbe: DEFAULT_PROBE,
      verificationPollMs: 20,
      observationDefaults: { durationSeconds: 0 },
    },
    workflowBundle: bundleFile
      ? (JSON.parse(readFileSync(bundleFile, 'utf8')) as WorkflowBundleWithSourceMap)
      : await workflowBundle(),
    // Replay from history on the next worker: the test server does not hand a dead worker's sticky tasks on.
    maxCachedWorkflows: 0,
  });
  const running = worker.run();
  process.stdout.write('ready\n');
  await running;
}

run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
