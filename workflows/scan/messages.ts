/**
 * The scan workflow's type, input and query, defined once for the worker, the CLI, the
 * Slack app and the Schedule.
 */
import { defineQuery } from '@temporalio/workflow';

export const SCAN_WORKFLOW_TYPE = 'scanWorkflow';
/** The Schedule that scans the fleet; its runs get ids `<this>/scheduled-<time>`. */
export const SCAN_SCHEDULE_ID = 'migrate-identity-scan';
export const SCAN_WORKFLOW_ID_PREFIX = 'migrate-identity-scan';

export interface ScanInput {
  clusters: string[];
  /** Scan one namespace only. */
  namespace?: string;
  /** Every fleet cluster and namespace: rules that need "nowhere" (an unused role) run only then. */
  complete: boolean;
  /**
   * `schedule`: compare with the previous scheduled scan (the Schedule hands its result to
   * the next run) and post the drift that is new. `on-demand`: report only.
   */
  trigger: 'schedule' | 'on-demand';
  /** kubectl context per cluster, for the fix commands. */
  kubeContexts?: Record<string, string>;
  /** Clusters read at once; default 4. */
  clusterConcurrency?: number;
}

export interface ScanProgress {
  phase: 'clusters' | 'iam' | 'report' | 'done';
  clusters: { total: number; done: number; failed: string[] };
  roles: { total: number; done: number };
}

export const scanProgressQuery = defineQuery<ScanProgress>('scanProgress');
