import { Connection } from '@temporalio/client';
import { hostname } from 'node:os';
import { loadConfig, type Config } from '../src/config/index.js';
import { temporalConnectionOptions } from '../src/temporal/connection.js';

/**
 * Container healthchecks for docker-compose: `node --import tsx deploy/healthcheck.ts worker|bot`.
 * Exit 0 healthy, 1 not (the reason on stderr, which `docker inspect` shows).
 */

// A worker long-polls for about a minute at a time; a poller seen longer ago than this is gone.
const POLLER_FRESH_MS = 3 * 60_000;

/**
 * Healthy once a poller from this container is on the task queue: the workflow bundle
 * is built, the worker reached the server and is taking work. The SDK's default worker
 * identity is `<pid>@<hostname>`, and the container id is the hostname.
 */
async function checkWorker(config: Config): Promise<void> {
  const connection = await Connection.connect({ ...temporalConnectionOptions(config.temporal), connectTimeout: 3000 });
  try {
    const { pollers } = await connection.workflowService.describeTaskQueue({
      namespace: config.temporal.namespace,
      taskQueue: { name: config.temporal.taskQueue },
      taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
    });
    const suffix = `@${hostname()}`;
    const ours = (pollers ?? []).find((p) => p.identity?.endsWith(suffix));
    if (!ours) throw new Error(`no poller from ${suffix} on task queue ${config.temporal.taskQueue} yet`);
    const seconds = Number(ours.lastAccessTime?.seconds ?? 0);
    if (Date.now() - seconds * 1000 > POLLER_FRESH_MS) {
      throw new Error(`the last poll from ${ours.identity ?? suffix} is older than ${POLLER_FRESH_MS / 1000}s`);
    }
  } finally {
    await connection.close();
  }
}

/**
 * HTTP mode: the Bolt receiver answers /healthz. Socket Mode opens no port, so check the
 * one server the bot cannot work without.
 */
async function checkBot(config: Config): Promise<void> {
  if (config.slack && !config.slack.appToken) {
    const response = await fetch(`http://127.0.0.1:${config.slack.port}/healthz`, {
      signal: AbortSignal.timeout(3000),
    });
    if (!response.ok) throw new Error(`/healthz answered ${response.status}`);
    return;
  }
  const connection = await Connection.connect({ ...temporalConnectionOptions(config.temporal), connectTimeout: 3000 });
  await connection.close();
}

async function run(): Promise<void> {
  const role = process.argv[2];
  const config = loadConfig();
  if (role === 'worker') await checkWorker(config);
  else if (role === 'bot') await checkBot(config);
  else throw new Error(`usage: healthcheck.ts worker|bot (got ${role ?? 'nothing'})`);
}

run().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
