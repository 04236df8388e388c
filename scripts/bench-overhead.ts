/**
 * What orchestration costs: a zero-wait three-cluster migration (no soak, no consistency
 * wait, approved the moment it asks) on the real dev server and the sandbox, against the
 * same activity calls, with the same inputs, made directly one after another on a fresh
 * sandbox (the role lock's activities too: they reach the same server). Prints both wall times and the overhead; asserts nothing.
 *   npm run bench:overhead [-- --runs N] [-- --pod-start-ms MS] [-- --no-eager-activities]
 * --runs: default 3, the median is reported. --pod-start-ms: how long a restarted pod takes
 * to become ready in the sandbox (default 300). --no-eager-activities: the server dispatches
 * every activity through matching (a server before 1.32 without the setting,
 * src/temporal/server-config.ts). BENCH_BY_ACTIVITY=1 also prints the direct calls' count
 * and time per activity; BENCH_TIMELINE=1 where each run's wall time went, from its history
 * (scripts/history-timeline.ts), and the time no activity ran, from the worker's side;
 * BENCH_SPANS=1 with it lists each activity call's start and end (ms from the run's start).
 * The overhead is also given per workflow task of the migration (from its history): the
 * count is the workflow's design, the time per task this machine's.
 * One worker serves every run, as in production; its first run (the workflow code's first
 * execution) is shown and not counted.
 */
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import type { Notification, NotifierPort } from '../src/ports/notifier.js';
import { createSandboxFleet, type SandboxFleet } from '../src/sandbox/index.js';
import { workflowIdFor } from '../src/domain/workflow-id.js';
import { decisionUpdate } from '../workflows/messages.js';
import { APPROVER, endRoleLock, migrationInput, startHarness } from '../test/support/migration-harness.js';
import { createDevServerEnv } from '../test/support/temporal.js';
import { historyTimeline, type Timeline } from './history-timeline.js';

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  const value = at > 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} takes a number`);
  return value;
}

/** Pods become ready this long after a restart: a rollout that takes a moment, as real ones do. */
const POD_START_MS = flag('--pod-start-ms', 300);

interface Call {
  activity: string;
  args: unknown[];
  result: unknown;
}

const freshFleet = () => createSandboxFleet({ consistencyDelayMs: 0, podStartMs: POD_START_MS });

function depsOf(fleet: SandboxFleet, fleetClusters: string[], notifier: NotifierPort): Partial<ActivityDeps> {
  // The production rollout polling (the harness polls every few ms to keep tests fast).
  return {
    eks: fleet.eks,
    iam: fleet.iam,
    kubernetes: fleet.kubernetes,
    fleetClusters,
    notifier,
    rolloutPollMs: undefined,
  };
}

/** Forwards every call to whatever `current()` is at the time: one worker, a fresh sandbox per run. */
function forwarding<T extends object>(current: () => T): T {
  return new Proxy({} as T, {
    get(_target, prop) {
      const target = current();
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * One worker for every run, as in production (a long-running worker): each run on a fresh
 * sandbox, its activity calls recorded in order.
 */
async function temporalBench(env: TestWorkflowEnvironment) {
  let fleet = freshFleet();
  let calls: Call[] = [];
  let spans: { activity: string; from: number; to: number }[] = [];
  let approve: (() => void) | undefined;
  const record: ActivityInterceptorsFactory = (ctx) => ({
    inbound: {
      async execute(input, next) {
        const from = performance.now();
        const result = await next(input);
        calls.push({ activity: ctx.info.activityType, args: [...input.args], result });
        spans.push({ activity: ctx.info.activityType, from, to: performance.now() });
        return result;
      },
    },
  });
  const notifier: NotifierPort = {
    notify: (n: Notification) => {
      if (n.kind === 'approval-requested') approve?.();
      return Promise.resolve({});
    },
  };
  const clusters = Object.keys((await fleet.control.state()).clusters);
  const current: SandboxFleet = {
    ...fleet,
    eks: forwarding(() => fleet.eks),
    iam: forwarding(() => fleet.iam),
    kubernetes: forwarding(() => fleet.kubernetes),
  };
  const h = await startHarness(env, {
    fleet: current,
    notifier,
    activityInterceptors: [record],
    deps: depsOf(current, clusters, notifier),
  });
  return {
    /** The migration through Temporal on a fresh sandbox; its wall time and the activity calls it made. */
    async run(): Promise<{ ms: number; calls: Call[]; workflowTasks: number }> {
      fleet = freshFleet();
      calls = [];
      spans = [];
      const input = migrationInput({ soakSeconds: 0, consistencyWaitSeconds: 0 });
      const handle = env.client.workflow.getHandle(workflowIdFor(input.serviceAccount));
      let approval: Promise<unknown> = Promise.resolve();
      approve = () => {
        approval = handle.executeUpdate(decisionUpdate, { args: [{ decision: 'approve', by: APPROVER }] });
      };
      try {
        const started = performance.now();
        await h.service.start(input);
        const final = await h.service.result(input.serviceAccount);
        const ms = performance.now() - started;
        await approval;
        if (final.phase !== 'Completed')
          throw new Error(`the migration ended ${final.phase}: ${JSON.stringify(final.failure)}`);
        // Read after the clock stopped: the migration's workflow tasks, what each costs is the machine's.
        const timeline = historyTimeline((await handle.fetchHistory()).events ?? [], ['notify', 'notifyAll']);
        if (process.env.BENCH_TIMELINE) {
          printTimeline(timeline);
          printGaps(spans, started, started + ms);
          if (process.env.BENCH_SPANS)
            for (const sp of [...spans].sort((a, b) => a.from - b.from))
              console.log(
                `    ${(sp.from - started).toFixed(0).padStart(5)} ${(sp.to - started).toFixed(0).padStart(5)} ${sp.activity}`,
              );
        }
        return { ms, calls, workflowTasks: timeline.workflowTasks.count };
      } finally {
        await endRoleLock(env);
      }
    },
    stop: () => h.stop(),
  };
}

function printTimeline(t: Timeline): void {
  const f = (n: number) => n.toFixed(0);
  console.log(`  history ${f(t.wallMs)} ms: ${t.byCategory.map(([c, n]) => `${c} ${f(n)}`).join(', ')}`);
  console.log(
    `  workflow tasks ×${t.workflowTasks.count}: schedule-to-start ${t.workflowTasks.scheduleToStartMs.toFixed(1)} ms, start-to-close ${t.workflowTasks.startToCloseMs.toFixed(1)} ms (means)`,
  );
  console.log(
    `  activities (means, schedule-to-start / start-to-close): ${t.activities
      .map((a) => `${a.type} ×${a.count} ${a.scheduleToStartMs.toFixed(1)}/${a.startToCloseMs.toFixed(1)}`)
      .join(', ')}`,
  );
}

/**
 * The time no activity ran, from the worker's side: what the
 * run waited between one call's end and the next call's start, the largest first.
 */
function printGaps(spans: { activity: string; from: number; to: number }[], start: number, end: number): void {
  const gaps: { before: string; ms: number }[] = [];
  let last = start;
  for (const span of [...spans].sort((a, b) => a.from - b.from)) {
    if (span.from > last) gaps.push({ before: span.activity, ms: span.from - last });
    last = Math.max(last, span.to);
  }
  if (end > last) gaps.push({ before: '(end)', ms: end - last });
  const total = gaps.reduce((sum, g) => sum + g.ms, 0);
  const largest = [...gaps].sort((a, b) => b.ms - a.ms).slice(0, 8);
  console.log(
    `  no activity running: ${total.toFixed(0)} ms in ${gaps.length} gaps; largest before ${largest.map((g) => `${g.before} ${g.ms.toFixed(0)}`).join(', ')}`,
  );
}

/** Replaces every string of `value` found in `renamed` (ids the first sandbox made → the second's). */
function renameIn(value: unknown, renamed: Map<string, string>): unknown {
  if (typeof value === 'string') return renamed.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => renameIn(v, renamed));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renameIn(v, renamed)]));
  return value;
}

/** Notes where two results of one call differ in a string: ids the sandbox generated. */
function learnRenames(recorded: unknown, fresh: unknown, renamed: Map<string, string>): void {
  if (typeof recorded === 'string' && typeof fresh === 'string' && recorded !== fresh) renamed.set(recorded, fresh);
  else if (Array.isArray(recorded) && Array.isArray(fresh))
    recorded.forEach((r, i) => learnRenames(r, fresh[i], renamed));
  else if (recorded && fresh && typeof recorded === 'object' && typeof fresh === 'object')
    for (const [k, r] of Object.entries(recorded)) learnRenames(r, (fresh as Record<string, unknown>)[k], renamed);
}

/** The same calls, directly, in order, on a fresh sandbox; returns the wall time. */
async function direct(env: TestWorkflowEnvironment, calls: Call[]): Promise<number> {
  const fleet = freshFleet();
  const clusters = Object.keys((await fleet.control.state()).clusters);
  const notifier: NotifierPort = { notify: () => Promise.resolve({}) };
  const activities = createActivities(depsOf(fleet, clusters, notifier) as ActivityDeps) as Record<
    string,
    (...args: unknown[]) => Promise<unknown>
  >;
  const renamed = new Map<string, string>();
  const byActivity = new Map<string, number>();
  const counts = new Map<string, number>();
  const started = performance.now();
  for (const call of calls) {
    const fn = activities[call.activity];
    if (!fn) throw new Error(`no activity ${call.activity}`);
    const t0 = performance.now();
    const result = await new MockActivityEnvironment(undefined, { client: env.client }).run(
      fn,
      ...(renameIn(call.args, renamed) as unknown[]),
    );
    learnRenames(call.result, result, renamed);
    byActivity.set(call.activity, (byActivity.get(call.activity) ?? 0) + performance.now() - t0);
    counts.set(call.activity, (counts.get(call.activity) ?? 0) + 1);
  }
  const ms = performance.now() - started;
  if (process.env.BENCH_BY_ACTIVITY)
    console.log(
      [...byActivity]
        .sort((a, b) => b[1] - a[1])
        .map(([a, t]) => `${a} ×${counts.get(a) ?? 0} ${t.toFixed(0)} ms`)
        .join(', '),
    );
  // requestRoleLock started a lock workflow that no worker serves.
  await endRoleLock(env);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main() {
  const runs = Math.max(1, flag('--runs', 3));
  const env = await createDevServerEnv({ eagerActivities: !process.argv.includes('--no-eager-activities') });
  try {
    const bench = await temporalBench(env);
    try {
      // The worker's first run pays for its workflow code's first execution (JIT): shown, not counted.
      const first = await bench.run();
      console.log(`first run on a fresh worker: workflow ${(first.ms / 1000).toFixed(2)} s (not counted)`);
      const rows: { workflow: number; direct: number; calls: number; workflowTasks: number }[] = [];
      for (let i = 0; i < runs; i++) {
        const { ms, calls, workflowTasks } = await bench.run();
        rows.push({ workflow: ms, direct: await direct(env, calls), calls: calls.length, workflowTasks });
        const r = rows[rows.length - 1]!;
        console.log(
          `run ${i + 1}: workflow ${(r.workflow / 1000).toFixed(2)} s, direct ${(r.direct / 1000).toFixed(2)} s, ${r.calls} activity calls, ${r.workflowTasks} workflow tasks`,
        );
      }
      const workflow = median(rows.map((r) => r.workflow));
      const directMs = median(rows.map((r) => r.direct));
      const tasks = median(rows.map((r) => r.workflowTasks));
      console.log(
        `zero-wait migration of 3 clusters, pods ready ${POD_START_MS} ms after a restart, one worker (median of ${runs}):`,
      );
      console.log(`  through Temporal   ${(workflow / 1000).toFixed(2)} s`);
      console.log(`  activities direct  ${(directMs / 1000).toFixed(2)} s`);
      console.log(`  overhead           ${(((workflow - directMs) / workflow) * 100).toFixed(1)} % of wall`);
      // The design's part (how many workflow tasks) apart from the machine's (what one costs here).
      console.log(
        `  = ${(workflow - directMs).toFixed(0)} ms over ${tasks} workflow tasks of the migration, ${((workflow - directMs) / tasks).toFixed(1)} ms each`,
      );
    } finally {
      await bench.stop();
    }
  } finally {
    await env.teardown();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
