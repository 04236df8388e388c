import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  DEFAULT_LIMITS,
  type CampaignInput,
  type CampaignItem,
  type CampaignState,
} from '../../src/domain/campaign.js';
import { DEFAULT_OPTIONS } from '../../src/domain/types.js';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import type { CampaignNotification, Notification, NotifierPort, NotifyResult } from '../../src/ports/notifier.js';
import { addSandboxApps, type SandboxApp } from '../../src/sandbox/campaign-seed.js';
import { seedFleet, type FleetState } from '../../src/sandbox/index.js';
import { CampaignService } from '../../src/temporal/campaigns.js';
import { campaignStateQuery, campaignWorkflowId } from '../../workflows/campaign/messages.js';
import { CampaignIdKey } from '../../workflows/search-attributes.js';
import { APPROVER, REQUESTER, type Harness } from './migration-harness.js';

export const ROLE = (name: string) => `arn:aws:iam::111122223333:role/${name}`;

/** A notifier that records every event and answers the first post of a thread as Slack would, with its ts. */
export interface RecordingNotifier extends NotifierPort {
  events: Notification[];
  campaignEvents: CampaignNotification[];
}

export function recordingNotifier(): RecordingNotifier {
  const events: Notification[] = [];
  const campaignEvents: CampaignNotification[] = [];
  return {
    events,
    campaignEvents,
    notify(event: Notification): Promise<NotifyResult> {
      events.push(event);
      const { slackThread, migration } = event;
      const first = slackThread?.channel !== undefined && slackThread.threadTs === undefined;
      const sa = `${migration.serviceAccount.namespace}/${migration.serviceAccount.name}`;
      return Promise.resolve(first ? { threadTs: `ts-${sa}` } : {});
    },
    notifyCampaign(event: CampaignNotification): Promise<NotifyResult> {
      campaignEvents.push(event);
      const first = event.slackThread?.channel !== undefined && event.slackThread.threadTs === undefined;
      return Promise.resolve(first ? { threadTs: `ts-campaign-${event.campaign.campaignId}` } : {});
    },
  };
}

/** One Deployment per cluster, on IRSA, each role trusting the clusters and subjects that use it. */
export function fleetWith(apps: SandboxApp[]): FleetState {
  return addSandboxApps(seedFleet(), apps);
}

export function itemsOf(apps: (SandboxApp & { wave?: number })[]): CampaignItem[] {
  return apps.map((app) => ({
    serviceAccount: { namespace: app.namespace, name: app.name },
    roleArn: ROLE(app.role),
    clusters: app.clusters,
    wave: app.wave ?? 1,
  }));
}

let campaigns = 0;

/** A campaign of `items` by REQUESTER, approved by APPROVER (the requester is listed, and refused); short waits, unique id. */
export function campaignInput(items: CampaignItem[], overrides: Partial<CampaignInput> = {}): CampaignInput {
  campaigns += 1;
  return {
    campaignId: `test-${campaigns}-${Date.now().toString(36)}`,
    requestedBy: REQUESTER,
    items,
    approvers: [APPROVER, REQUESTER],
    approval: 'wave',
    limits: DEFAULT_LIMITS,
    options: { ...DEFAULT_OPTIONS, consistencyWaitSeconds: 30, soakSeconds: 60, rolloutTimeoutSeconds: 60 },
    ...overrides,
  };
}

export function campaignService(env: TestWorkflowEnvironment, h: Harness): CampaignService {
  return new CampaignService(env.client, h.taskQueue, 'http://127.0.0.1:8233');
}

/** Moves the test server's clock in `stepMs` jumps until the campaign's state satisfies `done`. */
export async function advanceCampaign(
  env: TestWorkflowEnvironment,
  campaignId: string,
  done: (state: CampaignState) => boolean,
  { stepMs = 5_000, maxSteps = 400 } = {},
): Promise<CampaignState> {
  const handle = env.client.workflow.getHandle(campaignWorkflowId(campaignId));
  for (let i = 0; i < maxSteps; i++) {
    const state = await handle.query(campaignStateQuery);
    if (done(state)) return state;
    await env.sleep(stepMs);
  }
  const state = await handle.query(campaignStateQuery);
  throw new Error(`campaign did not reach the expected state; phase ${state.phase}: ${JSON.stringify(state.children)}`);
}

export interface ChildRun {
  serviceAccount: string;
  roleArn: string;
  clusters: string[];
  wave: number;
  start: number;
  end: number;
  campaignId?: string;
}

/** Each migration's run as the server recorded it: start and close times, its CampaignId. */
export async function childRuns(env: TestWorkflowEnvironment, state: CampaignState): Promise<ChildRun[]> {
  return Promise.all(
    state.items.map(async (item, i) => {
      const runId = state.children[i]?.runId;
      const description = await env.client.workflow.getHandle(workflowIdFor(item.serviceAccount), runId).describe();
      return {
        serviceAccount: `${item.serviceAccount.namespace}/${item.serviceAccount.name}`,
        roleArn: item.roleArn,
        clusters: item.clusters,
        wave: item.wave,
        start: description.startTime.getTime(),
        end: description.closeTime?.getTime() ?? Number.POSITIVE_INFINITY,
        campaignId: description.typedSearchAttributes.get(CampaignIdKey),
      };
    }),
  );
}

/** The most runs of `runs` open at one moment (a run ending when another starts does not overlap it). */
export function maxOverlap(runs: Pick<ChildRun, 'start' | 'end'>[]): number {
  const edges = runs.flatMap((r) => [
    { at: r.start, delta: 1 },
    { at: r.end, delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let open = 0;
  let most = 0;
  for (const edge of edges) {
    open += edge.delta;
    most = Math.max(most, open);
  }
  return most;
}
