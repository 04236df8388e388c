import { setTimeout as sleep } from 'node:timers/promises';
import { isTerminalPhase, type MigrationState } from '../domain/migration-state.js';
import type { ServiceAccountRef } from '../domain/types.js';
import type { MigrationService } from '../temporal/migrations.js';

/**
 * One line per step as it changes, until the run ends or stops at a long wait: the approval
 * gate, or the Observing phase (days; `status` shows its samples), unless `until` says otherwise.
 */
export async function watchMigration(
  service: MigrationService,
  sa: ServiceAccountRef,
  print: (line: string) => void,
  options: { pollMs?: number; until?: (state: MigrationState) => boolean } = {},
): Promise<MigrationState> {
  const seen = new Set<string>();
  let phase = '';
  for (;;) {
    const state = await service.state(sa);
    if (state.phase !== phase) {
      phase = state.phase;
      print(`== ${phase}`);
    }
    for (const c of state.clusters) {
      c.steps.forEach((s, i) => {
        const key = `${c.cluster}/${i}/${s.status}`;
        if (seen.has(key) || s.status === 'running') return;
        seen.add(key);
        print(`${c.cluster}: ${s.step} ${s.status}${s.detail ? `: ${s.detail}` : ''}`);
      });
    }
    const stop = options.until
      ? options.until(state)
      : isTerminalPhase(state.phase) || state.phase === 'AwaitingApproval' || state.phase === 'Observing';
    if (stop) return state;
    await sleep(options.pollMs ?? 1000);
  }
}
