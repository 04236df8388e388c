/**
 * N migrations at once, each its own service account in sandbox-a, -b and -c, one worker on
 * the sandbox's file store, zero waits, time-skipping server: how long until every one
 * reaches the approval gate, worker CPU and RSS peak, and port calls that failed because the
 * store was busy. Prints figures; asserts nothing.
 *   npx tsx scripts/bench-concurrent-migrations.ts [counts…]   (default: 10 50)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { IRSA_ANNOTATION } from '../src/domain/constants.js';
import { isTerminalPhase } from '../src/domain/migration-state.js';
import { workflowIdFor } from '../src/domain/workflow-id.js';
import { createSandboxFleet, irsaTrustStatement, type SandboxFleet } from '../src/sandbox/index.js';
import { stateQuery } from '../workflows/messages.js';
import { migrationInput, startHarness } from '../test/support/migration-harness.js';
import { createTimeSkippingEnv } from '../test/support/temporal.js';

const CLUSTERS = ['sandbox-a', 'sandbox-b', 'sandbox-c'];
const name = (i: number) => `app-${String(i).padStart(3, '0')}`;

/** N service accounts on IRSA in the three clusters, each with its own role. */
async function addServiceAccounts(fleet: SandboxFleet, count: number): Promise<void> {
  const state = await fleet.control.state();
  for (let i = 0; i < count; i += 1) {
    const sa = name(i);
    const roleArn = await fleet.control.putRole({
      name: `eks-bench-${sa}`,
      trustPolicy: {
        Version: '2012-10-17',
        Statement: CLUSTERS.map((c) => irsaTrustStatement(state, c, [`system:serviceaccount:bench:${sa}`])),
      },
    });
    for (const cluster of CLUSTERS) {
      await fleet.control.putServiceAccount(cluster, {
        namespace: 'bench',
        name: sa,
        annotations: { [IRSA_ANNOTATION]: roleArn },
      });
      await fleet.control.putWorkload(cluster, {
        namespace: 'bench',
        name: sa,
        serviceAccount: sa,
        containers: [{ name: 'app', image: 'bench:1', awsCli: true }],
      });
    }
  }
}

/** The ports, counting calls that failed because the store was busy (or locked). */
function counting(fleet: SandboxFleet, busy: { count: number }): SandboxFleet {
  const wrap = <T extends object>(port: T): T =>
    new Proxy(port, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) =>
          (value as (...a: unknown[]) => Promise<unknown>).apply(target, args).catch((err: unknown) => {
            if (/sandbox state is (busy|locked)/.test(String(err))) busy.count += 1;
            throw err;
          });
      },
    });
  return { ...fleet, eks: wrap(fleet.eks), iam: wrap(fleet.iam), kubernetes: wrap(fleet.kubernetes) };
}

async function run(count: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-migrations-'));
  const env = await createTimeSkippingEnv();
  try {
    const fleet = createSandboxFleet({ file: join(dir, 'fleet.sqlite'), consistencyDelayMs: 0, podStartMs: 5 });
    await addServiceAccounts(fleet, count);
    const busy = { count: 0 };
    const h = await startHarness(env, { fleet: counting(fleet, busy) });
    try {
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
      const cpu = process.cpuUsage();
      const started = performance.now();
      const accounts = Array.from({ length: count }, (_, i) => ({ namespace: 'bench', name: name(i) }));
      await Promise.all(
        accounts.map((serviceAccount) =>
          h.service.start(
            migrationInput(
              { consistencyWaitSeconds: 0, soakSeconds: 0 },
              {
                serviceAccount,
                roleArn: `arn:aws:iam::111122223333:role/eks-bench-${serviceAccount.name}`,
                clusters: CLUSTERS,
              },
            ),
          ),
        ),
      );
      const waiting = new Set(accounts.map((sa) => workflowIdFor(sa)));
      const failed: string[] = [];
      while (waiting.size > 0) {
        for (const id of [...waiting]) {
          const state = await env.client.workflow.getHandle(id).query(stateQuery);
          if (state.phase === 'AwaitingApproval') waiting.delete(id);
          else if (isTerminalPhase(state.phase)) {
            failed.push(`${id}: ${state.phase}`);
            waiting.delete(id);
          }
        }
        if (waiting.size > 0) await sleep(500);
      }
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      const used = process.cpuUsage(cpu);
      const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
      console.log(
        `${String(count).padStart(10)} | ${seconds.toFixed(1).padStart(7)} s | ${((used.user + used.system) / 1e6).toFixed(1).padStart(7)} s | ${mib(baseline).padStart(5)} → ${mib(peak).padStart(5)} MiB | ${String(busy.count).padStart(5)} | ${failed.length === 0 ? 'none' : failed.join('; ')}`,
      );
    } finally {
      await h.stop();
    }
  } finally {
    await env.teardown();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const counts = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  console.log('migrations | to gate   | worker CPU | worker RSS        | busy  | failed');
  for (const count of counts.length ? counts : [10, 50]) await run(count);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
