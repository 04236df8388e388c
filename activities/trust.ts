import { credentialPath } from '../src/domain/credentials.js';
import { FailureType } from '../src/domain/failure-types.js';
import { parseRoleArn } from '../src/domain/names.js';
import {
  addPodIdentityTrust,
  hasPodIdentityTrust,
  removeIrsaTrust,
  removeStatementBySid,
  restoreIrsaTrust,
  type PodIdentityTrustScope,
} from '../src/domain/trust-policy.js';
import type { PolicyDocument, PolicyStatement, ServiceAccountRef } from '../src/domain/types.js';
import type { ActivityDeps } from './deps.js';
import { failure } from './failures.js';

/**
 * Trust-policy writes are read-modify-write (UpdateAssumeRolePolicy replaces the whole
 * document): the workflow holds the role's lock around each of these, and each write is
 * read back, so a write another writer lost is retried instead of reported done.
 */
export function trustActivities(deps: ActivityDeps) {
  const { iam } = deps;

  async function write(roleArn: string, document: PolicyDocument, confirmed: (doc: PolicyDocument) => boolean) {
    const { roleName } = parseRoleArn(roleArn);
    await iam.updateTrustPolicy(roleName, document);
    const after = await iam.getRole(roleName);
    if (!confirmed(after.trustPolicy)) {
      throw failure(
        FailureType.Unavailable,
        `role ${roleName}: the trust policy written is not what IAM returns: another writer changed it; retrying`,
      );
    }
  }

  return {
    /**
     * Whether the role trusts Pod Identity now, for the scope when given (the plan's
     * `trust.scope`; absent: every association), and if not, what writing it would do:
     * append our statement, or widen a scoped one already there. The run records this read,
     * under the role's lock, before deciding to write.
     */
    async readPodIdentityTrust(input: {
      roleArn: string;
      sid: string;
      scope?: PodIdentityTrustScope;
    }): Promise<{ trusted: boolean; write?: 'append' | 'widen' }> {
      const role = await iam.getRole(parseRoleArn(input.roleArn).roleName);
      if (hasPodIdentityTrust(role.trustPolicy, input.scope)) return { trusted: true };
      const { added } = addPodIdentityTrust(role.trustPolicy, input.sid, input.scope);
      return { trusted: false, write: added ? 'append' : 'widen' };
    },

    /**
     * Makes the role trust Pod Identity for the scope: appends our statement, or widens a
     * scoped one already there (which then serves others too). Idempotent: a retry after a
     * lost answer finds the role trusting and writes nothing (`written: false`); whose the
     * statement is, the run knows from the read it recorded under the same lock.
     */
    async writePodIdentityTrust(input: {
      roleArn: string;
      sid: string;
      scope?: PodIdentityTrustScope;
    }): Promise<{ written: boolean }> {
      const role = await iam.getRole(parseRoleArn(input.roleArn).roleName);
      if (hasPodIdentityTrust(role.trustPolicy, input.scope)) return { written: false };
      const { document } = addPodIdentityTrust(role.trustPolicy, input.sid, input.scope);
      await write(input.roleArn, document, (doc) => hasPodIdentityTrust(doc, input.scope));
      return { written: true };
    },

    /**
     * Removes the Pod Identity statement this run added, only while nothing can need it: no
     * association in any fleet cluster names the role (as `roleArn` or `targetRoleArn`),
     * besides those the run has just deleted (List lags a delete), and no pod of the service
     * account in the run's clusters is on Pod Identity. Otherwise it stays, and says why.
     * Another run may have widened the statement to its own service account or clusters
     * since: its associations keep it; with none left, nobody relies on it any more.
     */
    async removePodIdentityTrust(input: {
      roleArn: string;
      sid: string;
      serviceAccount: ServiceAccountRef;
      clusters: string[];
      deletedAssociationIds: string[];
    }): Promise<{ removed: boolean; keptBecause?: string }> {
      const { roleArn, serviceAccount: sa } = input;
      const { roleName } = parseRoleArn(roleArn);
      const role = await iam.getRole(roleName);
      // Never written (the write failed), or already removed by a retry whose answer was lost.
      if (!role.trustPolicy.Statement.some((s) => s.Sid === input.sid)) return { removed: false };
      const users: string[] = [];
      for (const cluster of deps.fleetClusters ?? input.clusters) {
        for (const a of await deps.eks.listPodIdentityAssociations(cluster)) {
          const usesRole = a.roleArn === roleArn || a.targetRoleArn === roleArn;
          if (usesRole && !input.deletedAssociationIds.includes(a.associationId)) {
            users.push(`${cluster} ${a.namespace}/${a.serviceAccount} (${a.associationId})`);
          }
        }
      }
      if (users.length > 0)
        return { removed: false, keptBecause: `associations still use the role: ${users.join(', ')}` };
      const onPodIdentity: string[] = [];
      for (const cluster of input.clusters) {
        for (const pod of await deps.kubernetes.listPods(cluster, sa.namespace, sa.name)) {
          if (!pod.terminating && pod.containers.some((c) => credentialPath(c.env) === 'pod-identity')) {
            onPodIdentity.push(`${cluster} ${pod.name}`);
          }
        }
      }
      if (onPodIdentity.length > 0) {
        return { removed: false, keptBecause: `pods still on Pod Identity: ${onPodIdentity.join(', ')}` };
      }
      const { document, removed } = removeStatementBySid(role.trustPolicy, input.sid);
      if (removed) await write(roleArn, document, (doc) => !doc.Statement.some((s) => s.Sid === input.sid));
      return { removed };
    },

    async removeIrsaTrust(input: {
      roleArn: string;
      serviceAccount: ServiceAccountRef;
      issuers: string[];
    }): Promise<{ removed: PolicyStatement[] }> {
      const role = await iam.getRole(parseRoleArn(input.roleArn).roleName);
      const target = {
        issuers: input.issuers,
        namespace: input.serviceAccount.namespace,
        serviceAccount: input.serviceAccount.name,
      };
      const { document, removed } = removeIrsaTrust(role.trustPolicy, target);
      if (removed.length > 0) {
        await write(input.roleArn, document, (doc) => removeIrsaTrust(doc, target).removed.length === 0);
      }
      return { removed };
    },

    /** `before`: the trust before the run (the rollback note's): dropped statements go back where they stood. */
    async restoreIrsaTrust(input: {
      roleArn: string;
      removed: PolicyStatement[];
      before?: PolicyDocument;
    }): Promise<void> {
      const role = await iam.getRole(parseRoleArn(input.roleArn).roleName);
      const document = restoreIrsaTrust(role.trustPolicy, input.removed, input.before);
      if (JSON.stringify(document) !== JSON.stringify(role.trustPolicy)) {
        await write(
          input.roleArn,
          document,
          (doc) => JSON.stringify(restoreIrsaTrust(doc, input.removed)) === JSON.stringify(doc),
        );
      }
    },
  };
}
