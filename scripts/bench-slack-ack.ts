/**
 * How fast does the Slack app acknowledge `/migrate-identity` under load? Runs the real Bolt
 * HTTP receiver in a child process (Temporal stubbed, every call delayed so a slow Temporal
 * is part of the picture), fires concurrent, correctly signed slash commands at it from this
 * process, and prints ack latency. The Web API and response_url stand-in runs here too, so
 * the app's process does nothing but the app.
 *
 *   npx tsx scripts/bench-slack-ack.ts [--requests 500] [--concurrency 50] [--temporal-delay-ms 2000] [--warmup 50]
 *
 * Slack gives up on an ack after 3 seconds; the answer itself follows through response_url.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startSlackApp } from '../slack/app.js';
import { loadConfig } from '../src/config/index.js';
import { SlackApiStandIn } from '../test/support/slack-api.js';
import { recordingLogger, SIGNING_SECRET } from '../test/support/slack-harness.js';
import { postSigned, slashCommandBody } from '../test/support/slack-requests.js';
import { StubMigrations } from '../test/support/slack-stub-migrations.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '50' },
    'temporal-delay-ms': { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '50' },
    // Internal: run as the app process against this Web API stand-in.
    'app-for': { type: 'string' },
  },
});

const ROLE = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';

/** The child: the Slack app alone, printing its port. */
async function serveApp(apiUrl: string, delayMs: number): Promise<void> {
  const migrations = new StubMigrations();
  migrations.delayMs = delayMs;
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_PORT: '0',
    SLACK_API_URL: apiUrl,
  });
  const app = await startSlackApp(config, { migrations, logger: recordingLogger(), host: '127.0.0.1' });
  console.log(JSON.stringify({ port: app.port }));
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.once('end', resolve));
  await app.stop();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function bench(): Promise<void> {
  const requests = Number(values.requests);
  const concurrency = Number(values.concurrency);
  const delayMs = Number(values['temporal-delay-ms']);
  const warmup = Number(values.warmup);
  const api = await SlackApiStandIn.start();
  const script = fileURLToPath(import.meta.url);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', script, '--app-for', api.apiUrl, '--temporal-delay-ms', String(delayMs)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  try {
    const firstLine = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
    const { port } = JSON.parse(String(firstLine.value)) as { port: number };
    const url = `http://127.0.0.1:${port}/slack/events`;
    let sent = 0;
    const command = (text: string) =>
      postSigned(url, slashCommandBody({ text, userId: 'U0REQUESTER', responseUrl: api.responseUrl(String(sent++)) }), {
        secret: SIGNING_SECRET,
      });

    // Not measured: the first requests pay for JIT and connection set-up.
    await Promise.all(
      Array.from({ length: warmup }, (_, i) => command(`payments/warmup-${i} --role ${ROLE} --clusters sandbox-a`)),
    );
    await api.waitFor(() => api.responses.length >= warmup || undefined, 'warm-up answers', 60_000);

    const latencies: number[] = [];
    let failures = 0;
    let next = 0;
    const started = performance.now();
    const loop = async () => {
      while (next < requests) {
        const i = next++;
        const res = await command(`payments/sa-${i} --role ${ROLE} --clusters sandbox-a,sandbox-b`);
        if (res.status === 200) latencies.push(res.ms);
        else failures += 1;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, loop));
    const wallMs = performance.now() - started;
    await api.waitFor(() => api.responses.length >= warmup + requests - failures || undefined, 'every answer', 120_000);

    const sorted = latencies.sort((a, b) => a - b);
    const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
    console.log(
      `slash commands: ${requests} (${concurrency} concurrent), Temporal delay ${delayMs} ms, non-200: ${failures}`,
    );
    console.log(
      `ack latency: p50 ${fmt(percentile(sorted, 50))}, p99 ${fmt(percentile(sorted, 99))}, max ${fmt(sorted.at(-1) ?? Number.NaN)}`,
    );
    console.log(
      `throughput: ${((requests / wallMs) * 1000).toFixed(0)} acks/s; every answer then arrived via response_url`,
    );
  } finally {
    child.stdin?.end();
    await new Promise((resolve) => child.once('exit', resolve));
    await api.close();
  }
}

const run = values['app-for'] ? serveApp(values['app-for'], Number(values['temporal-delay-ms'])) : bench();
run.catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
