import { ValidationError } from '../../src/domain/errors.js';
import { scanInputFor } from '../../src/temporal/scans.js';
import type { ListenerDeps } from '../deps.js';
import type { SlackMessage } from '../views/block-kit.js';
import { errorReply } from '../views/command-replies.js';
import { fleetHomeView, inventorySummaryReply, scanStartedReply } from '../views/inventory.js';

/** `/migrate-identity inventory`: the latest full scan's summary, or a scan started when there is none. */
export async function fleetInventory(deps: ListenerDeps, args: string[]): Promise<SlackMessage> {
  if (args.length > 0)
    throw new ValidationError('usage: inventory (the whole fleet; the CLI filters by cluster and namespace)');
  if (!deps.scans) return errorReply('fleet scans are not available in this deployment');
  const latest = await deps.scans.latest();
  if (latest) return inventorySummaryReply(latest);
  const started = await deps.scans.start(scanInputFor({ fleet: deps.fleet }));
  return scanStartedReply(started.url);
}

/** The App Home tab's view, from the latest full scan. */
export async function fleetHome(deps: ListenerDeps) {
  return fleetHomeView(deps.scans ? await deps.scans.latest() : undefined);
}
