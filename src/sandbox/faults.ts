import { PortError } from '../ports/errors.js';

/**
 * Which port call a fault hits: `annotate` setServiceAccountAnnotation, `restart`
 * restartWorkload, `rollout` getWorkloadStatus (and, for `stuck`, the next
 * restartWorkload), `list-pods` listPods, `exec` exec, `describe-cluster`
 * describeCluster, `lookup-events` CloudTrail lookupEvents; `get-role` and `update-trust`
 * are IAM (cluster `*`); `probe-pod` createPod (a verification pod; `stuck`: its container
 * never starts).
 */
export const FAULT_STEPS = [
  'describe-cluster',
  'create-association',
  'delete-association',
  'annotate',
  'restart',
  'rollout',
  'list-pods',
  'exec',
  'get-role',
  'update-trust',
  'lookup-events',
  'probe-pod',
] as const;
export type FaultStep = (typeof FAULT_STEPS)[number];

/** IAM is one per account, not per cluster: these steps fire only when armed on `*`. */
export const IAM_FAULT_STEPS: readonly FaultStep[] = ['get-role', 'update-trust'];

export const FAULT_KINDS = ['error', 'throttle', 'timeout', 'stuck'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  /** A fleet cluster name, or `*` for IAM (or for every cluster). */
  cluster: string;
  step: FaultStep;
  kind: FaultKind;
  /** How many times it fires before it is used up (default 1); -1 fires forever. */
  count?: number;
}

export type ThrowingFaultKind = Exclude<FaultKind, 'stuck'>;

/**
 * The fleet state as far as faults go. Taking just `faults` keeps the import one way:
 * `state.ts` holds `Fault`s, this module never needs the whole state.
 */
export interface ArmedFaults {
  faults: Fault[];
}

export function isFaultStep(value: string): value is FaultStep {
  return (FAULT_STEPS as readonly string[]).includes(value);
}

export function isFaultKind(value: string): value is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(value);
}

/** Why a fault could never fire as asked, or undefined when it can. */
export function faultRefusal(fault: Pick<Fault, 'cluster' | 'step' | 'kind'>): string | undefined {
  if (fault.kind === 'stuck' && fault.step !== 'rollout' && fault.step !== 'probe-pod') {
    return `fault kind stuck applies to steps rollout and probe-pod only, not ${fault.step} (use error, throttle or timeout)`;
  }
  if (IAM_FAULT_STEPS.includes(fault.step) && fault.cluster !== '*') {
    return `${fault.step} is an IAM call, and IAM is not per cluster: arm it on cluster * (sandbox fault '*' ${fault.step} ${fault.kind})`;
  }
  return undefined;
}

export function normalizeFault(fault: Fault): Required<Fault> {
  const count = fault.count ?? 1;
  if (!isFaultStep(fault.step)) throw new PortError('validation', `unknown fault step: ${String(fault.step)}`);
  if (!isFaultKind(fault.kind)) throw new PortError('validation', `unknown fault kind: ${String(fault.kind)}`);
  const refusal = faultRefusal(fault);
  if (refusal !== undefined) throw new PortError('validation', refusal);
  if (!Number.isInteger(count) || (count < 1 && count !== -1)) {
    throw new PortError('validation', `fault count must be a positive integer or -1, got ${count}`);
  }
  if (fault.cluster.length === 0) throw new PortError('validation', 'fault cluster must not be empty');
  return { cluster: fault.cluster, step: fault.step, kind: fault.kind, count };
}

/** Arms a fault, replacing one already armed for the same cluster, step and kind. */
export function armFault(state: ArmedFaults, fault: Fault): void {
  const armed = normalizeFault(fault);
  state.faults = state.faults.filter(
    (f) => !(f.cluster === armed.cluster && f.step === armed.step && f.kind === armed.kind),
  );
  state.faults.push(armed);
}

/** Fires (and uses up one count of) the first armed fault matching the call, if any. */
export function takeFault(
  state: ArmedFaults,
  cluster: string,
  step: FaultStep,
  kinds: readonly FaultKind[],
): Fault | undefined {
  const index = state.faults.findIndex(
    (f) => (f.cluster === cluster || f.cluster === '*') && f.step === step && kinds.includes(f.kind),
  );
  const fault = state.faults[index];
  if (fault === undefined) return undefined;
  const count = fault.count ?? 1;
  if (count === -1) return fault;
  if (count <= 1) state.faults.splice(index, 1);
  else fault.count = count - 1;
  return fault;
}

export function faultError(cluster: string, step: FaultStep, kind: ThrowingFaultKind): PortError {
  const message = `sandbox fault injected: ${cluster} ${step} ${kind}`;
  switch (kind) {
    case 'error':
      return new PortError('access-denied', message, { code: 'AccessDeniedException', httpStatus: 403 });
    case 'throttle':
      return new PortError('throttled', message, { code: 'ThrottlingException', httpStatus: 429 });
    case 'timeout':
      return new PortError('timeout', message, { code: 'TimeoutError' });
  }
}
