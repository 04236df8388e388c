import { writeFile } from 'node:fs/promises';
import { stringify as toYaml } from 'yaml';
import { parseFlags } from '../start-request/args.js';
import type { Config } from '../config/index.js';
import { ValidationError } from '../domain/errors.js';
import { openSandbox } from '../runtime/fleet-ports.js';
import { driftSeedFleet } from '../sandbox/drift-seed.js';
import { generateFleet, parseFleetSize } from '../sandbox/generate.js';
import {
  FAULT_KINDS,
  FAULT_STEPS,
  faultRefusal,
  isFaultKind,
  isFaultStep,
  type SandboxFleet,
} from '../sandbox/index.js';
import type { CliIo } from './io.js';
import { jsonOutput } from './render.js';

/** `sandbox show|reset|fault|clear-faults`: the embedded fleet, read and changed through its state file. */
export async function runSandboxCommand(config: Config, args: string[], io: CliIo): Promise<number> {
  if (config.fleet.mode !== 'sandbox') {
    throw new ValidationError(
      `the fleet (${config.fleetSource}) is not a sandbox: sandbox commands would change nothing`,
    );
  }
  const [sub, ...rest] = args;
  const { positionals, flags } = parseFlags(rest, {
    values: ['count', 'size', 'seed', 'fleet-file'],
    booleans: ['json', 'with-drift'],
  });
  const sandbox = openSandbox(config);
  switch (sub) {
    case 'show': {
      const [essentials, faults] = await Promise.all([sandbox.control.essentials(), sandbox.control.faults()]);
      if (flags.json) {
        io.out(jsonOutput({ ...essentials, faults }));
        return 0;
      }
      for (const [cluster, workloads] of Object.entries(essentials.workloadCredentials)) {
        io.out(`${cluster}:`);
        for (const a of essentials.associations.filter((x) => x.cluster === cluster)) {
          io.out(`  association ${a.namespace}/${a.serviceAccount} → ${a.roleArn}`);
        }
        for (const [sa, annotations] of Object.entries(essentials.serviceAccountAnnotations[cluster] ?? {})) {
          const irsa = annotations['eks.amazonaws.com/role-arn'];
          if (irsa) io.out(`  serviceaccount ${sa}: IRSA ${irsa}`);
        }
        for (const [workload, paths] of Object.entries(workloads))
          io.out(`  ${workload}: pods on ${paths.join(', ') || 'nothing'}`);
      }
      for (const [role, trust] of Object.entries(essentials.trustPolicies)) {
        io.out(
          `role ${role}: ${trust.Statement.length} trust statement(s)${trust.Statement.some((s) => JSON.stringify(s.Principal ?? '').includes('pods.eks.amazonaws.com')) ? ', Pod Identity trusted' : ''}`,
        );
      }
      if (faults.length)
        io.out(`faults: ${faults.map((f) => `${f.cluster} ${f.step} ${f.kind} ×${f.count ?? 1}`).join('; ')}`);
      return 0;
    }
    case 'reset':
      if (flags.size !== undefined) return resetToGenerated(config, sandbox, flags, io);
      if (flags.seed !== undefined || flags['fleet-file'] !== undefined) {
        throw new ValidationError('--seed and --fleet-file go with --size');
      }
      await sandbox.control.reset(flags['with-drift'] ? driftSeedFleet() : undefined);
      io.out(
        flags['with-drift'] ? 'sandbox reset to its seed fleet plus IRSA drift' : 'sandbox reset to its seed fleet',
      );
      return 0;
    case 'fault': {
      const [cluster, step, kind] = positionals;
      if (!cluster || !step || !kind)
        throw new ValidationError('usage: sandbox fault <cluster> <step> <kind> [--count N]');
      if (!isFaultStep(step)) throw new ValidationError(`unknown step "${step}" (steps: ${FAULT_STEPS.join(', ')})`);
      if (!isFaultKind(kind)) throw new ValidationError(`unknown kind "${kind}" (kinds: ${FAULT_KINDS.join(', ')})`);
      const clusters = config.fleet.clusters.map((c) => c.name);
      if (cluster !== '*' && !clusters.includes(cluster)) {
        throw new ValidationError(`unknown cluster "${cluster}" (clusters: ${clusters.join(', ')}, or * for IAM)`);
      }
      const refusal = faultRefusal({ cluster, step, kind });
      if (refusal !== undefined) throw new ValidationError(refusal);
      const count = typeof flags.count === 'string' ? Number(flags.count) : 1;
      if (!Number.isInteger(count) || (count < 1 && count !== -1))
        throw new ValidationError('--count must be a positive whole number, or -1 for always');
      await sandbox.control.setFault({ cluster, step, kind, count });
      io.out(`fault armed: ${cluster} ${step} ${kind} ×${count === -1 ? '∞' : count}`);
      return 0;
    }
    case 'clear-faults':
      await sandbox.control.clearFaults();
      io.out('faults cleared');
      return 0;
    default:
      throw new ValidationError(
        'usage: sandbox show [--json] | reset [--with-drift | --size <clusters>x<service accounts> [--seed N] [--fleet-file <path>]] | fault <cluster> <step> <kind> [--count N] | clear-faults',
      );
  }
}

/**
 * `sandbox reset --size 10x2000 [--seed N] [--fleet-file <path>]`: a generated fleet. Its
 * clusters are not the embedded fleet's, so `--fleet-file` writes a fleet file naming them
 * for MIGRATE_IDENTITY_FLEET_FILE (inventory, drift and migrations read the clusters there).
 */
async function resetToGenerated(
  config: Config,
  sandbox: SandboxFleet,
  flags: Record<string, string | true>,
  io: CliIo,
): Promise<number> {
  if (flags['with-drift'])
    throw new ValidationError('--size and --with-drift: choose one (a generated fleet has drift)');
  const size = parseFleetSize(String(flags.size));
  if ('error' in size) throw new ValidationError(size.error, 'size');
  const seed = flags.seed === undefined ? 1 : Number(flags.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new ValidationError(`--seed takes a whole number, 0 or more (got "${String(flags.seed)}")`, 'seed');
  }
  const fleet = generateFleet(size, seed);
  const clusters = Object.keys(fleet.clusters);
  await sandbox.control.reset(fleet);
  io.out(
    `sandbox reset to a generated fleet: ${clusters.length} clusters of ${size.serviceAccounts} service accounts (seed ${seed}): ${clusters.join(', ')}`,
  );
  const fleetFile = flags['fleet-file'];
  if (typeof fleetFile === 'string') {
    const file = {
      mode: 'sandbox',
      ...(config.fleet.sandbox === undefined ? {} : { sandbox: config.fleet.sandbox }),
      clusters: clusters.map((name) => ({ name })),
    };
    await writeFile(fleetFile, toYaml(file));
    io.out(`fleet file written: export MIGRATE_IDENTITY_FLEET_FILE=${fleetFile}`);
  } else if (!clusters.every((name) => config.fleet.clusters.some((c) => c.name === name))) {
    io.out(`its clusters are not in ${config.fleetSource}: add --fleet-file <path> to write a fleet file naming them`);
  }
  return 0;
}
