import type { DriftFinding, DriftSeverity } from '../domain/drift.js';

/** Drift a scheduled scan found that the previous one did not. */
export interface DriftPost {
  /** The scan's workflow id: the link to its full report. */
  workflowId: string;
  scannedAt: string;
  newFindings: DriftFinding[];
  /** Every finding of the scan, new or not, by severity. */
  totals: Record<DriftSeverity, number>;
}

/** Where new drift goes: the console always, a Slack channel when `SLACK_DRIFT_CHANNEL` is set. */
export interface DriftNotifierPort {
  /** Never meant to fail a scan: delivery problems come back as a warning. */
  postNewDrift(post: DriftPost): Promise<{ warning?: string }>;
}
