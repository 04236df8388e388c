import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { ComposeService } from './compose-file.js';

/**
 * How docker-compose.yml runs on one host without containers. Each compose service has a
 * handler saying which image it stands in for, which container ports it listens on and
 * what runs in its place; everything else (environment, setup scripts, commands, mounts,
 * start order) comes from the compose file, translated for the host:
 *   - a service as an address (`temporal:7233`, or `postgresql` in a …_SEEDS/…_HOST/
 *     …_ADDRESS setting) becomes 127.0.0.1 and the port the harness gave that service;
 *   - a container path becomes the repo path its bind mount shows, a directory of the
 *     stack for a named volume, or a scratch directory of the service otherwise;
 *   - the settings listed in `host` below, which only exist because every process shares
 *     one network namespace here (ports that would collide) or because an image's binary
 *     is somewhere else.
 * Pure: test/stack/compose-harness.test.ts checks the plan of the real compose file.
 */

export type StepKind = 'database' | 'one-shot' | 'server';

export interface StackStep {
  service: string;
  kind: StepKind;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** The compose healthcheck command (CMD form), for our own image's services. */
  healthcheck?: string[];
  /** `database` steps: what the postgres image's entrypoint creates. */
  database?: { user: string; password: string; name: string; initScripts: string[] };
}

export interface StackTools {
  /** temporal-server, temporal-sql-tool, temporal-ui-server (scripts/provision-temporal-server.sh). */
  temporalBinDir: string;
  /** The schema and UI config the images carry, copied from the same modules. */
  temporalShareDir: string;
  /** Holds the `temporal` CLI (admin-tools runs setup-namespace.sh with it). */
  temporalCliDir: string;
  node: string;
}

export interface HostContext {
  repoRoot: string;
  stackDir: string;
  /** `<service>:<container port>` → the port on 127.0.0.1. */
  ports: Record<string, number>;
  /** Ports of the Temporal server's other services (history, matching, worker, membership). */
  temporalInternalPorts: Record<string, number>;
  tools: StackTools;
  /** What an operator's .env holds (compose `env_file`). */
  dotEnv: Record<string, string>;
}

interface Handler {
  /** The image the service runs in compose (repository, no tag); ours is built from the Dockerfile. */
  image: string;
  kind: StepKind;
  listens: number[];
  /** Settings only this host needs, over the translated compose environment. */
  host?: (ctx: HostContext) => Record<string, string>;
  /** The program in place of the image's default command, when compose names none. */
  program?: (ctx: HostContext) => string[];
}

/** Settings the Temporal server's embedded config template reads for its listeners (its image uses the defaults). */
export const TEMPORAL_INTERNAL_PORTS = [
  'FRONTEND_HTTP_PORT',
  'FRONTEND_MEMBERSHIP_PORT',
  'HISTORY_GRPC_PORT',
  'HISTORY_MEMBERSHIP_PORT',
  'MATCHING_GRPC_PORT',
  'MATCHING_MEMBERSHIP_PORT',
  'WORKER_GRPC_PORT',
  'WORKER_MEMBERSHIP_PORT',
] as const;

const published = (ctx: HostContext, key: string): number => {
  const port = ctx.ports[key];
  if (port === undefined) throw new Error(`the stack harness has no host port for ${key}`);
  return port;
};
const withPath = (dir: string) => `${dir}:${process.env.PATH ?? '/usr/bin:/bin'}`;
const appHost = (): Record<string, string> => ({
  // Each container has its own 9464/9465 in compose; here the worker and the bot share one host.
  METRICS_HOST: '127.0.0.1',
  METRICS_PORT: '0',
});

export const HANDLERS: Record<string, Handler> = {
  postgresql: { image: 'postgres', kind: 'database', listens: [5432] },
  'temporal-schema': {
    image: 'temporalio/admin-tools',
    kind: 'one-shot',
    listens: [],
    host: (ctx) => ({
      DB_PORT: String(published(ctx, 'postgresql:5432')),
      SCHEMA_DIR: join(ctx.tools.temporalShareDir, 'schema', 'postgresql', 'v12'),
      PATH: withPath(ctx.tools.temporalBinDir),
    }),
  },
  temporal: {
    image: 'temporalio/server',
    kind: 'server',
    listens: [7233],
    host: (ctx) => ({
      DB_PORT: String(published(ctx, 'postgresql:5432')),
      // Compose binds every interface of the container's own network; here, loopback only.
      BIND_ON_IP: '127.0.0.1',
      FRONTEND_GRPC_PORT: String(published(ctx, 'temporal:7233')),
      ...Object.fromEntries(Object.entries(ctx.temporalInternalPorts).map(([k, v]) => [k, String(v)])),
    }),
    // The image's entrypoint: `exec temporal-server start` (config from the environment).
    program: (ctx) => [join(ctx.tools.temporalBinDir, 'temporal-server'), 'start'],
  },
  'temporal-setup': {
    image: 'temporalio/admin-tools',
    kind: 'one-shot',
    listens: [],
    host: (ctx) => ({ PATH: withPath(ctx.tools.temporalCliDir) }),
  },
  'temporal-ui': {
    image: 'temporalio/ui',
    kind: 'server',
    listens: [8080],
    host: (ctx) => ({ TEMPORAL_UI_PORT: String(published(ctx, 'temporal-ui:8080')) }),
    // The image's start-ui-server.sh: `./ui-server --env docker start` beside config/docker.yaml.
    program: (ctx) => [
      join(ctx.tools.temporalBinDir, 'temporal-ui-server'),
      '--root',
      join(ctx.tools.temporalShareDir, 'ui'),
      '--env',
      'docker',
      'start',
    ],
  },
  worker: { image: 'migrate-identity', kind: 'server', listens: [], host: appHost },
  bot: {
    image: 'migrate-identity',
    kind: 'server',
    listens: [3000],
    host: (ctx) => ({ ...appHost(), SLACK_HOST: '127.0.0.1', SLACK_PORT: String(published(ctx, 'bot:3000')) }),
  },
};

/** `ENV` of the Dockerfile's last stage: what the worker and bot containers start with. */
export function imageEnv(dockerfile: string): Record<string, string> {
  const text = readFileSync(dockerfile, 'utf8').replace(/\\\n/g, ' ');
  const lastStage = text.split(/^FROM\s/m).at(-1) ?? '';
  const env: Record<string, string> = {};
  for (const [, body = ''] of lastStage.matchAll(/^ENV\s+(.*)$/gm)) {
    for (const [, key = '', value = ''] of body.matchAll(/(\w+)=(\S*)/g)) env[key] = value;
  }
  return env;
}

export function hostPath(service: ComposeService, containerPath: string, ctx: HostContext): string {
  const mounts = [...service.mounts].sort((a, b) => b.target.length - a.target.length);
  for (const m of mounts) {
    if (containerPath === m.target || containerPath.startsWith(`${m.target}/`)) {
      const base = m.bind ? resolve(ctx.repoRoot, m.source) : join(ctx.stackDir, 'volumes', m.source);
      return base + containerPath.slice(m.target.length);
    }
  }
  return join(ctx.stackDir, 'rootfs', service.name, containerPath);
}

/** Settings whose value is a host name (`POSTGRES_SEEDS: postgresql`); `POSTGRES_USER: temporal` is not one. */
export const HOST_SETTING = /(SEEDS|HOST|HOSTS|ADDRESS)$/;

function hostValue(
  service: ComposeService,
  value: string,
  ctx: HostContext,
  services: Map<string, ComposeService>,
  key = '',
): string {
  const address = /^([\w.-]+):(\d+)$/.exec(value);
  if (address?.[1] && services.has(address[1])) return `127.0.0.1:${published(ctx, `${address[1]}:${address[2]}`)}`;
  if (HOST_SETTING.test(key) && services.has(value)) return '127.0.0.1';
  if (value.startsWith('/')) return hostPath(service, value, ctx);
  return value;
}

export function handlerFor(service: string): Handler {
  const handler = HANDLERS[service];
  if (!handler) {
    throw new Error(`docker-compose.yml has a service ${service} the stack harness does not run: add it to HANDLERS`);
  }
  return handler;
}

/** One step per compose service, in `order`, with the host's commands and environment. */
export function planStack(services: Map<string, ComposeService>, order: string[], ctx: HostContext): StackStep[] {
  const appEnv = imageEnv(join(ctx.repoRoot, 'Dockerfile'));
  return order.map((name): StackStep => {
    const service = services.get(name);
    if (!service) throw new Error(`no service ${name} in docker-compose.yml`);
    const handler = handlerFor(name);
    const translate = (vars: Record<string, string>) =>
      Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, hostValue(service, v, ctx, services, k)]));
    // Compose's precedence: the image's ENV, then env_file, then `environment`.
    const env = {
      ...(service.build !== undefined ? translate(appEnv) : {}),
      ...(service.envFiles.length ? ctx.dotEnv : {}),
      ...translate(service.environment),
      ...handler.host?.(ctx),
    };
    if (handler.kind === 'database') {
      const initScripts = service.mounts
        .filter((m) => m.bind && m.target.startsWith('/docker-entrypoint-initdb.d/'))
        .sort((a, b) => basename(a.target).localeCompare(basename(b.target)))
        .map((m) => resolve(ctx.repoRoot, m.source));
      return {
        service: name,
        kind: 'database',
        command: '',
        args: [],
        env,
        cwd: ctx.repoRoot,
        database: {
          user: env.POSTGRES_USER ?? 'postgres',
          password: env.POSTGRES_PASSWORD ?? '',
          name: env.POSTGRES_DB ?? env.POSTGRES_USER ?? 'postgres',
          initScripts,
        },
      };
    }
    const hostArgv = (argv: string[]) =>
      argv.map((arg, i) => {
        // The image's interpreter is the host's of the same name; other paths are mounts.
        if (i === 0 && arg.startsWith('/') && !service.mounts.some((m) => arg.startsWith(`${m.target}/`))) {
          return basename(arg);
        }
        if (i === 0 && arg === 'node') return ctx.tools.node;
        return hostValue(service, arg, ctx, services);
      });
    const declared = service.entrypoint ?? service.command;
    const argv = declared ? hostArgv(declared) : handler.program?.(ctx);
    if (!argv?.[0]) throw new Error(`the stack harness has no command for ${name}`);
    const [command, ...args] = argv as [string, ...string[]];
    return {
      service: name,
      kind: handler.kind,
      command,
      args,
      env,
      cwd: ctx.repoRoot,
      // Our image's healthchecks run here as they are; the other images' probe container ports.
      ...(service.build !== undefined && service.healthcheck && { healthcheck: hostArgv(service.healthcheck) }),
    };
  });
}
