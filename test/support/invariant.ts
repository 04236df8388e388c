import assert from 'node:assert/strict';
import { describeViolation, type InvariantOptions } from '../../src/domain/invariant.js';
import { sandboxInvariantViolations, type FleetState, type SandboxFleet } from '../../src/sandbox/index.js';

/**
 * How long a deleted association still backs its pods while the sandbox runs on the real
 * clock: the credentials the agent vended stay valid for longer than any test's rollback
 * takes between deleting an association and restarting its pods.
 */
const VENDED_CREDENTIALS_GRACE_MS = 10 * 60 * 1000;

export interface InvariantWatch {
  /** Give to `createSandboxFleet` (or `startHarness({ sandbox })`). */
  observe: (state: FleetState, now: number, call: string) => void;
  /** Every violation seen, first one per pod and link, with the port call after which it appeared. */
  readonly violations: string[];
  /** Fails naming the call, the pod and the missing link, if the invariant ever broke. */
  assertHeld(context?: string): void;
  /** Forget what was seen (between tests sharing a fleet). */
  clear(): void;
}

/**
 * Checks the credential invariant (src/domain/invariant.ts) after every sandbox port call:
 * every running pod holds a backed credential path.
 */
export function watchInvariant(options: InvariantOptions = {}): InvariantWatch {
  const seen = new Set<string>();
  const violations: string[] = [];
  return {
    observe(state, now, call) {
      const found = sandboxInvariantViolations(state, now, {
        deletedAssociationGraceMs: VENDED_CREDENTIALS_GRACE_MS,
        ...options,
      });
      for (const v of found) {
        const key = `${v.cluster}/${v.pod}/${v.missing}`;
        if (seen.has(key)) continue;
        seen.add(key);
        violations.push(`after ${call}: ${describeViolation(v)}`);
      }
    },
    violations,
    assertHeld(context) {
      assert.deepEqual(
        violations,
        [],
        `credential invariant broken${context ? ` (${context})` : ''}:\n${violations.join('\n')}`,
      );
    },
    clear() {
      seen.clear();
      violations.length = 0;
    },
  };
}

/**
 * The invariant as it stands now, with no grace for deleted associations: what a run
 * leaves behind when it ends must hold for good.
 */
export async function assertInvariantNow(
  fleet: SandboxFleet,
  context = '',
  options: InvariantOptions & { now?: number } = {},
) {
  const state = await fleet.control.state();
  const found = sandboxInvariantViolations(state, options.now ?? Date.now(), options).map(describeViolation);
  assert.deepEqual(found, [], `credential invariant broken ${context}:\n${found.join('\n')}`);
}
