import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/index.js';
import type { Diagnosis } from '../domain/diagnosis.js';
import { parseDurationSeconds } from '../domain/duration.js';
import { runUrl } from '../domain/run-url.js';
import { DEFAULT_OPTIONS, type ServiceAccountRef } from '../domain/types.js';
import {
  DIAGNOSE_WORKFLOW_ID_PREFIX,
  DIAGNOSE_WORKFLOW_TYPE,
  type DiagnoseInput,
} from '../../workflows/diagnose/messages.js';

export interface DiagnoseRun {
  workflowId: string;
  runId: string;
  url: string;
}

/** A diagnosis of `serviceAccount` from configuration: every fleet cluster unless given, the fleet's consistency wait. */
export function diagnoseInputFor(
  config: Pick<Config, 'fleet'>,
  options: {
    serviceAccount: ServiceAccountRef;
    requestedBy: string;
    clusters?: string[];
    roleArn?: string;
    verificationPod?: boolean;
  },
): DiagnoseInput {
  const fleet = config.fleet;
  const wait = fleet.defaults.consistencyWait;
  const kubeContexts = Object.fromEntries(
    fleet.clusters.flatMap((c) => (c.kubeconfigContext ? [[c.name, c.kubeconfigContext]] : [])),
  );
  return {
    serviceAccount: options.serviceAccount,
    clusters: options.clusters ?? fleet.clusters.map((c) => c.name),
    ...(options.roleArn ? { roleArn: options.roleArn } : {}),
    verificationPod: options.verificationPod ?? true,
    consistencyWindowSeconds:
      wait === undefined ? DEFAULT_OPTIONS.consistencyWaitSeconds : parseDurationSeconds(String(wait)),
    ...(Object.keys(kubeContexts).length > 0 ? { kubeContexts } : {}),
    requestedBy: options.requestedBy,
  };
}

/** Starts diagnoses and waits for them (the CLI), or starts them and hands back the run (Slack). */
export class DiagnoseService {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly uiUrl: string,
    private readonly namespace = 'default',
  ) {}

  url(workflowId: string, runId?: string): string {
    return runUrl(this.uiUrl, this.namespace, workflowId, runId);
  }

  async start(input: DiagnoseInput): Promise<DiagnoseRun> {
    const sa = `${input.serviceAccount.namespace}/${input.serviceAccount.name}`;
    const workflowId = `${DIAGNOSE_WORKFLOW_ID_PREFIX}/${sa}/${randomUUID().slice(0, 8)}`;
    const handle = await this.client.workflow.start(DIAGNOSE_WORKFLOW_TYPE, {
      taskQueue: this.taskQueue,
      workflowId,
      args: [input],
      staticSummary: `Diagnose ${sa} in ${input.clusters.join(', ')}`,
    });
    return { workflowId, runId: handle.firstExecutionRunId, url: this.url(workflowId, handle.firstExecutionRunId) };
  }

  result(run: Pick<DiagnoseRun, 'workflowId' | 'runId'>): Promise<Diagnosis> {
    return this.client.workflow.getHandle(run.workflowId, run.runId).result() as Promise<Diagnosis>;
  }

  async diagnose(input: DiagnoseInput): Promise<{ run: DiagnoseRun; diagnosis: Diagnosis }> {
    const run = await this.start(input);
    return { run, diagnosis: await this.result(run) };
  }
}
