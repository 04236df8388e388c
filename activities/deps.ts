import type { RunningMigration } from '../src/domain/fleet-report.js';
import type { CloudTrailPort } from '../src/ports/cloudtrail.js';
import type { DriftNotifierPort } from '../src/ports/drift-notifier.js';
import type { EksPort } from '../src/ports/eks.js';
import type { IamPort } from '../src/ports/iam.js';
import type { KubernetesPort } from '../src/ports/kubernetes.js';
import type { NotifierPort } from '../src/ports/notifier.js';
import type { ObservationOptions } from '../src/domain/observation.js';
import type { ProbeSettings } from '../src/domain/verification-pod.js';

/** What the activities need; the worker builds it from the fleet (sandbox or AWS). */
export interface ActivityDeps {
  eks: EksPort;
  iam: IamPort;
  kubernetes: KubernetesPort;
  notifier: NotifierPort;
  /** CloudTrail evidence (SDK audit, Pod Identity sessions, IRSA after restart); unset: the runs record none. */
  cloudTrail?: CloudTrailPort;
  /**
   * Every cluster of the fleet, not only a run's: before removing Pod Identity trust, every
   * one is searched for associations that still use the role, and the role reuse check
   * lists the role's associations in each. Default: the run's clusters.
   */
  fleetClusters?: string[];
  /** The EKS cluster name behind a fleet cluster name (Pod Identity session names use it). */
  eksClusterName?: (cluster: string) => string;
  /** The roles' account trust-policy length quota; default IAM's 2,048. */
  trustPolicyLimit?: number;
  /** The longest pause between rollout polls (they start at 100 ms and back off to it); default 1 s. */
  rolloutPollMs?: number;
  /** Where scheduled scans post new drift; unset: nowhere (the scan's report still has it). */
  driftNotifier?: DriftNotifierPort;
  /** Migration workflows running now (Temporal visibility); unset: the scan cannot tell. */
  runningMigrations?: () => Promise<RunningMigration[]>;
  /** The last scheduled scan's finding keys, when the Schedule did not hand its result over. */
  lastScheduledScanKeys?: () => Promise<string[] | undefined>;
  /** What verification pods run (fleet file `verification`); unset: no verification pods. */
  verificationProbe?: ProbeSettings;
  /** How often a verification pod is read while it runs; default 1 s. */
  verificationPollMs?: number;
  /**
   * The fleet's observation defaults, for runs started without `--observe`/`--observe-every`
   * (the fleet file's `defaults.observe`; a sandbox fleet observes only when asked). Unset:
   * OBSERVATION_DEFAULTS (7 days, a sample every 4 hours).
   */
  observationDefaults?: Partial<ObservationOptions>;
  /**
   * Scan payload sizes: about `bytes` of trust policies a catalog page (default 1 MB, under
   * Temporal's 2 MB payload limit), `rolesPerCall` roles a ListRoles call (default 1,000),
   * and the largest cluster scan result (`clusterScanBytes`, default 1.9 MB).
   */
  scanLimits?: { bytes?: number; rolesPerCall?: number; clusterScanBytes?: number };
}
