import { Connection } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { COMPOSE_FILE, readComposeFile, REPO_ROOT, startOrder } from './compose-file.js';
import { freePort } from './ports.js';
import { startPostgres, type PostgresServer } from './postgres.js';
import { runOnce, spawnService, waitUntil, type ServiceProcess } from './stack-processes.js';
import { HANDLERS, planStack, TEMPORAL_INTERNAL_PORTS, type StackStep, type StackTools } from './stack-plan.js';
import { temporalCliPath } from './temporal.js';
import { cacheDir } from './tools.js';

/**
 * docker-compose.yml's stack on this host, without containers: Debian's PostgreSQL, the
 * Temporal server, its SQL tool and UI server built from the Go module proxy
 * (scripts/provision-temporal-server.sh), compose's own setup scripts, and the worker and
 * the bot as separate processes with compose's environment (see stack-plan.ts). Every
 * port is a free one on 127.0.0.1; logs and data live in a temp dir, removed at the end
 * unless MIGRATE_IDENTITY_KEEP_STACK=1 (then its logs/ has one file per service).
 */

const WORKFLOW_SERVICE = 'temporal.api.workflowservice.v1.WorkflowService';
const HEALTH_SERVING = 1;

export type RestartableService = 'temporal' | 'temporal-ui' | 'worker' | 'bot';

export interface ProductionStack {
  readonly dir: string;
  readonly temporalAddress: string;
  readonly uiUrl: string;
  readonly slackEventsUrl: string;
  /** The environment a service was given (the worker's names its sandbox data directory). */
  env(service: string): Record<string, string>;
  process(service: RestartableService): ServiceProcess;
  /** Stops a server (SIGKILL: a crash), starts it again and waits until it serves; the milliseconds that took. */
  restart(service: RestartableService, signal?: NodeJS.Signals): Promise<number>;
  stop(): Promise<void>;
}

/** The binaries the stack needs, with the command that provides each one missing. */
export function provisionedTools(): StackTools {
  const base = process.env.TEMPORAL_SERVER_DIR ?? join(cacheDir(), 'temporal-server');
  const bin = join(base, 'bin');
  const missing = ['temporal-server', 'temporal-sql-tool', 'temporal-ui-server'].filter(
    (b) => !existsSync(join(bin, b)),
  );
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(', ')} missing in ${bin}: run scripts/provision-temporal-server.sh (builds them from the Go module proxy; ~10 min cold, under a second when cached)`,
    );
  }
  const cli = temporalCliPath();
  if (!cli) throw new Error('the Temporal CLI is not provisioned: run scripts/provision-temporal.sh');
  return {
    temporalBinDir: bin,
    temporalShareDir: join(base, 'share'),
    temporalCliDir: dirname(cli),
    node: process.execPath,
  };
}

async function frontendServing(address: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1000 });
    const { status } = await connection.healthService.check({ service: WORKFLOW_SERVICE });
    return Number(status) === HEALTH_SERVING;
  } catch {
    return false;
  } finally {
    await connection?.close();
  }
}

const logged = (server: ServiceProcess, msg: string) => () =>
  server.lines().some((line) => line.includes(`"msg":"${msg}"`));

/** Distinct free ports (each is only probed, so two probes could return the same one). */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

export async function startProductionStack(options: {
  /** What an operator's .env holds: Slack settings and the like. */
  dotEnv: Record<string, string>;
  /** Progress lines (service started, took N s). */
  log?: (line: string) => void;
}): Promise<ProductionStack> {
  const tools = provisionedTools();
  const log = options.log ?? (() => undefined);
  const listeners = Object.entries(HANDLERS).flatMap(([name, h]) => h.listens.map((p) => `${name}:${p}`));
  const allocated = await freePorts(listeners.length + TEMPORAL_INTERNAL_PORTS.length);
  const ports = Object.fromEntries(listeners.map((key, i) => [key, allocated[i] ?? 0]));
  const temporalInternalPorts = Object.fromEntries(
    TEMPORAL_INTERNAL_PORTS.map((key, i) => [key, allocated[listeners.length + i] ?? 0]),
  );
  const uiUrl = `http://127.0.0.1:${ports['temporal-ui:8080']}`;
  const services = readComposeFile(COMPOSE_FILE, {
    POSTGRES_PASSWORD: randomBytes(12).toString('hex'),
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_UI_URL: uiUrl,
    SLACK_PORT: String(ports['bot:3000']),
  });
  const stackDir = mkdtempSync(join(tmpdir(), 'migrate-identity-stack-'));
  mkdirSync(join(stackDir, 'logs'));
  const steps = planStack(services, startOrder(services), {
    repoRoot: REPO_ROOT,
    stackDir,
    ports,
    temporalInternalPorts,
    tools,
    dotEnv: options.dotEnv,
  });
  const temporalAddress = `127.0.0.1:${ports['temporal:7233']}`;
  const logFile = (service: string) => join(stackDir, 'logs', `${service}.log`);

  const ready: Record<RestartableService, (server: ServiceProcess) => Promise<unknown>> = {
    temporal: (s) => waitUntil(() => frontendServing(temporalAddress), 'the Temporal frontend', 90_000, s),
    'temporal-ui': (s) =>
      waitUntil(async () => (await fetch(`${uiUrl}/healthz`).catch(() => undefined))?.ok, 'the UI', 30_000, s),
    worker: (s) => waitUntil(logged(s, 'worker polling'), 'the worker to poll', 90_000, s),
    bot: (s) => waitUntil(logged(s, 'Slack app listening on /slack/events'), 'the bot', 60_000, s),
  };
  const servers = new Map<string, ServiceProcess>();
  let postgres: PostgresServer | undefined;

  const start = async (step: StackStep) => {
    const t0 = Date.now();
    const server = spawnService(step.service, step.command, step.args, {
      env: step.env,
      cwd: step.cwd,
      logFile: logFile(step.service),
    });
    servers.set(step.service, server);
    await ready[step.service as RestartableService](server);
    return Date.now() - t0;
  };
  const stop = async () => {
    for (const name of [...servers.keys()].reverse()) await servers.get(name)?.stop('SIGTERM');
    await postgres?.stop();
    if (process.env.MIGRATE_IDENTITY_KEEP_STACK === '1')
      process.stderr.write(`stack logs kept in ${join(stackDir, 'logs')}\n`);
    else rmSync(stackDir, { recursive: true, force: true });
  };

  try {
    for (const step of steps) {
      const t0 = Date.now();
      // Named volumes and scratch directories the environment points into.
      for (const value of Object.values(step.env)) {
        if (value.startsWith(stackDir)) mkdirSync(value, { recursive: true });
      }
      if (step.kind === 'database' && step.database) {
        postgres = await startPostgres({
          user: step.database.user,
          password: step.database.password,
          database: step.database.name,
          port: ports['postgresql:5432'] ?? 0,
          initScripts: step.database.initScripts,
          logFile: logFile(step.service),
        });
      } else if (step.kind === 'one-shot') {
        await runOnce(step.service, step.command, step.args, {
          env: step.env,
          cwd: step.cwd,
          logFile: logFile(step.service),
        });
      } else {
        await start(step);
      }
      log(
        `${step.service} ${step.kind === 'one-shot' ? 'done' : 'ready'} in ${((Date.now() - t0) / 1000).toFixed(1)}s`,
      );
    }
    // The containers' healthchecks of our own image (deploy/healthcheck.ts), as compose runs them.
    for (const step of steps.filter((s) => s.healthcheck)) {
      const [command = '', ...args] = step.healthcheck ?? [];
      await runOnce(`${step.service} healthcheck`, command, args, { env: step.env, cwd: step.cwd });
    }
  } catch (err) {
    await stop();
    throw err;
  }

  const stepOf = (service: string) => {
    const step = steps.find((s) => s.service === service);
    if (!step) throw new Error(`no service ${service} in the stack`);
    return step;
  };
  return {
    dir: stackDir,
    temporalAddress,
    uiUrl,
    slackEventsUrl: `http://127.0.0.1:${ports['bot:3000']}/slack/events`,
    env: (service) => stepOf(service).env,
    process: (service) => {
      const server = servers.get(service);
      if (!server) throw new Error(`${service} is not running`);
      return server;
    },
    async restart(service, signal = 'SIGTERM') {
      const t0 = Date.now();
      await servers.get(service)?.stop(signal);
      await start(stepOf(service));
      return Date.now() - t0;
    },
    stop,
  };
}
