/**
 * The credential invariant (src/domain/invariant.ts) read off the sandbox's state: its
 * pods as the webhook admitted them, its associations as the EKS API holds them, its
 * roles' trust policies. Tests check it after every port call.
 */
import { credentialInvariantViolations, type CredentialFacts, type InvariantOptions } from '../domain/invariant.js';
import { isLive } from './pods.js';
import type { FleetState } from './state.js';
import { podCredentialPath } from './webhook.js';

export function credentialFacts(state: FleetState, now: number): CredentialFacts {
  const clusters = Object.values(state.clusters);
  return {
    accountId: state.accountId,
    now,
    // Roles of other accounts too: a target role may live in one (--target-role).
    trustPolicies: Object.fromEntries(
      [...Object.values(state.roles), ...Object.values(state.otherAccountRoles ?? {})].map((r) => [
        r.arn,
        r.trustPolicy,
      ]),
    ),
    clusters: Object.fromEntries(
      clusters.map((c) => [c.name, { arn: c.arn, ...(c.oidcIssuer !== undefined && { oidcIssuer: c.oidcIssuer }) }]),
    ),
    associations: clusters.flatMap((c) =>
      c.associations.map((a) => ({
        cluster: c.name,
        namespace: a.namespace,
        serviceAccount: a.serviceAccount,
        roleArn: a.roleArn,
        ...(a.disableSessionTags === true && { disableSessionTags: true }),
        ...(a.targetRoleArn !== undefined && { targetRoleArn: a.targetRoleArn }),
        ...(a.externalId !== undefined && { externalId: a.externalId }),
        ...(a.deletedAt !== undefined && { deletedAt: a.deletedAt }),
      })),
    ),
    pods: clusters.flatMap((c) =>
      c.pods.filter(isLive).map((p) => {
        const irsaRoleArn = p.containers.map((container) => container.env.AWS_ROLE_ARN).find((v) => v !== undefined);
        return {
          cluster: c.name,
          namespace: p.namespace,
          name: p.name,
          uid: p.uid,
          serviceAccount: p.serviceAccount,
          path: podCredentialPath(p.containers),
          ...(irsaRoleArn !== undefined && { irsaRoleArn }),
        };
      }),
    ),
  };
}

export function sandboxInvariantViolations(state: FleetState, now: number, options: InvariantOptions = {}) {
  return credentialInvariantViolations(credentialFacts(state, now), options);
}
