import { digestLines, type ObservationState } from '../domain/observation.js';

/** The Observing phase of a run, as `status` prints it: its window, what ended it, the digest of its samples, the alerts. */
export function renderObservation(o: ObservationState | undefined): string[] {
  if (!o) return [];
  const ended = o.ended
    ? o.ended.early
      ? `; ended early by ${o.ended.by ?? 'unknown'} at ${o.ended.at}${o.ended.reason ? ` (${o.ended.reason})` : ''}`
      : `; ended at ${o.ended.at}`
    : '';
  const rollback = o.rollbackRequested
    ? `; rollback requested by ${o.rollbackRequested.by} at ${o.rollbackRequested.at}${o.rollbackRequested.reason ? ` (${o.rollbackRequested.reason})` : ''}`
    : '';
  const lines = [`observation: ${o.startedAt} to ${o.endsAt}${ended}${rollback}`];
  const latest = o.samples.at(-1);
  if (latest) lines.push(...digestLines(o, o.samples[0]?.from ?? o.startedAt, latest.at).map((line) => `  ${line}`));
  for (const alert of o.alerts) {
    for (const r of alert.regressions) lines.push(`  ALERT ${alert.at}: ${r.message}`);
  }
  return lines;
}
