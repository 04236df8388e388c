import type { Logger } from '@slack/bolt';
import { NotAllowedError, ValidationError } from '../../src/domain/errors.js';
import { scanInputFor } from '../../src/temporal/scans.js';
import { viewRefusal } from '../access.js';
import type { WebClient } from '../adapters/web-client.js';
import { entryFor, markAudited, recordRefusal, type SlackAsker } from '../audit.js';
import type { ListenerDeps } from '../deps.js';
import type { SlackMessage } from '../views/block-kit.js';
import { errorReply } from '../views/command-replies.js';
import { fleetHomeRefusedView, fleetHomeView, inventorySummaryReply, scanStartedReply } from '../views/inventory.js';

/** What the audit line names as the subject of a `view`. */
const FLEET = 'the fleet inventory';

type Ctx = { logger: Logger; client: WebClient };

/** The access policy's `view` for `who`: a refusal is one audit log line and its reason. */
async function refusedView(deps: ListenerDeps, ctx: Ctx, who: SlackAsker): Promise<string | undefined> {
  const refusal = await viewRefusal(deps, who.userId, who.channelId);
  if (refusal) await recordRefusal(deps, ctx, FLEET, { ...entryFor('view', who), refused: refusal });
  return refusal;
}

/**
 * `/migrate-identity inventory`: the latest full scan's summary, or a scan started when
 * there is none (it only reads the fleet). For the access policy's viewers.
 */
export async function fleetInventory(
  deps: ListenerDeps,
  ctx: Ctx,
  args: string[],
  who: SlackAsker,
): Promise<SlackMessage> {
  if (args.length > 0)
    throw new ValidationError('usage: inventory (the whole fleet; the CLI filters by cluster and namespace)');
  const refusal = await refusedView(deps, ctx, who);
  if (refusal) {
    const err = new NotAllowedError(refusal);
    markAudited(err);
    throw err;
  }
  if (!deps.scans) return errorReply('fleet scans are not available in this deployment');
  const latest = await deps.scans.latest();
  if (latest) return inventorySummaryReply(latest);
  const started = await deps.scans.start(scanInputFor({ fleet: deps.fleet }));
  return scanStartedReply(started.url);
}

/**
 * The App Home tab's view, from the latest full scan; for anyone else, a view that says
 * why instead (it replaces whatever the tab showed before, say before a policy change).
 */
export async function fleetHome(deps: ListenerDeps, ctx: Ctx, who: SlackAsker) {
  const refusal = await refusedView(deps, ctx, who);
  if (refusal) return fleetHomeRefusedView(refusal);
  return fleetHomeView(deps.scans ? await deps.scans.latest() : undefined);
}
