import type { PodIdentityAssociation } from '../domain/eks.js';
import type { CreateAssociationRequest } from '../domain/eks.js';
import type { EksPort } from '../ports/eks.js';
import { PortError } from '../ports/errors.js';
import { newAssociationId } from './ids.js';
import type { SandboxRuntime } from './runtime.js';
import { requireCluster } from './runtime.js';
import type { AssociationState, ClusterState } from './state.js';

export const ASSOCIATION_LIMIT = 1000;

function toAssociation(cluster: ClusterState, a: AssociationState): PodIdentityAssociation {
  return {
    associationId: a.associationId,
    associationArn: a.associationArn,
    cluster: cluster.name,
    namespace: a.namespace,
    serviceAccount: a.serviceAccount,
    roleArn: a.roleArn,
    ...(a.ownerArn === undefined ? {} : { ownerArn: a.ownerArn }),
  };
}

/** The EKS API sees creates and deletes at once; only the webhook lags (see webhook.ts). */
function liveAssociations(cluster: ClusterState): AssociationState[] {
  return cluster.associations.filter((a) => a.deletedAt === undefined);
}

function create(
  cluster: ClusterState,
  request: CreateAssociationRequest,
  now: number,
  delayMs: number,
  account: { accountId: string; region: string },
): PodIdentityAssociation {
  const live = liveAssociations(cluster);
  const sameTarget = live.find((a) => a.namespace === request.namespace && a.serviceAccount === request.serviceAccount);
  const sameToken = live.find((a) => a.clientRequestToken === request.clientRequestToken);
  if (sameToken !== undefined) {
    if (sameToken !== sameTarget || sameToken.roleArn !== request.roleArn) {
      throw new PortError('validation', 'The client request token was already used with different parameters.', {
        code: 'InvalidRequestException',
        httpStatus: 400,
      });
    }
    return toAssociation(cluster, sameToken);
  }
  if (sameTarget !== undefined) {
    throw new PortError('conflict', `Association already exists: ${sameTarget.associationId}`, {
      code: 'ResourceInUseException',
      httpStatus: 409,
      existingId: sameTarget.associationId,
    });
  }
  if (live.length >= ASSOCIATION_LIMIT) {
    throw new PortError('limit-exceeded', `Cluster ${cluster.name} already has ${ASSOCIATION_LIMIT} associations.`, {
      code: 'ResourceLimitExceededException',
      httpStatus: 400,
    });
  }
  if (!/^arn:aws[\w-]*:iam::\d{12}:role\/.+/.test(request.roleArn)) {
    throw new PortError('validation', `Invalid role ARN: ${request.roleArn}`, {
      code: 'InvalidParameterException',
      httpStatus: 400,
    });
  }
  const id = newAssociationId();
  const association: AssociationState = {
    associationId: id,
    associationArn: `arn:aws:eks:${account.region}:${account.accountId}:podidentityassociation/${cluster.name}/${id}`,
    namespace: request.namespace,
    serviceAccount: request.serviceAccount,
    roleArn: request.roleArn,
    clientRequestToken: request.clientRequestToken,
    tags: { ...(request.tags ?? {}) },
    createdAt: now,
    visibleFrom: now + delayMs,
  };
  cluster.associations.push(association);
  return toAssociation(cluster, association);
}

export function createSandboxEks(runtime: SandboxRuntime): EksPort {
  return {
    describeCluster(name) {
      return runtime.call(name, 'describeCluster', 'describe-cluster', (s) => {
        const c = requireCluster(s, name);
        return {
          name: c.name,
          arn: c.arn,
          status: c.status,
          version: c.version,
          platformVersion: c.platformVersion,
          autoMode: c.autoMode,
          endpoint: c.endpoint,
          certificateAuthority: c.certificateAuthority,
          ...(c.oidcIssuer === undefined ? {} : { oidcIssuer: c.oidcIssuer }),
        };
      });
    },
    describeAddon(name, addonName) {
      return runtime.call(name, 'describeAddon', undefined, (s) => {
        const addon = requireCluster(s, name).addons[addonName];
        return addon === undefined ? undefined : { name: addonName, ...addon };
      });
    },
    listFargateProfiles(name) {
      return runtime.call(name, 'listFargateProfiles', undefined, (s) => requireCluster(s, name).fargateProfiles);
    },
    findPodIdentityAssociations(name, namespace, serviceAccount) {
      return runtime.call(name, 'findPodIdentityAssociations', undefined, (s) => {
        const c = requireCluster(s, name);
        return liveAssociations(c)
          .filter((a) => a.namespace === namespace && a.serviceAccount === serviceAccount)
          .map((a) => toAssociation(c, a));
      });
    },
    createPodIdentityAssociation(request) {
      return runtime.call(request.cluster, 'createPodIdentityAssociation', 'create-association', (s, now) =>
        create(requireCluster(s, request.cluster), request, now, runtime.consistencyDelayMs, s),
      );
    },
    deletePodIdentityAssociation(name, associationId) {
      return runtime.call(name, 'deletePodIdentityAssociation', 'delete-association', (s, now) => {
        const association = liveAssociations(requireCluster(s, name)).find((a) => a.associationId === associationId);
        if (association === undefined) {
          throw new PortError('not-found', `No association found for id: ${associationId}.`, {
            code: 'ResourceNotFoundException',
            httpStatus: 404,
          });
        }
        association.deletedAt = now;
        association.hiddenFrom = now + runtime.consistencyDelayMs;
      });
    },
    getAssociationTimes(name, associationId) {
      return runtime.call(name, 'getAssociationTimes', undefined, (s) => {
        const association = liveAssociations(requireCluster(s, name)).find((a) => a.associationId === associationId);
        if (association === undefined) {
          throw new PortError('not-found', `No association found for id: ${associationId}.`, {
            code: 'ResourceNotFoundException',
            httpStatus: 404,
          });
        }
        // The sandbox has no UpdatePodIdentityAssociation: created is the last change.
        return { createdAt: new Date(association.createdAt).toISOString() };
      });
    },
    listPodIdentityAssociations(name) {
      return runtime.call(name, 'listPodIdentityAssociations', undefined, (s) => {
        const c = requireCluster(s, name);
        return liveAssociations(c).map((a) => toAssociation(c, a));
      });
    },
  };
}
