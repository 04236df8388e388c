import type { MigrationPlan } from '../src/domain/migration-state.js';
import type { MigrationInput } from '../src/domain/types.js';
import { runPreflight } from './migration/preflight.js';

/** `plan` mode: preflight only; returns what a migration would change per cluster. */
export async function planWorkflow(input: MigrationInput): Promise<MigrationPlan> {
  const { plan } = await runPreflight(input);
  return plan;
}
