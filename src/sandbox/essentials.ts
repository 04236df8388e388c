import type { PolicyDocument } from '../domain/types.js';
import { isLive } from './pods.js';
import type { FleetState } from './state.js';
import { sameRef, workloadKey } from './state.js';
import type { CredentialPath } from './webhook.js';
import { podCredentialPath } from './webhook.js';

/**
 * What must be equal before a migration and after its rollback. Ids, pod names, times
 * and call counts are left out on purpose: a rollback recreates pods and associations.
 */
export interface EssentialSnapshot {
  associations: { cluster: string; namespace: string; serviceAccount: string; roleArn: string }[];
  /** cluster → `namespace/name` → annotations. */
  serviceAccountAnnotations: Record<string, Record<string, Record<string, string>>>;
  /** role name → trust policy. */
  trustPolicies: Record<string, PolicyDocument>;
  /** cluster → `Kind/namespace/name` → sorted credential paths of its live pods. */
  workloadCredentials: Record<string, Record<string, CredentialPath[]>>;
}

const byKey = <T>(entries: [string, T][]): Record<string, T> =>
  Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));

export function essentialSnapshot(state: FleetState): EssentialSnapshot {
  const clusters = Object.values(state.clusters).sort((a, b) => a.name.localeCompare(b.name));
  const associations = clusters
    .flatMap((c) =>
      c.associations
        .filter((a) => a.deletedAt === undefined)
        .map((a) => ({
          cluster: c.name,
          namespace: a.namespace,
          serviceAccount: a.serviceAccount,
          roleArn: a.roleArn,
        })),
    )
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return {
    associations,
    serviceAccountAnnotations: byKey(
      clusters.map((c) => [
        c.name,
        byKey(c.serviceAccounts.map((sa) => [`${sa.namespace}/${sa.name}`, byKey(Object.entries(sa.annotations))])),
      ]),
    ),
    trustPolicies: byKey(Object.values(state.roles).map((r) => [r.name, r.trustPolicy])),
    workloadCredentials: byKey(
      clusters.map((c) => [
        c.name,
        byKey(
          c.workloads.map((w) => {
            const paths = c.pods
              .filter((p) => isLive(p) && sameRef(p.owner, w))
              .map((p) => podCredentialPath(p.containers));
            return [workloadKey(w), [...new Set(paths)].sort()];
          }),
        ),
      ]),
    ),
  };
}
