import { describeProfile, type EvidenceState } from '../domain/cloudtrail-evidence.js';
import { SDK_MINIMUMS_SOURCE } from '../domain/sdk-versions.js';

/** The CloudTrail evidence of a run, as `status` and the demo print it. */
export function renderEvidence(evidence: EvidenceState): string[] {
  if (evidence.notConfigured !== undefined) return [`CloudTrail evidence: none (${evidence.notConfigured})`];
  const lines = ['CloudTrail evidence:'];
  const audit = evidence.sdkAudit;
  if (audit) {
    lines.push(`  SDKs of the IRSA sessions since ${audit.since} (minimums: ${SDK_MINIMUMS_SOURCE}):`);
    if (audit.unavailable) lines.push(`    not audited: ${audit.unavailable}`);
    for (const u of audit.usages) {
      const sdk = u.sdk ? `${u.sdk} ${u.version ?? '?'}` : u.userAgent.split(' ')[0];
      const minimum = u.minimum ? ` (minimum ${u.minimum})` : '';
      lines.push(`    ${u.cluster}: ${sdk}${minimum}: ${u.verdict}, ${u.calls} call(s)`);
    }
  }
  for (const [cluster, e] of Object.entries(evidence.podIdentity)) {
    const detail =
      e.status === 'found'
        ? `${e.sessions.count} Pod Identity session(s), ${e.agentCalls} AssumeRoleForPodIdentity; events ${e.sessions.eventIds.join(', ')}`
        : `${e.status}${e.reason ? `: ${e.reason}` : ''} (${e.lookups} lookup(s))`;
    lines.push(`  ${cluster} since ${e.since}: ${detail}`);
  }
  for (const [cluster, irsa] of Object.entries(evidence.irsaAfterRestart?.clusters ?? {})) {
    lines.push(
      `  ${cluster}: ${irsa.count === 0 ? 'no IRSA web identity' : `${irsa.count} IRSA web-identity call(s) (${irsa.eventIds.join(', ')})`} since ${irsa.since}`,
    );
  }
  const { before, after } = evidence.stsProfile ?? {};
  if (before) lines.push(`  STS before: ${describeProfile(before)}`);
  if (after) lines.push(`  STS after: ${describeProfile(after)}`);
  return lines;
}
