import type { PodIdentityAssociation } from '../domain/eks.js';
import type { CreateAssociationRequest } from '../domain/eks.js';
import type { EksPort } from '../ports/eks.js';
import { PortError } from '../ports/errors.js';
import { newAssociationId } from './ids.js';
import type { SandboxRuntime } from './runtime.js';
import { requireCluster } from './runtime.js';
import { associationKey } from './rows.js';
import type { AssociationState, ClusterState } from './state.js';
import type { FleetView } from './view.js';

/**
 * EKS User Guide, "Learn how EKS Pod Identity grants pods access to AWS services", Limits:
 * "Up to 5,000 EKS Pod Identity associations per cluster"; the service-quotas page adds that
 * Service Quotas cannot raise it. No per-role limit is documented.
 */
export const ASSOCIATION_LIMIT = 5000;
/**
 * How long the agent may still serve credentials vended through a deleted association.
 * DeletePodIdentityAssociation: "The temporary AWS credentials from the previous IAM role
 * session might still be valid until the session expiry". The agent caches them per pod and
 * renews at most every `--max-credential-retention-before-renewal` (default 3h); the renewal
 * after the delete fails with ResourceNotFoundException, which evicts them
 * (aws/eks-pod-identity-agent cmd/server.go, internal/credsretriever/refreshing_cache.go,
 * internal/cloud/eksauth/errors.go). The sandbox keeps the association's record that long.
 */
export const VENDED_CREDENTIALS_LIFETIME_MS = 3 * 60 * 60 * 1000;

function toAssociation(cluster: ClusterState, a: AssociationState): PodIdentityAssociation {
  return {
    associationId: a.associationId,
    associationArn: a.associationArn,
    cluster: cluster.name,
    namespace: a.namespace,
    serviceAccount: a.serviceAccount,
    roleArn: a.roleArn,
    ...(a.disableSessionTags === true ? { disableSessionTags: true } : {}),
    ...(a.targetRoleArn === undefined ? {} : { targetRoleArn: a.targetRoleArn }),
    ...(a.externalId === undefined ? {} : { externalId: a.externalId }),
    ...(a.policy === undefined ? {} : { policy: a.policy }),
    ...(a.ownerArn === undefined ? {} : { ownerArn: a.ownerArn }),
    tags: { ...a.tags },
  };
}

/**
 * The parameters a retried create must repeat for its token to return the same association
 * (EKS API Reference, CreatePodIdentityAssociation, clientRequestToken: "A unique,
 * case-sensitive identifier that you provide to ensure the idempotency of the request").
 */
function sameParameters(a: AssociationState, request: CreateAssociationRequest): boolean {
  return (
    a.roleArn === request.roleArn &&
    a.targetRoleArn === request.targetRoleArn &&
    (a.disableSessionTags === true) === (request.disableSessionTags === true) &&
    a.policy === request.policy
  );
}

/** Create, Describe and Delete see creates and deletes at once. */
function liveAssociations(cluster: ClusterState): AssociationState[] {
  return cluster.associations.filter((a) => a.deletedAt === undefined);
}

/**
 * What List answers at `now`. EKS API reference, CreatePodIdentityAssociation: "Similar to
 * AWS IAM behavior, EKS Pod Identity associations are eventually consistent, and may take
 * several seconds to be effective after the initial API call returns successfully." So a
 * create shows in List only `listDelayMs` after it, and a delete still shows for as long;
 * Describe, Create's 409 and Delete see the association at once. The webhook lags on its
 * own clock (webhook.ts); DeletePodIdentityAssociation adds that credentials already vended
 * "might still be valid until the session expiry" (the agent's cache, exec.ts).
 */
function listedAssociations(cluster: ClusterState, now: number, listDelayMs: number): AssociationState[] {
  return cluster.associations.filter(
    (a) => a.createdAt + listDelayMs <= now && (a.deletedAt === undefined || now < a.deletedAt + listDelayMs),
  );
}

/**
 * Loads what `create` compares with (the service account's associations, the token's) and
 * counts the live ones: the stored rows (deleted ones included) are enough below the limit.
 */
function loadForCreate(view: FleetView, request: CreateAssociationRequest) {
  const cluster = requireCluster(view, request.cluster);
  view.load(cluster.name, 'associations', { namespace: request.namespace, subject: request.serviceAccount });
  view.load(cluster.name, 'associations', { link: request.clientRequestToken });
  let live = view.storedCount(cluster.name, 'associations');
  if (live >= ASSOCIATION_LIMIT) {
    view.load(cluster.name, 'associations');
    live = liveAssociations(cluster).length;
  }
  return { cluster, live };
}

function create(
  cluster: ClusterState,
  request: CreateAssociationRequest,
  now: number,
  delayMs: number,
  account: { accountId: string; region: string },
  liveCount: number,
): PodIdentityAssociation {
  const live = liveAssociations(cluster);
  const sameTarget = live.find((a) => a.namespace === request.namespace && a.serviceAccount === request.serviceAccount);
  const sameToken = live.find((a) => a.clientRequestToken === request.clientRequestToken);
  if (sameToken !== undefined) {
    if (sameToken !== sameTarget || !sameParameters(sameToken, request)) {
      throw new PortError('validation', 'The client request token was already used with different parameters.', {
        code: 'InvalidRequestException',
        httpStatus: 400,
      });
    }
    return toAssociation(cluster, sameToken);
  }
  if (sameTarget !== undefined) {
    // EKS's own words, 409 "ResourceInUseException: Association already exists: a-…"
    // (aws/eks-hybrid#679, eksctl-io/eksctl#7753): the id is in the message, and List may not
    // show that association yet (crossplane-contrib/provider-upjet-aws#1437).
    throw new PortError('conflict', `ResourceInUseException: Association already exists: ${sameTarget.associationId}`, {
      code: 'ResourceInUseException',
      httpStatus: 409,
      existingId: sameTarget.associationId,
    });
  }
  // EKS API Reference, CreatePodIdentityAssociation, Errors: ResourceLimitExceededException (400).
  if (liveCount >= ASSOCIATION_LIMIT) {
    throw new PortError('limit-exceeded', `Cluster ${cluster.name} already has ${ASSOCIATION_LIMIT} associations.`, {
      code: 'ResourceLimitExceededException',
      httpStatus: 400,
    });
  }
  // EKS API Reference, CreatePodIdentityAssociation, Errors: InvalidParameterException (400);
  // the role must be an IAM role (AWS::EKS::PodIdentityAssociation RoleArn pattern
  // `^arn:aws(-cn|-us-gov|-iso(-[a-z])?)?:iam::\d{12}:(role)\/*`).
  for (const arn of [request.roleArn, ...(request.targetRoleArn === undefined ? [] : [request.targetRoleArn])]) {
    if (!/^arn:aws[\w-]*:iam::\d{12}:role\/.+/.test(arn)) {
      throw new PortError('validation', `Invalid role ARN: ${arn}`, {
        code: 'InvalidParameterException',
        httpStatus: 400,
      });
    }
  }
  // EKS API Reference, CreatePodIdentityAssociation, `policy`: "When using this policy,
  // disableSessionTags must be set to true".
  if (request.policy !== undefined && request.disableSessionTags !== true) {
    throw new PortError('validation', 'disableSessionTags must be true when a policy is given.', {
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
    ...(request.targetRoleArn === undefined
      ? {}
      : { targetRoleArn: request.targetRoleArn, externalId: `${id}-${request.clientRequestToken.slice(0, 8)}` }),
    ...(request.disableSessionTags === true ? { disableSessionTags: true } : {}),
    ...(request.policy === undefined ? {} : { policy: request.policy }),
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
      return runtime.read(name, 'describeCluster', 'describe-cluster', (v) => {
        const c = requireCluster(v, name);
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
          ...(c.endpointPublicAccess === undefined ? {} : { endpointPublicAccess: c.endpointPublicAccess }),
          ...(c.vpcId === undefined ? {} : { vpcId: c.vpcId }),
        };
      });
    },
    describeAddon(name, addonName) {
      return runtime.read(name, 'describeAddon', undefined, (v) => {
        const addon = requireCluster(v, name).addons[addonName];
        return addon === undefined ? undefined : { name: addonName, ...addon };
      });
    },
    listFargateProfiles(name) {
      return runtime.read(name, 'listFargateProfiles', undefined, (v) => requireCluster(v, name).fargateProfiles);
    },
    listNodegroups(name) {
      return runtime.read(name, 'listNodegroups', undefined, (v) => requireCluster(v, name).nodegroups ?? []);
    },
    findPodIdentityAssociations(name, namespace, serviceAccount) {
      return runtime.read(name, 'findPodIdentityAssociations', undefined, (v, now) => {
        const c = requireCluster(v, name);
        v.load(name, 'associations', { namespace, subject: serviceAccount });
        return listedAssociations(c, now, runtime.listDelayMs)
          .filter((a) => a.namespace === namespace && a.serviceAccount === serviceAccount)
          .map((a) => toAssociation(c, a));
      });
    },
    createPodIdentityAssociation(request) {
      return runtime.call(request.cluster, 'createPodIdentityAssociation', 'create-association', (v, now) => {
        const { cluster, live } = loadForCreate(v, request);
        return create(cluster, request, now, runtime.consistencyDelayMs, v.state, live);
      });
    },
    describePodIdentityAssociation(name, associationId) {
      return runtime.read(name, 'describePodIdentityAssociation', undefined, (v) => {
        const c = requireCluster(v, name);
        v.load(name, 'associations', { key: associationKey(name, associationId) });
        const found = liveAssociations(c).find((a) => a.associationId === associationId);
        return found === undefined ? undefined : toAssociation(c, found);
      });
    },
    deletePodIdentityAssociation(name, associationId) {
      return runtime.call(name, 'deletePodIdentityAssociation', 'delete-association', (v, now) => {
        const cluster = requireCluster(v, name);
        v.load(name, 'associations', { key: associationKey(name, associationId) });
        const association = liveAssociations(cluster).find((a) => a.associationId === associationId);
        // EKS API Reference, DeletePodIdentityAssociation, Errors: ResourceNotFoundException (404).
        if (association === undefined) {
          throw new PortError('not-found', `No association found for id: ${associationId}.`, {
            code: 'ResourceNotFoundException',
            httpStatus: 404,
          });
        }
        association.deletedAt = now;
        association.hiddenFrom = now + runtime.consistencyDelayMs;
        association.forgetAt =
          now + Math.max(runtime.consistencyDelayMs, runtime.listDelayMs, VENDED_CREDENTIALS_LIFETIME_MS);
      });
    },
    getAssociationTimes(name, associationId) {
      return runtime.read(name, 'getAssociationTimes', undefined, (v) => {
        const c = requireCluster(v, name);
        v.load(name, 'associations', { key: associationKey(name, associationId) });
        const association = liveAssociations(c).find((a) => a.associationId === associationId);
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
      return runtime.read(name, 'listPodIdentityAssociations', undefined, (v, now) => {
        const c = requireCluster(v, name);
        v.load(name, 'associations');
        return listedAssociations(c, now, runtime.listDelayMs).map((a) => toAssociation(c, a));
      });
    },
  };
}
