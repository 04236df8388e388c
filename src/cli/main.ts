import { userInfo } from 'node:os';
import { parseFlags } from '../start-request/args.js';
import { buildMigrationInput, START_BOOLEAN_FLAGS, START_USAGE, START_VALUE_FLAGS } from '../start-request/parse.js';
import { ConfigError, loadConfig, type Config } from '../config/index.js';
import { ValidationError } from '../domain/errors.js';
import { parseServiceAccountRef } from '../domain/names.js';
import { connectClient } from '../runtime/stack.js';
import { MigrationRequestError, MigrationService } from '../temporal/migrations.js';
import { runDemo } from './demo.js';
import { DIAGNOSE_USAGE, runDiagnoseCommand } from './diagnose.js';
import { INVENTORY_USAGE, runFleetCommand } from './inventory.js';
import type { CliIo } from './io.js';
import { jsonOutput, renderList, renderPlan, renderState } from './render.js';
import { runSandboxCommand } from './sandbox.js';
import { watchMigration } from './watch.js';

export const USAGE = `usage: migrate-identity <command>
  start <ns>/<sa> --role <arn> --clusters a,b,c [options] [--as <user>] [--json]
      options: ${START_USAGE.replace(/^\S+ --role <role-arn> --clusters a,b,c /, '')}
  plan <ns>/<sa> --role <arn> --clusters a,b,c [--json]
  status <ns>/<sa> [--json] [--watch]
  list [--json] [--all]
  approve|reject <ns>/<sa> --as <user> [--reason <text>]
  pause|resume <ns>/<sa> [--as <user>]
  abort <ns>/<sa> [--as <user>] [--reason <text>]
  sandbox show [--json] | reset [--with-drift] | fault <cluster> <step> <kind> [--count N] | clear-faults
  demo [--yes] [--json]
${INVENTORY_USAGE}
${DIAGNOSE_USAGE}`;

/** A problem with what the user typed: exit code 2. */
class UsageError extends Error {}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

async function withService<T>(config: Config, fn: (service: MigrationService) => Promise<T>): Promise<T> {
  const { client, close } = await connectClient(config);
  try {
    return await fn(
      new MigrationService(client, config.temporal.taskQueue, config.temporal.uiUrl, config.temporal.namespace),
    );
  } finally {
    await close();
  }
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
    const config = loadConfig(env);
    switch (command) {
      case 'start':
      case 'plan': {
        const { tokens, as, json } = splitStartArgs(args);
        const input = buildMigrationInput(tokens, {
          fleet: config.fleet,
          requestedBy: as ?? osUser(),
          requireApprovers: command === 'start',
        });
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
        const { positionals, flags } = parseFlags(args, { values: [], booleans: ['json', 'watch'] });
        const sa = onlyServiceAccount(positionals, 'status');
        return await withService(config, async (service) => {
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
        if (typeof flags.as !== 'string')
          throw new UsageError(`${command} needs --as <user> (who decides is recorded)`);
        const by = flags.as;
        const reason = typeof flags.reason === 'string' ? flags.reason : undefined;
        return await withService(config, async (service) => {
          const state = await service.decide(sa, { decision: command, by, reason });
          io.out(flags.json ? jsonOutput(state) : `${command}d by ${by}: ${state.workflowId}`);
          return 0;
        });
      }
      case 'pause':
      case 'resume':
      case 'abort': {
        const { positionals, flags } = parseFlags(args, { values: ['as', 'reason'], booleans: [] });
        const sa = onlyServiceAccount(positionals, command);
        const by = typeof flags.as === 'string' ? flags.as : osUser();
        return await withService(config, async (service) => {
          if (command === 'abort')
            await service.abort(sa, by, typeof flags.reason === 'string' ? flags.reason : undefined);
          else if (command === 'pause') await service.pause(sa, by);
          else await service.resume(sa, by);
          io.out(`${command} requested for ${positionals[0] ?? ''} (takes effect at the next step boundary)`);
          return 0;
        });
      }
      case 'sandbox':
        return await runSandboxCommand(config, args, io);
      case 'demo':
        return await runDemo(config, args, io, env);
      case 'inventory':
      case 'drift':
        return await runFleetCommand(command, config, args, io);
      case 'diagnose':
        return await runDiagnoseCommand(config, args, io, osUser());
      default:
        throw new UsageError(`unknown command "${command}"\n${USAGE}`);
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof ValidationError) {
      io.err(`migrate-identity: ${err.message}`);
      return 2;
    }
    if (err instanceof ConfigError || err instanceof MigrationRequestError) {
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
