import { PortError } from '../ports/errors.js';
import type { FaultStep } from './faults.js';
import { faultError, takeFault } from './faults.js';
import { noteCredentialUsers } from './cloudtrail-traffic.js';
import { advanceFleet } from './rollout.js';
import type { ClusterState, FleetState } from './state.js';
import type { StateStore } from './store.js';

export interface RuntimeOptions {
  now: () => number;
  consistencyDelayMs: number;
  /** How long EKS List lags behind a create or delete (Describe does not). */
  listDelayMs: number;
  podStartMs: number;
  /** How long STS keeps evaluating a role's previous trust policy after an update. */
  iamConsistencyDelayMs: number;
  /** Sees the state after every port call that succeeded (tests check invariants with it). */
  observe?: (state: FleetState, now: number, call: string) => void;
}

type Operation<T> = (state: FleetState, now: number) => T;

/** Shared by the three ports and the control surface: one store transaction per call. */
export interface SandboxRuntime extends RuntimeOptions {
  /**
   * One port call: advance the simulation to now, count the call as `<scope>:<operation>`,
   * fire an armed `step` fault, then run `op`. When `op` throws, its changes are dropped
   * but the count and the fault's use are kept.
   */
  call<T>(scope: string, operation: string, step: FaultStep | undefined, op: Operation<T>): Promise<T>;
  /** A control or fixture operation: never counted, never faulted. */
  control<T>(op: Operation<T>): Promise<T>;
  /** Replaces the whole state (reset). */
  replace(state: FleetState): Promise<void>;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export function createRuntime(store: StateStore, options: RuntimeOptions): SandboxRuntime {
  async function transact<T>(
    op: Operation<T>,
    before: (state: FleetState) => PortError | undefined = () => undefined,
    call?: string,
  ): Promise<T> {
    let outcome: Outcome<T> = { ok: false, error: new PortError('unknown', 'sandbox transaction did not run') };
    await store.update((state) => {
      const now = options.now();
      advanceFleet(state, now);
      noteCredentialUsers(state, now);
      const refused = before(state);
      if (refused !== undefined) {
        outcome = { ok: false, error: refused };
        return state;
      }
      const checkpoint = structuredClone(state);
      try {
        // Callers get copies: in memory mode the state object lives on.
        outcome = { ok: true, value: structuredClone(op(state, now)) };
        if (call !== undefined) options.observe?.(state, now, call);
        return state;
      } catch (error) {
        outcome = { ok: false, error };
        return checkpoint;
      }
    });
    const settled = outcome as Outcome<T>;
    if (!settled.ok) throw settled.error;
    return settled.value;
  }

  return {
    ...options,
    call(scope, operation, step, op) {
      const key = `${scope}:${operation}`;
      return transact(
        op,
        (state) => {
          state.calls[key] = (state.calls[key] ?? 0) + 1;
          const fault =
            step === undefined ? undefined : takeFault(state, scope, step, ['error', 'throttle', 'timeout']);
          if (fault === undefined || fault.kind === 'stuck') return undefined;
          return faultError(scope, fault.step, fault.kind);
        },
        key,
      );
    },
    control(op) {
      return transact(op);
    },
    replace(next) {
      return store.update(() => structuredClone(next));
    },
  };
}

export function requireCluster(state: FleetState, name: string): ClusterState {
  const cluster = state.clusters[name];
  if (cluster === undefined) {
    throw new PortError('not-found', `No cluster found for name: ${name}.`, {
      code: 'ResourceNotFoundException',
      httpStatus: 404,
    });
  }
  return cluster;
}
