import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { MigrationService } from '../../src/temporal/migrations.js';
import { SlackApiStandIn } from '../support/slack-api.js';
import { postSigned, slashCommandBody } from '../support/slack-requests.js';
import { createDevServerEnv } from '../support/temporal.js';
import { freePort, migrationInput, waitFor } from './support.js';

/**
 * The real worker and bot entry points, spawned as production runs them: SIGTERM drains
 * them (an activity in flight completes, a Slack request in flight gets its answer), they
 * exit 0, and nothing they print holds a secret from their environment.
 */

// temporal.api.enums.v1.PendingActivityState
const PENDING_ACTIVITY_STATE_STARTED = 2;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECRETS = {
  SLACK_BOT_TOKEN: 'xoxb-111111111111-2222222222222-observabilityBotTok3n',
  SLACK_SIGNING_SECRET: '8f1c0ffee5ecret5igning5ecretd00d',
  SLACK_APP_TOKEN: undefined,
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYOBSERVABILITY',
  AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEObservabilitySessionToken0123456789',
};

interface Spawned {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exit: Promise<number | null>;
  /** Parsed stdout lines (every one must be JSON). */
  json(): Record<string, unknown>[];
}

function spawnEntry(entry: 'worker' | 'bot', env: Record<string, string>): Spawned {
  const child = spawn(process.execPath, ['--import', 'tsx', `src/entrypoints/${entry}.ts`], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    stdout.push(...lines.filter(Boolean));
  });
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stdout,
    stderr,
    exit,
    json: () =>
      stdout.map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          throw new Error(`${entry} printed a line that is not JSON: ${line}`);
        }
      }),
  };
}

function assertNoSecrets(name: string, output: string): void {
  for (const [key, value] of Object.entries(SECRETS)) {
    if (value) assert.ok(!output.includes(value), `${name} output holds ${key}`);
  }
}

let env: TestWorkflowEnvironment;
let api: SlackApiStandIn;
let dataDir: string;
let baseEnv: Record<string, string>;
before(async () => {
  env = await createDevServerEnv();
  api = await SlackApiStandIn.start();
  dataDir = mkdtempSync(join(tmpdir(), 'migrate-identity-obs-'));
  baseEnv = {
    TEMPORAL_ADDRESS: env.address,
    MIGRATE_IDENTITY_DATA_DIR: dataDir,
    SLACK_API_URL: api.apiUrl,
    METRICS_HOST: '127.0.0.1',
    METRICS_PORT: '0',
    // The most verbose logs there are: if a secret leaks anywhere, it leaks here.
    LOG_LEVEL: 'trace',
    MIGRATE_IDENTITY_LOG_LEVEL: 'TRACE',
    ...(Object.fromEntries(Object.entries(SECRETS).filter(([, v]) => v)) as Record<string, string>),
  };
});
after(async () => {
  await api?.close();
  await env?.teardown();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('worker entry point', () => {
  test('SIGTERM mid-activity: the activity completes, the worker exits 0, logs are JSON without secrets', async () => {
    const taskQueue = `obs-shutdown-${Date.now()}`;
    const fleetFile = join(dataDir, 'fleet.yaml');
    // Pods take 4 s to start: the restart's rollout wait is in flight long enough to be interrupted.
    writeFileSync(
      fleetFile,
      'mode: sandbox\nsandbox:\n  consistencyDelayMs: 0\n  podStartMs: 4000\nclusters:\n  - name: sandbox-a\n',
    );
    const worker = spawnEntry('worker', {
      ...baseEnv,
      TEMPORAL_TASK_QUEUE: taskQueue,
      MIGRATE_IDENTITY_FLEET_FILE: fleetFile,
      TEMPORAL_METRICS_BIND_ADDRESS: `127.0.0.1:${await freePort()}`,
      SHUTDOWN_GRACE_SECONDS: '30',
    });
    try {
      const service = new MigrationService(env.client, taskQueue, 'http://127.0.0.1:8233');
      const { workflowId } = await service.start(migrationInput({}, ['sandbox-a']));
      const handle = env.client.workflow.getHandle(workflowId);
      await waitFor(
        async () =>
          (await handle.describe()).raw.pendingActivities?.some(
            (a) =>
              a.activityType?.name === 'restartAwaitAndVerify' && Number(a.state) === PENDING_ACTIVITY_STATE_STARTED,
          ),
        'restartAwaitAndVerify to be running on the spawned worker',
        60_000,
      );
      worker.child.kill('SIGTERM');
      assert.equal(await worker.exit, 0, worker.stderr.join(''));

      const history = await handle.fetchHistory();
      const events = history.events ?? [];
      const scheduled = events.find(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'restartAwaitAndVerify',
      );
      assert.ok(scheduled?.eventId);
      const outcome = events.find(
        (e) =>
          String(
            (
              e.activityTaskCompletedEventAttributes ??
              e.activityTaskFailedEventAttributes ??
              e.activityTaskTimedOutEventAttributes ??
              e.activityTaskCanceledEventAttributes
            )?.scheduledEventId,
          ) === String(scheduled.eventId),
      );
      assert.ok(
        outcome?.activityTaskCompletedEventAttributes,
        `restartAwaitAndVerify completed, not failed or cancelled: ${outcome ? JSON.stringify(outcome) : 'no outcome in the history'}`,
      );

      const lines = worker.json();
      const messages = lines.map((l) => l.msg);
      assert.ok(messages.includes('worker polling'));
      assert.ok(messages.includes('worker draining: in-flight activities finish'));
      assert.ok(
        messages.indexOf('activity restartAwaitAndVerify completed') >
          messages.indexOf('worker draining: in-flight activities finish'),
      );
      assert.equal(messages.at(-1), 'worker stopped');
      const event = lines.find((l) => l.source === 'migration' && l.cluster === 'sandbox-a');
      assert.ok(event, 'migration events are JSON lines with the cluster');
      assert.equal(event.workflowId, workflowId);
      assert.ok(
        lines.some((l) => l.source === 'temporal'),
        'the Temporal SDK logs through the same logger',
      );
      assertNoSecrets('worker', [...worker.stdout, ...worker.stderr].join('\n'));
    } finally {
      worker.child.kill('SIGKILL');
    }
  });
});

describe('bot entry point', () => {
  let slowResponder: Server;
  let answered: { at: number; body: string } | undefined;
  before(async () => {
    // A response_url that takes 1.5 s to answer: the reply is still in flight at SIGTERM.
    slowResponder = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        setTimeout(() => {
          answered = { at: Date.now(), body };
          res.writeHead(200).end('ok');
        }, 1500);
      });
    });
    await new Promise<void>((resolve) => slowResponder.listen(0, '127.0.0.1', resolve));
  });
  after(() => new Promise<void>((resolve) => slowResponder.close(() => resolve())));

  test('SIGTERM mid-request: stops accepting, finishes the reply, exits 0, logs are JSON without secrets', async () => {
    const port = await freePort();
    const bot = spawnEntry('bot', { ...baseEnv, SLACK_PORT: String(port), SLACK_HOST: '127.0.0.1' });
    try {
      const url = `http://127.0.0.1:${port}/slack/events`;
      await waitFor(() => bot.json().some((l) => l.msg === 'Slack app listening on /slack/events'), 'the bot', 60_000);
      // A forged request first: refused, and the signing secret must not show in the logs.
      const forged = await postSigned(url, 'command=/migrate-identity', { secret: 'not-the-secret' });
      assert.equal(forged.status, 401);

      const { port: responderPort } = slowResponder.address() as AddressInfo;
      const body = slashCommandBody({
        text: 'help',
        userId: 'U0REQUESTER',
        responseUrl: `http://127.0.0.1:${responderPort}/response/1`,
      });
      const acked = await postSigned(url, body, { secret: SECRETS.SLACK_SIGNING_SECRET });
      assert.equal(acked.status, 200, acked.text);
      const signalledAt = Date.now();
      bot.child.kill('SIGTERM');
      await waitFor(() => bot.json().some((l) => l.msg === 'bot stopping: finishing requests in flight'), 'stopping');
      await assert.rejects(fetch(url, { method: 'POST', body }), 'no new requests once stopping');

      assert.equal(await bot.exit, 0, bot.stderr.join(''));
      assert.ok(answered, 'the reply in flight was delivered');
      assert.ok(answered.at >= signalledAt, 'it was still in flight at SIGTERM');
      assert.match(answered.body, /migrate-identity/);

      const lines = bot.json();
      const request = lines.find((l) => l.source === 'slack-request' && l.type === 'slash_command');
      assert.ok(request, 'one line per Slack request');
      assert.equal(request.actor, 'U0REQUESTER');
      assert.equal(typeof request.ackMs, 'number');
      assert.equal(lines.at(-1)?.msg, 'bot stopped');
      assertNoSecrets('bot', [...bot.stdout, ...bot.stderr].join('\n'));
    } finally {
      bot.child.kill('SIGKILL');
    }
  });
});
