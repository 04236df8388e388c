/**
 * The fleet scan (inventory and drift) of a generated sandbox fleet on the time-skipping
 * server, with API latency: wall time (clusters, then IAM), worker CPU and RSS peak, port
 * calls and the API round trips they stand for. Prints figures; asserts nothing.
 *   npx tsx scripts/bench-inventory.ts [--size 10x2000] [--latency 50] [--seed 1] [--profile] [--timeout 1200]
 * The worker runs in this process, over the sandbox's SQLite store; the fleet is generated
 * by a `sandbox reset --size` child process, so its memory is not counted here.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { roundTrips } from '../src/sandbox/latency.js';
import { createSandboxFleet, type SandboxFleet } from '../src/sandbox/index.js';
import { startScanHarness } from '../test/support/scan-harness.js';
import { createTimeSkippingEnv, quietTemporalLogs } from '../test/support/temporal.js';
import type { WorkflowHandle } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FleetReport } from '../src/domain/fleet-report.js';

quietTemporalLogs();

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '10x2000' },
    latency: { type: 'string', default: '50' },
    seed: { type: 'string', default: '1' },
    profile: { type: 'boolean', default: false },
    timeout: { type: 'string', default: '1200' },
  },
});

interface Tally {
  calls: number;
  trips: number;
  firstIamAt?: number;
  lastClusterCallAt: number;
}

/** The ports, counting calls and the round trips the real adapters would make for them. */
function counted(fleet: SandboxFleet, tally: Tally): SandboxFleet {
  const wrap = <T extends object>(port: T, iam: boolean): T =>
    new Proxy(port, {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const now = performance.now();
          if (iam) tally.firstIamAt ??= now;
          const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          tally.calls += 1;
          tally.trips += roundTrips(String(name), result);
          if (!iam) tally.lastClusterCallAt = performance.now();
          return result;
        };
      },
    });
  return {
    ...fleet,
    eks: wrap(fleet.eks, false),
    kubernetes: wrap(fleet.kubernetes, false),
    iam: wrap(fleet.iam, true),
  };
}

/** Self time per function over the profile, the heaviest first. */
function topFunctions(profile: { nodes: ProfileNode[]; samples?: number[]; timeDeltas?: number[] }, count: number) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  (profile.samples ?? []).forEach((id, i) => {
    const node = byId.get(id);
    if (!node) return;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url
      ? `${url.replace(/^.*\/(node_modules|src|activities|workflows)\//, '$1/')}:${lineNumber + 1}`
      : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    // Waiting for I/O, and the profiler itself, are not work.
    if (functionName === '(idle)' || url === 'node:inspector') return;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas?.[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, us]) => `  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`);
}

/** A scan that did not finish in time: where it stands, and what keeps failing. */
async function explainStuck(
  handle: WorkflowHandle,
  timeoutSeconds: number,
  tally: Tally,
  started: number,
): Promise<void> {
  const description = await handle.describe();
  const raw = description.raw.pendingActivities ?? [];
  console.log(`scan did NOT finish in ${timeoutSeconds} s (history ${description.historyLength} events):`);
  console.log(
    `  clusters read by ${((tally.lastClusterCallAt - started) / 1000).toFixed(1)} s; port calls ${tally.calls}`,
  );
  for (const activity of raw) {
    console.log(
      `  pending ${activity.activityType?.name ?? '?'}: attempt ${activity.attempt ?? '?'}, last failure: ${activity.lastFailure?.message || 'none recorded'}`,
    );
  }
  const task = description.raw.pendingWorkflowTask;
  if (task) console.log(`  workflow task: attempt ${task.attempt ?? '?'} (its completion keeps being refused)`);
  await handle.terminate('benchmark timeout');
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

async function main(): Promise<void> {
  const latencyMs = Number(values.latency);
  const dir = await mkdtemp(join(tmpdir(), 'bench-inventory-'));
  try {
    let started = performance.now();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/entrypoints/cli.ts', 'sandbox', 'reset', '--size', values.size, '--seed', values.seed],
      { env: { ...process.env, MIGRATE_IDENTITY_DATA_DIR: dir }, maxBuffer: 1 << 20 },
    );
    const clusters = (/\): (.*)$/m.exec(stdout)?.[1] ?? '').split(', ');
    console.log(
      `fleet ${values.size} (seed ${values.seed}) generated and stored in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    const env = await createTimeSkippingEnv();
    const tally: Tally = { calls: 0, trips: 0, lastClusterCallAt: 0 };
    const fleet = createSandboxFleet({ file: join(dir, 'sandbox-fleet.sqlite'), latencyMs, consistencyDelayMs: 0 });
    const h = await startScanHarness(env, { fleet: counted(fleet, tally) });
    const session = new Session();
    try {
      global.gc?.();
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
      if (values.profile) {
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.start');
      }
      const cpu = process.cpuUsage();
      started = performance.now();
      const run = await h.scans.start({ clusters, complete: true, trigger: 'on-demand' });
      const handle = env.client.workflow.getHandle(run.workflowId, run.runId);
      const report = await Promise.race([
        handle.result() as Promise<FleetReport>,
        sleep(Number(values.timeout) * 1000).then(() => undefined),
      ]);
      if (report === undefined) {
        await explainStuck(handle, Number(values.timeout), tally, started);
        return;
      }
      const wall = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      clearInterval(sampler);
      const clustersDone = (tally.lastClusterCallAt - started) / 1000;
      const iamFrom = ((tally.firstIamAt ?? started) - started) / 1000;
      const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
      console.log(`scan of ${clusters.length} clusters, API latency ${latencyMs} ms per round trip:`);
      console.log(
        `  wall ${wall.toFixed(1)} s: clusters read by ${clustersDone.toFixed(1)} s, IAM from ${iamFrom.toFixed(1)} s`,
      );
      console.log(
        `  worker CPU ${((used.user + used.system) / 1e6).toFixed(1)} s; RSS ${mib(baseline)} before, peak ${mib(peak)}`,
      );
      console.log(`  port calls ${tally.calls}; API round trips they stand for ${tally.trips}`);
      console.log(
        `  report: ${report.summary.serviceAccounts} service accounts in ${report.rows.length} rows, ${report.roles.length} roles, ${report.findings.length} findings, ${(JSON.stringify(report).length / 1e6).toFixed(2)} MB; states ${JSON.stringify(report.summary.states)}`,
      );
      if (report.notes.length) console.log(`  notes: ${report.notes.join(' | ')}`);
      if (values.profile) {
        const { profile } = await session.post('Profiler.stop');
        console.log('  CPU profile, self time:');
        for (const line of topFunctions(profile, 15)) console.log(line);
      }
    } finally {
      session.disconnect();
      await h.stop();
      await env.teardown();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
