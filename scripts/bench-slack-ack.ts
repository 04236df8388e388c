/**
 * How fast does the Slack app acknowledge `/migrate-identity` under load, next to a bare
 * Bolt app on the same machine in the same run? Each app runs in its own child process
 * (the real Bolt HTTP receiver; for ours, Temporal stubbed with every call delayed, so a
 * slow Temporal is part of the picture). This process fires correctly signed slash
 * commands at them, a mix of help, status, list and start, `--concurrency` at a time,
 * alternating rounds between the two apps so machine load falls on both alike, and prints
 * ack latency (p50, p99) for each and their ratio. The Web API and response_url stand-in
 * runs here too, so the apps' processes do nothing but the apps.
 *
 *   npx tsx scripts/bench-slack-ack.ts [--requests 1200] [--concurrency 20] [--rounds 12]
 *     [--temporal-delay-ms 200] [--warmup 60] [--profile-dir <dir>]
 *
 * `--profile-dir` writes a CPU profile of our app's process (`--cpu-prof`) there. Slack gives up on an ack after 3 seconds; the answer follows through response_url.
 */
import { App } from '@slack/bolt';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startSlackApp } from '../slack/app.js';
import { loadConfig } from '../src/config/index.js';
import { SlackApiStandIn } from '../test/support/slack-api.js';
import { openPolicy, recordingLogger, SIGNING_SECRET } from '../test/support/slack-harness.js';
import * as fixtures from '../test/support/slack-fixtures.js';
import { postSigned, slashCommandBody } from '../test/support/slack-requests.js';
import { StubMigrations } from '../test/support/slack-stub-migrations.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '1200' },
    concurrency: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '12' },
    'temporal-delay-ms': { type: 'string', default: '200' },
    warmup: { type: 'string', default: '60' },
    'profile-dir': { type: 'string' },
    // Internal: run as an app process against this Web API stand-in.
    'app-for': { type: 'string' },
    bare: { type: 'boolean', default: false },
  },
});

const ROLE = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';

/** The child: our Slack app alone, with an access policy and a few runs to report on, printing its port. */
async function serveApp(apiUrl: string, delayMs: number): Promise<void> {
  const migrations = new StubMigrations();
  migrations.delayMs = delayMs;
  // Runs for `status` and `list` to render, each with a full step history.
  for (let i = 0; i < 5; i++) {
    const state = fixtures.awaitingApproval();
    state.input.serviceAccount = { namespace: 'payments', name: `existing-${i}` };
    state.workflowId = `migrate-identity/payments/existing-${i}`;
    migrations.states.set(state.workflowId, state);
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-slack-'));
  const policyFile = join(dir, 'access-policy.yaml');
  writeFileSync(policyFile, openPolicy({ users: ['U0APPROVER'] }));
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_PORT: '0',
    SLACK_API_URL: apiUrl,
    MIGRATE_IDENTITY_ACCESS_POLICY: policyFile,
  });
  const app = await startSlackApp(config, { migrations, logger: recordingLogger(), host: '127.0.0.1' });
  await serveUntilStdinEnds(app.port);
  await app.stop();
  rmSync(dir, { recursive: true, force: true });
}

/** Prints the port, waits for the parent to close stdin, then prints the CPU time used since the port. */
async function serveUntilStdinEnds(port: number): Promise<void> {
  const cpu = process.cpuUsage();
  console.log(JSON.stringify({ port }));
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.once('end', resolve));
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({ cpuMs: (used.user + used.system) / 1000 }));
}

/** The child: the smallest Bolt app that answers the command, on the same receiver settings. */
async function serveBareApp(apiUrl: string): Promise<void> {
  const app = new App({
    token: 'xoxb-bench',
    signingSecret: SIGNING_SECRET,
    clientOptions: { slackApiUrl: apiUrl },
    logger: recordingLogger(),
    deferInitialization: true,
  });
  app.command('/migrate-identity', async ({ ack }) => {
    await ack();
  });
  await app.init();
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as { address(): { port: number } };
  await serveUntilStdinEnds(server.address().port);
  await app.stop();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** help, status, list and start in turn: what people type, reads and writes alike. */
function mixText(i: number): string {
  switch (i % 4) {
    case 0:
      return 'help';
    case 1:
      return `status payments/existing-${i % 5}`;
    case 2:
      return 'list';
    default:
      return `payments/sa-${i % 20} --role ${ROLE} --clusters sandbox-a,sandbox-b`;
  }
}

interface Target {
  name: string;
  child: ChildProcess;
  lines: AsyncIterator<string>;
  url: string;
  latencies: number[];
  failures: number;
}

async function launch(name: string, args: string[], extraNodeArgs: string[] = []): Promise<Target> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [...extraNodeArgs, '--import', 'tsx', script, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const { port } = JSON.parse(String((await lines.next()).value)) as { port: number };
  return { name, child, lines, url: `http://127.0.0.1:${port}/slack/events`, latencies: [], failures: 0 };
}

async function bench(): Promise<void> {
  const requests = Number(values.requests);
  const concurrency = Number(values.concurrency);
  const rounds = Number(values.rounds);
  const delayMs = Number(values['temporal-delay-ms']);
  const warmup = Number(values.warmup);
  const api = await SlackApiStandIn.start();
  const ours = await launch(
    'migrate-identity',
    ['--app-for', api.apiUrl, '--temporal-delay-ms', String(delayMs)],
    values['profile-dir'] ? ['--cpu-prof', '--cpu-prof-dir', values['profile-dir']] : [],
  );
  const bare = await launch('bare Bolt', ['--app-for', api.apiUrl, '--bare']);
  let sent = 0;
  const command = (target: Target, text: string) =>
    postSigned(
      target.url,
      slashCommandBody({ text, userId: 'U0REQUESTER', responseUrl: api.responseUrl(String(sent++)) }),
      { secret: SIGNING_SECRET },
    );
  try {
    // Not measured: the first requests pay for JIT and connection set-up.
    for (const target of [ours, bare]) {
      await Promise.all(
        Array.from({ length: warmup }, (_, i) => command(target, mixText(i).replace('sa-', 'warmup-'))),
      );
    }
    let started = 0;
    const perRound = Math.ceil(requests / rounds);
    for (let round = 0; round < rounds; round++) {
      for (const target of round % 2 === 0 ? [ours, bare] : [bare, ours]) {
        let next = 0;
        const loop = async () => {
          while (next < perRound) {
            const i = started + next++;
            const res = await command(target, mixText(i));
            if (res.status === 200) target.latencies.push(res.ms);
            else target.failures += 1;
          }
        };
        await Promise.all(Array.from({ length: concurrency }, loop));
        started += perRound;
      }
    }
    // Our app answers everything but the acks through response_url: wait for those to land.
    await api.waitFor(
      () => api.responses.length >= warmup + perRound * rounds - ours.failures || undefined,
      'every answer',
      120_000,
    );

    const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
    console.log(
      `slash commands: ${perRound * rounds} per app, help/status/list/start in turn, ${concurrency} concurrent, ${rounds} alternating rounds; Temporal delay ${delayMs} ms`,
    );
    const summary = (t: Target) => {
      const sorted = [...t.latencies].sort((a, b) => a - b);
      const p50 = percentile(sorted, 50);
      const p99 = percentile(sorted, 99);
      console.log(
        `${t.name.padEnd(17)} ack p50 ${fmt(p50)}, p90 ${fmt(percentile(sorted, 90))}, p99 ${fmt(p99)}, max ${fmt(sorted.at(-1) ?? Number.NaN)}, non-200: ${t.failures}`,
      );
      return { p50, p99 };
    };
    const a = summary(ours);
    const b = summary(bare);
    console.log(`ratio (ours / bare): p50 ${(a.p50 / b.p50).toFixed(2)}×, p99 ${(a.p99 / b.p99).toFixed(2)}×`);
    // CPU time does not depend on what else the machine runs: the cost of a command itself.
    const commands = warmup + perRound * rounds;
    const cpu: string[] = [];
    for (const t of [ours, bare]) {
      t.child.stdin?.end();
      const { cpuMs } = JSON.parse(String((await t.lines.next()).value)) as { cpuMs: number };
      cpu.push(`${t.name} ${((cpuMs * 1000) / commands).toFixed(0)} µs`);
    }
    console.log(`CPU per command, everything after it included: ${cpu.join(', ')}`);
  } finally {
    for (const t of [ours, bare]) t.child.stdin?.end();
    await Promise.all([ours, bare].map((t) => new Promise((resolve) => t.child.once('exit', resolve))));
    await api.close();
  }
}

const run = values['app-for']
  ? values.bare
    ? serveBareApp(values['app-for'])
    : serveApp(values['app-for'], Number(values['temporal-delay-ms']))
  : bench();
run.catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
