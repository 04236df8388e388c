/** The diagnose workflow's type and input, defined once for the worker, the CLI and the Slack app. */
import type { ServiceAccountRef } from '../../src/domain/types.js';

export const DIAGNOSE_WORKFLOW_TYPE = 'diagnoseWorkflow';
export const DIAGNOSE_WORKFLOW_ID_PREFIX = 'migrate-identity-diagnose';

export interface DiagnoseInput {
  serviceAccount: ServiceAccountRef;
  clusters: string[];
  /** The role the service account should be on; default: its association's, else its annotation's, per cluster. */
  roleArn?: string;
  /** Run a verification pod per cluster (the only thing a diagnosis changes, and deletes again). */
  verificationPod: boolean;
  /** A change this recent may not have reached the webhook yet (the fleet's consistency wait). */
  consistencyWindowSeconds: number;
  /** kubectl context per cluster, for the next commands. */
  kubeContexts?: Record<string, string>;
  /** Who asked (CLI user or Slack user id), for the run's record. */
  requestedBy: string;
}
