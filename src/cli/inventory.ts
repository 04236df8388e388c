/**
 * `inventory` and `drift`: a scan of the fleet on demand, printed as a table, CSV or JSON;
 * `inventory schedule`: the Schedule that scans it (registered at start-up too).
 */
import type { Config } from '../config/index.js';
import { formatDuration, parseDurationSeconds } from '../domain/duration.js';
import { ValidationError } from '../domain/errors.js';
import { isDns1123Label, parseClusterList } from '../domain/names.js';
import { connectClient } from '../runtime/client.js';
import { parseFlags } from '../start-request/args.js';
import { scanInputFor, ScanService } from '../temporal/scans.js';
import { SCAN_SCHEDULE_ID } from '../../workflows/scan/messages.js';
import { renderDrift, renderInventory, renderInventoryCsv } from './inventory-render.js';
import type { CliIo } from './io.js';
import { jsonOutput } from './render.js';

export { INVENTORY_USAGE } from './inventory-usage.js';

async function withScans<T>(config: Config, fn: (scans: ScanService) => Promise<T>): Promise<T> {
  const { client, close } = await connectClient(config);
  try {
    const { taskQueue, uiUrl, namespace } = config.temporal;
    return await fn(new ScanService(client, taskQueue, uiUrl, namespace));
  } finally {
    await close();
  }
}

/** The scan `--clusters` and `--namespace` ask for (inventory, drift, slices, campaigns). */
export function scanScope(config: Config, flags: Record<string, string | true>) {
  const known = config.fleet.clusters.map((c) => c.name);
  const clusters = typeof flags.clusters === 'string' ? parseClusterList(flags.clusters, known) : undefined;
  const namespace = typeof flags.namespace === 'string' ? flags.namespace : undefined;
  if (namespace !== undefined && !isDns1123Label(namespace)) {
    throw new ValidationError(`namespace "${namespace}" is not a valid Kubernetes namespace name`, 'namespace');
  }
  return scanInputFor(config, {
    ...(clusters ? { clusters } : {}),
    ...(namespace === undefined ? {} : { namespace }),
  });
}

async function schedule(config: Config, args: string[], io: CliIo): Promise<number> {
  const { positionals, flags } = parseFlags(args, { values: ['every'], booleans: ['delete'] });
  if (positionals.length)
    throw new ValidationError(`inventory schedule takes no arguments (got ${positionals.join(' ')})`);
  if (flags.delete) {
    const deleted = await withScans(config, (scans) => scans.deleteSchedule());
    io.out(deleted ? `schedule ${SCAN_SCHEDULE_ID} deleted` : `no schedule ${SCAN_SCHEDULE_ID} to delete`);
    return 0;
  }
  const every =
    typeof flags.every === 'string' ? parseDurationSeconds(flags.every) : (config.scan.intervalSeconds ?? 86_400);
  if (every < 300) throw new ValidationError('--every must be at least 5m: a scan reads every cluster', 'every');
  const outcome = await withScans(config, (scans) => scans.ensureSchedule(scanInputFor(config), every));
  io.out(
    `schedule ${SCAN_SCHEDULE_ID}: scan ${config.fleet.clusters.length} cluster(s) every ${formatDuration(every)} (${outcome})`,
  );
  return 0;
}

/** `inventory …` and `drift …`. Exit 1 from `drift` when something is broken now. */
export async function runFleetCommand(
  command: 'inventory' | 'drift',
  config: Config,
  args: string[],
  io: CliIo,
): Promise<number> {
  if (command === 'inventory' && args[0] === 'schedule') return schedule(config, args.slice(1), io);
  const booleans = command === 'inventory' ? ['json', 'csv'] : ['json'];
  const { positionals, flags } = parseFlags(args, { values: ['clusters', 'namespace'], booleans });
  if (positionals.length) throw new ValidationError(`${command} takes no arguments (got ${positionals.join(' ')})`);
  if (flags.json && flags.csv) throw new ValidationError('--json and --csv: choose one');
  const input = scanScope(config, flags);
  const { report } = await withScans(config, (scans) => scans.scan(input));
  if (command === 'drift') {
    io.out(
      flags.json
        ? jsonOutput({ scannedAt: report.scannedAt, scope: report.scope, findings: report.findings })
        : renderDrift(report),
    );
    return report.summary.findings.broken > 0 ? 1 : 0;
  }
  io.out(flags.json ? jsonOutput(report) : flags.csv ? renderInventoryCsv(report) : renderInventory(report));
  return 0;
}
