import { setTimeout as sleep } from 'node:timers/promises';
import { PortError } from '../ports/errors.js';
import type { FaultStep } from './faults.js';
import { faultError, takeFault } from './faults.js';
import { noteCredentialUsers } from './cloudtrail-traffic.js';
import { roundTrips } from './latency.js';
import { advanceCluster } from './rollout.js';
import type { ClusterState, FleetState } from './state.js';
import type { StateStore, StoreTx } from './store.js';
import { rowsOf } from './rows.js';
import { FleetView } from './view.js';

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
  /** Each port call answers after this long per API round trip the real adapter makes (0: at once). */
  latencyMs: number;
}

/** What an operation works on: the rows it loads through the view, at the transaction's `now`. */
export type Operation<T> = (view: FleetView, now: number) => T;

/** The clusters a transaction brings up to date before it runs: rollouts move on lazily. */
export type Advance = string[] | 'all';

/** Shared by the three ports and the control surface: one store transaction per call. */
export interface SandboxRuntime extends RuntimeOptions {
  /**
   * One port call: advance the cluster `scope` (none for IAM's `*`) to now, count the call
   * as `<scope>:<operation>`, fire an armed `step` fault, then run `op`. When `op` throws,
   * its changes are dropped but the count and the fault's use are kept.
   */
  call<T>(scope: string, operation: string, step: FaultStep | undefined, op: Operation<T>): Promise<T>;
  /** A port call that changes nothing but what every call does (advance, count, fault): `op`'s rows are not written back. */
  read<T>(scope: string, operation: string, step: FaultStep | undefined, op: Operation<T>): Promise<T>;
  /**
   * A control or fixture operation: never counted, never faulted. `advance`: the clusters to
   * bring up to date first (none by default); `read`: `op` changes nothing.
   */
  control<T>(op: Operation<T>, options?: { advance?: Advance; read?: boolean }): Promise<T>;
  /** Replaces the whole state (reset). */
  replace(state: FleetState): Promise<void>;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Shows `observe` the whole fleet as the call left it, every cluster brought to `now` as a
 * whole-fleet read would see it; that catch-up is not written back (clusters stay lazy).
 */
function observeFleet(tx: StoreTx, now: number, call: string, observe: NonNullable<RuntimeOptions['observe']>): void {
  const view = new FleetView(tx);
  for (const cluster of view.allClusterRows()) advanceCluster(view, cluster.name, now);
  observe(view.plain(), now, call);
}

/** Writes back what a view changed, CloudTrail's ledger noting the pods it changed (and only those). */
function commit(view: FleetView, now: number): void {
  noteCredentialUsers(view, now);
  view.commit();
}

export function createRuntime(store: StateStore, options: RuntimeOptions): SandboxRuntime {
  async function transact<T>(
    advance: Advance,
    op: Operation<T>,
    before: (view: FleetView) => PortError | undefined = () => undefined,
    writes = true,
    call?: string,
  ): Promise<T> {
    const outcome = await store.transact((tx): Outcome<T> => {
      const now = options.now();
      const prelude = new FleetView(tx);
      const clusters = advance === 'all' ? prelude.allClusterRows().map((c) => c.name) : advance;
      for (const name of clusters) advanceCluster(prelude, name, now);
      const refused = before(prelude);
      commit(prelude, now);
      if (refused !== undefined) return { ok: false, error: refused };
      // A view of its own, so a throwing `op` leaves nothing of its changes to commit.
      const view = new FleetView(tx);
      try {
        const value = op(view, now);
        // A read skips the comparison of every row it loaded (a listing loads thousands).
        if (writes) commit(view, now);
        if (call !== undefined && options.observe !== undefined) observeFleet(tx, now, call, options.observe);
        return { ok: true, value };
      } catch (error) {
        return { ok: false, error };
      }
    });
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  async function answerLater(operation: string, result: unknown): Promise<void> {
    if (options.latencyMs > 0) await sleep(options.latencyMs * roundTrips(operation, result));
  }

  async function portCall<T>(
    scope: string,
    operation: string,
    step: FaultStep | undefined,
    op: Operation<T>,
    writes: boolean,
  ): Promise<T> {
    let result: unknown;
    try {
      const value = await transact(
        scope === '*' ? [] : [scope],
        op,
        (view) => {
          view.countCall(`${scope}:${operation}`);
          const fault =
            step === undefined ? undefined : takeFault(view.state, scope, step, ['error', 'throttle', 'timeout']);
          if (fault === undefined || fault.kind === 'stuck') return undefined;
          return faultError(scope, fault.step, fault.kind);
        },
        writes,
        `${scope}:${operation}`,
      );
      result = value;
      return value;
    } finally {
      await answerLater(operation, result);
    }
  }

  return {
    ...options,
    call: (scope, operation, step, op) => portCall(scope, operation, step, op, true),
    read: (scope, operation, step, op) => portCall(scope, operation, step, op, false),
    control(op, options = {}) {
      return transact(options.advance ?? [], op, undefined, options.read !== true);
    },
    replace(next) {
      return store.replace(rowsOf(next, options.now()));
    },
  };
}

/** The cluster, or EKS's not-found: its rows load with it. */
export function requireCluster(state: FleetState | FleetView, name: string): ClusterState {
  const cluster = state instanceof FleetView ? state.cluster(name) : state.clusters[name];
  if (cluster === undefined) {
    throw new PortError('not-found', `No cluster found for name: ${name}.`, {
      code: 'ResourceNotFoundException',
      httpStatus: 404,
    });
  }
  return cluster;
}
