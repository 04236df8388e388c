import type { CloudTrailPort } from '../ports/cloudtrail.js';
import type { EksPort } from '../ports/eks.js';
import type { IamPort } from '../ports/iam.js';
import type { KubernetesPort } from '../ports/kubernetes.js';
import type { SandboxControl } from './control.js';
import { createSandboxCloudTrail, type SandboxCloudTrailControl } from './cloudtrail.js';
import { createSandboxControl } from './control.js';
import { createSandboxEks } from './eks.js';
import { createSandboxIam } from './iam.js';
import { createSandboxKubernetes } from './kubernetes.js';
import { createRuntime } from './runtime.js';
import { seedFleet } from './seed.js';
import type { FleetState } from './state.js';
import { rowsOf } from './rows.js';
import { sqliteStore } from './sqlite-store.js';
import { memoryStore } from './store.js';

export interface SandboxOptions {
  /** Persist the state in this SQLite file, so worker restarts and the CLI see the same fleet. Omit: memory only. */
  file?: string;
  /** Clock in epoch ms (default `Date.now`); must not run before the seed's pods started. */
  now?: () => number;
  /** How long a created (or deleted) association takes to reach the webhook. Default 2000. */
  consistencyDelayMs?: number;
  /**
   * How long EKS List (and the lookups built on it) lags behind a create or delete: EKS is
   * eventually consistent, Describe by id is not. Default `consistencyDelayMs`: a fake whose
   * List shows a create at once would be kinder than EKS (EKS API Reference,
   * CreatePodIdentityAssociation: associations "are eventually consistent, and may take
   * several seconds to be effective after the initial API call returns successfully").
   */
  listDelayMs?: number;
  /**
   * How long STS (the agent's AssumeRoleForPodIdentity, web identity) keeps evaluating a
   * role's previous trust policy after UpdateAssumeRolePolicy; GetRole sees the new one at
   * once. Default `consistencyDelayMs`: IAM is eventually consistent (IAM User Guide,
   * "Troubleshooting IAM", "Changes that I make are not always immediately visible").
   */
  iamConsistencyDelayMs?: number;
  /** Called with the state after every port call that succeeded: tests check invariants here. */
  observe?: (state: FleetState, now: number, call: string) => void;
  /** Each replacement pod becomes ready this long after the previous one. Default 500. */
  podStartMs?: number;
  /** An older state file `file` replaces: refused while it is there and `file` is not, removed by reset. */
  replaces?: string;
  /** Each port call answers after this long per API round trip the real adapter would make. Default 0. */
  latencyMs?: number;
  /** The initial state when `file` does not exist yet, and what `reset()` returns to. Default `seedFleet()`. */
  seed?: FleetState;
  /** How long after an event CloudTrail LookupEvents shows it. Default 5 minutes, CloudTrail's average. */
  cloudTrailDelayMs?: number;
}

export interface SandboxFleet {
  eks: EksPort;
  iam: IamPort;
  kubernetes: KubernetesPort;
  control: SandboxControl;
  cloudTrail: CloudTrailPort;
  cloudTrailControl: SandboxCloudTrailControl;
}

/** An in-memory (or SQLite-file) EKS, IAM and Kubernetes that behave like the real ones where a migration cares. */
export function createSandboxFleet(options: SandboxOptions = {}): SandboxFleet {
  const seed = () => structuredClone(options.seed ?? seedFleet());
  const now = options.now ?? Date.now;
  const store =
    options.file === undefined
      ? memoryStore(rowsOf(seed(), now()))
      : sqliteStore(options.file, () => rowsOf(seed(), now()), options.replaces);
  const consistencyDelayMs = options.consistencyDelayMs ?? 2000;
  const runtime = createRuntime(store, {
    now,
    consistencyDelayMs,
    listDelayMs: options.listDelayMs ?? consistencyDelayMs,
    podStartMs: options.podStartMs ?? 500,
    iamConsistencyDelayMs: options.iamConsistencyDelayMs ?? consistencyDelayMs,
    latencyMs: options.latencyMs ?? 0,
    ...(options.observe && { observe: options.observe }),
  });
  const cloudTrail = createSandboxCloudTrail(runtime, { deliveryDelayMs: options.cloudTrailDelayMs });
  return {
    eks: createSandboxEks(runtime),
    iam: createSandboxIam(runtime),
    kubernetes: createSandboxKubernetes(runtime),
    control: createSandboxControl(runtime, seed),
    cloudTrail: cloudTrail.port,
    cloudTrailControl: cloudTrail.control,
  };
}
