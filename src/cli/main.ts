import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { operateRefusal } from '../access/operate.js';
import { authorizeStart, resolveProbe, startingRule } from '../access/start.js';
import { parseFlags } from '../start-request/args.js';
import { buildMigrationInput, START_BOOLEAN_FLAGS, START_USAGE, START_VALUE_FLAGS } from '../start-request/parse.js';
import { ConfigError, loadConfig, type Config } from '../config/index.js';
import { NotAllowedError, ValidationError } from '../domain/errors.js';
import { formatServiceAccountRef, parseServiceAccountRef } from '../domain/names.js';
import type { MigrationState } from '../domain/migration-state.js';
import { runUrl } from '../domain/run-url.js';
import { workflowIdFor } from '../domain/workflow-id.js';
import type { ServiceAccountRef } from '../domain/types.js';
import { temporalConnectionOptions } from '../temporal/connection.js';
import { queryWorkflowOverGrpc } from '../temporal/grpc-query.js';
import { MigrationRequestError } from '../temporal/migration-request-error.js';
import type { MigrationService } from '../temporal/migrations.js';
import { STATE_QUERY_NAME } from '../../workflows/query-names.js';
import { CAMPAIGN_CLI_USAGE } from './campaign-usage.js';
import { DIAGNOSE_USAGE } from './diagnose-usage.js';
import { INVENTORY_USAGE } from './inventory-usage.js';
import type { CliIo } from './io.js';
import { changeRecord } from '../domain/change-record.js';
import { jsonOutput, renderList, renderPlan, renderState } from './render.js';
import { watchMigration } from './watch.js';

export const USAGE = `usage: migrate-identity <command>
  start <ns>/<sa> --role <arn> --clusters a,b,c [options] [--as <user>] [--json]
      options: ${START_USAGE.replace(/^\S+ --role <role-arn> --clusters a,b,c /, '')}
  plan <ns>/<sa> --role <arn> --clusters a,b,c [--json]
  status <ns>/<sa> [--json] [--watch] [--record]
  list [--json] [--all]
  approve|reject <ns>/<sa> --as <user> [--reason <text>]
  pause|resume <ns>/<sa> [--as <user>]
  abort <ns>/<sa> [--as <user>] [--reason <text>]
  rollback|end-observation <ns>/<sa> [--as <user>] [--reason <text>]   (while the run observes, after cleanup)
  (mode: aws follows the access policy: you act as the identity your OS user maps to; --as may only repeat it)
  sandbox show [--json] | reset [--with-drift | --size <clusters>x<service accounts> [--seed N] [--fleet-file <path>]]
        | fault <cluster> <step> <kind> [--count N] | clear-faults
  demo [--yes] [--json] | demo campaign [--yes] [--json]
${INVENTORY_USAGE}
${CAMPAIGN_CLI_USAGE}
${DIAGNOSE_USAGE}`;

const COMMANDS = [
  'start',
  'plan',
  'status',
  'list',
  'approve',
  'reject',
  'pause',
  'resume',
  'abort',
  'rollback',
  'end-observation',
  'sandbox',
  'demo',
  'inventory',
  'drift',
  'slices',
  'campaign',
  'diagnose',
  'help',
];

/** A problem with what the user typed: exit code 2. */
class UsageError extends Error {}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/**
 * Who runs the CLI; loaded when a command needs it (the Slack directory behind it brings
 * the Slack SDK, which `status` and `list` never need).
 */
async function cliAccessFor(config: Config) {
  const { cliAccess } = await import('./identity.js');
  return cliAccess(config, osUser());
}

/** The Temporal SDK loads here, on the first command that needs it. */
async function withService<T>(config: Config, fn: (service: MigrationService) => Promise<T>): Promise<T> {
  const [{ connectClient }, { MigrationService }] = await Promise.all([
    import('../runtime/client.js'),
    import('../temporal/migrations.js'),
  ]);
  const { client, close } = await connectClient(config);
  try {
    return await fn(
      new MigrationService(client, config.temporal.taskQueue, config.temporal.uiUrl, config.temporal.namespace),
    );
  } finally {
    await close();
  }
}

/**
 * A migration's state by one bare gRPC query, without loading the Temporal SDK; undefined
 * when that cannot answer (the caller asks through the SDK, which reports its own errors).
 */
async function stateByBareQuery(config: Config, sa: ServiceAccountRef): Promise<MigrationState | undefined> {
  const outcome = await queryWorkflowOverGrpc(temporalConnectionOptions(config.temporal), {
    namespace: config.temporal.namespace,
    workflowId: workflowIdFor(sa),
    queryType: STATE_QUERY_NAME,
  });
  if (outcome.kind === 'not-found') {
    throw new MigrationRequestError(`no migration of ${formatServiceAccountRef(sa)} found`, 'not-found');
  }
  return outcome.kind === 'result' ? (outcome.value as MigrationState) : undefined;
}

const START_FLAGS = {
  values: [...START_VALUE_FLAGS, 'as'],
  booleans: [...START_BOOLEAN_FLAGS, 'json'],
};

/** Splits off the CLI's own flags (`--as`, `--json`) from the start options. */
function splitStartArgs(args: string[]): { tokens: string[]; as?: string; json: boolean } {
  const { flags } = parseFlags(args, START_FLAGS);
  const tokens: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--json') continue;
    if (a === '--as') {
      i++;
      continue;
    }
    if (a.startsWith('--as=')) continue;
    tokens.push(a);
  }
  return { tokens, as: typeof flags.as === 'string' ? flags.as : undefined, json: flags.json === true };
}

function onlyServiceAccount(positionals: string[], command: string) {
  if (positionals.length !== 1) throw new UsageError(`${command} takes one <namespace>/<service-account>`);
  return parseServiceAccountRef(positionals[0] ?? '');
}

export async function runCli(argv: string[], io: CliIo, env: Record<string, string | undefined>): Promise<number> {
  const [command, ...args] = argv;
  try {
    if (!command || command === 'help' || command === '--help' || command === '-h') {
      io.out(USAGE);
      return command ? 0 : 2;
    }
    if (!COMMANDS.includes(command)) {
      throw new UsageError(`unknown command "${command}" (commands: ${COMMANDS.join(', ')}; --help shows usage)`);
    }
    const config = loadConfig(env);
    const origin = { via: 'cli' as const, requestId: randomUUID() };
    switch (command) {
      case 'start':
      case 'plan': {
        const { tokens, as, json } = splitStartArgs(args);
        const access = await cliAccessFor(config);
        const requestedBy = access.identity(as);
        let input = buildMigrationInput(tokens, {
          fleet: config.fleet,
          requestedBy,
          requireApprovers: command === 'start',
          approversFromPolicy: access.mode === 'policy',
        });
        if (access.mode === 'open') input = resolveProbe(access.policy, input);
        else if (command === 'plan') {
          const request = { namespace: input.serviceAccount.namespace, clusters: input.clusters };
          await startingRule(access.policy, access.directory, request, { id: requestedBy });
        } else input = await authorizeStart(access.policy, access.directory, input, { id: requestedBy });
        input = { ...input, origin };
        return await withService(config, async (service) => {
          if (command === 'plan') {
            const plan = await service.plan(input);
            io.out(json ? jsonOutput(plan) : renderPlan(plan));
            return plan.blocked ? 1 : 0;
          }
          const started = await service.start(input);
          io.out(
            json
              ? jsonOutput(started)
              : `started ${started.workflowId}\nfollow: migrate-identity status ${tokens[0] ?? ''} --watch\nrun: ${started.url}`,
          );
          return 0;
        });
      }
      case 'status': {
        const { positionals, flags } = parseFlags(args, { values: [], booleans: ['json', 'watch', 'record'] });
        const sa = onlyServiceAccount(positionals, 'status');
        if (flags.record && (flags.json || flags.watch))
          throw new UsageError('status --record takes neither --json nor --watch');
        const quick = flags.watch ? undefined : await stateByBareQuery(config, sa);
        if (quick) {
          const { uiUrl, namespace } = config.temporal;
          io.out(
            flags.record
              ? changeRecord(quick)
              : flags.json
                ? jsonOutput(quick)
                : renderState(quick, runUrl(uiUrl, namespace, quick.workflowId)),
          );
          return 0;
        }
        return await withService(config, async (service) => {
          if (flags.record) {
            io.out(changeRecord(await service.state(sa)));
            return 0;
          }
          if (flags.watch) {
            const state = await watchMigration(service, sa, (line) => io.out(line));
            if (flags.json) io.out(jsonOutput(state));
            return 0;
          }
          const state = await service.state(sa);
          io.out(flags.json ? jsonOutput(state) : renderState(state, service.url(state.workflowId)));
          return 0;
        });
      }
      case 'list': {
        const { flags } = parseFlags(args, { values: [], booleans: ['json', 'all'] });
        return await withService(config, async (service) => {
          const list = await service.list({ runningOnly: !flags.all });
          io.out(flags.json ? jsonOutput({ migrations: list }) : renderList(list));
          return 0;
        });
      }
      case 'approve':
      case 'reject': {
        const { positionals, flags } = parseFlags(args, { values: ['as', 'reason'], booleans: ['json'] });
        const sa = onlyServiceAccount(positionals, command);
        const access = await cliAccessFor(config);
        if (typeof flags.as !== 'string' && access.mode === 'open')
          throw new UsageError(`${command} needs --as <user> (who decides is recorded)`);
        const by = access.identity(typeof flags.as === 'string' ? flags.as : undefined);
        const reason = typeof flags.reason === 'string' ? flags.reason : undefined;
        return await withService(config, async (service) => {
          const state = await service.decide(sa, { decision: command, by, reason, ...origin });
          io.out(flags.json ? jsonOutput(state) : `${command}d by ${by}: ${state.workflowId}`);
          return 0;
        });
      }
      case 'pause':
      case 'resume':
      case 'abort': {
        const { positionals, flags } = parseFlags(args, { values: ['as', 'reason'], booleans: [] });
        const sa = onlyServiceAccount(positionals, command);
        const access = await cliAccessFor(config);
        const by = access.identity(typeof flags.as === 'string' ? flags.as : undefined);
        const reason = typeof flags.reason === 'string' ? flags.reason : undefined;
        return await withService(config, async (service) => {
          if (access.mode === 'policy') {
            const { input } = await service.state(sa);
            const refusal = await operateRefusal(input, by, access.directory, access.policy);
            if (refusal) {
              await service.recordRefusal(sa, { action: command, by, ...origin, refused: refusal });
              throw new NotAllowedError(`you may not ${command} this migration: ${refusal}`);
            }
          }
          const request = { by, ...origin, ...(reason !== undefined && { reason }) };
          if (command === 'abort') await service.abort(sa, request);
          else if (command === 'pause') await service.pause(sa, request);
          else await service.resume(sa, request);
          io.out(`${command} requested for ${positionals[0] ?? ''} (takes effect at the next step boundary)`);
          return 0;
        });
      }
      case 'rollback':
      case 'end-observation': {
        const { positionals, flags } = parseFlags(args, { values: ['as', 'reason'], booleans: ['json'] });
        const sa = onlyServiceAccount(positionals, command);
        const access = await cliAccessFor(config);
        const by = access.identity(typeof flags.as === 'string' ? flags.as : undefined);
        const reason = typeof flags.reason === 'string' ? flags.reason : undefined;
        const action = command === 'rollback' ? 'rollback' : 'end';
        return await withService(config, async (service) => {
          if (access.mode === 'policy') {
            const { input } = await service.state(sa);
            const refusal = await operateRefusal(
              input,
              by,
              access.directory,
              access.policy,
              'roll back or end the observation of',
            );
            if (refusal) {
              await service.recordRefusal(sa, { action: command, by, ...origin, refused: refusal });
              throw new NotAllowedError(
                `you may not ${command === 'rollback' ? 'roll back' : 'end the observation of'} this migration: ${refusal}`,
              );
            }
          }
          const state = await service.observe(sa, { action, by, ...origin, ...(reason !== undefined && { reason }) });
          io.out(
            flags.json
              ? jsonOutput(state)
              : action === 'rollback'
                ? `rollback requested by ${by}: ${positionals[0] ?? ''} goes back to IRSA (annotation, trust, association removed, restart, verify); follow: migrate-identity status ${positionals[0] ?? ''} --watch`
                : `observation of ${positionals[0] ?? ''} ended by ${by}: the run completes with its change record (migrate-identity status ${positionals[0] ?? ''} --record)`,
          );
          return 0;
        });
      }
      case 'sandbox':
        return await (await import('./sandbox.js')).runSandboxCommand(config, args, io);
      case 'demo':
        return args[0] === 'campaign'
          ? await (await import('./demo-campaign.js')).runCampaignDemo(config, args.slice(1), io, env)
          : await (await import('./demo.js')).runDemo(config, args, io, env);
      case 'inventory':
      case 'drift':
        return await (await import('./inventory.js')).runFleetCommand(command, config, args, io);
      case 'slices':
        return await (await import('./campaign.js')).runSlicesCommand(config, args, io);
      case 'campaign':
        return await (await import('./campaign.js')).runCampaignCommand(config, args, io, osUser());
      case 'diagnose':
        return await (await import('./diagnose.js')).runDiagnoseCommand(config, args, io, osUser());
      default:
        throw new UsageError(`unknown command "${command}" (--help shows usage)`);
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof ValidationError) {
      io.err(`migrate-identity: ${err.message}`);
      return 2;
    }
    if (err instanceof ConfigError || err instanceof MigrationRequestError || err instanceof NotAllowedError) {
      io.err(`migrate-identity: ${err.message}`);
      return 1;
    }
    const message = err instanceof Error ? err.message : String(err);
    if (/connect|ECONNREFUSED|transport|Failed to connect/i.test(message)) {
      io.err(`migrate-identity: cannot reach Temporal: ${message} (is \`npm start\` running?)`);
      return 1;
    }
    io.err(`migrate-identity: ${message}`);
    return 1;
  }
}
