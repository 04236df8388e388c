import {
  CreatePodIdentityAssociationCommand,
  DeletePodIdentityAssociationCommand,
  DescribeAddonCommand,
  DescribeClusterCommand,
  DescribeFargateProfileCommand,
  DescribeNodegroupCommand,
  DescribePodIdentityAssociationCommand,
  ListFargateProfilesCommand,
  ListNodegroupsCommand,
  ListPodIdentityAssociationsCommand,
  type EKSClient,
  type PodIdentityAssociation as EksAssociation,
} from '@aws-sdk/client-eks';
import type { ClusterInfo, FargateProfileInfo, NodegroupInfo } from '../../domain/eks.js';
import type { EksPort } from '../../ports/eks.js';
import { isPortError } from '../../ports/errors.js';
import type { PodIdentityAssociation } from '../../domain/eks.js';
import { mapAwsError } from './errors.js';
import { collectPages, mapConcurrently } from './pages.js';

export interface EksClusterTarget {
  client: EKSClient;
  /** The cluster's name in EKS, which the fleet file may spell differently. */
  eksClusterName: string;
}

export interface EksAdapterOptions {
  /** `maxResults` of each ListPodIdentityAssociations page. Default: the service's (100). */
  pageSize?: number;
  /** DescribePodIdentityAssociation calls in flight at once when listing a whole cluster. Default 4. */
  describeConcurrency?: number;
}

const DEFAULT_DESCRIBE_CONCURRENCY = 4;

/** `resolve` maps the fleet's cluster name to the client (region, account) and EKS name to use. */
export function createEksAdapter(
  resolve: (cluster: string) => EksClusterTarget,
  options: EksAdapterOptions = {},
): EksPort {
  async function call<T>(cluster: string, operation: string, run: (target: EksClusterTarget) => Promise<T>) {
    try {
      return await run(resolve(cluster));
    } catch (err) {
      throw mapAwsError(err, `EKS ${operation} on cluster ${cluster}`);
    }
  }

  return {
    getAssociationTimes: (cluster, associationId) =>
      call(cluster, `DescribePodIdentityAssociation ${associationId}`, async ({ client, eksClusterName }) => {
        const { association } = await client.send(
          new DescribePodIdentityAssociationCommand({ clusterName: eksClusterName, associationId }),
        );
        return {
          ...(association?.createdAt ? { createdAt: association.createdAt.toISOString() } : {}),
          ...(association?.modifiedAt ? { modifiedAt: association.modifiedAt.toISOString() } : {}),
        };
      }),

    describeCluster: (cluster) =>
      call(cluster, 'DescribeCluster', async ({ client, eksClusterName }) => {
        const { cluster: found } = await client.send(new DescribeClusterCommand({ name: eksClusterName }));
        if (found === undefined) throw new Error('the response has no cluster');
        return {
          name: found.name ?? eksClusterName,
          arn: found.arn ?? '',
          status: found.status ?? 'PENDING',
          version: found.version ?? '',
          platformVersion: found.platformVersion ?? '',
          autoMode: found.computeConfig?.enabled === true,
          ...(found.kubernetesNetworkConfig?.ipFamily !== undefined && {
            ipFamily: found.kubernetesNetworkConfig.ipFamily,
          }),
          ...(found.identity?.oidc?.issuer !== undefined && { oidcIssuer: found.identity.oidc.issuer }),
          ...(found.endpoint !== undefined && { endpoint: found.endpoint }),
          ...(found.certificateAuthority?.data !== undefined && {
            certificateAuthority: found.certificateAuthority.data,
          }),
          ...(found.resourcesVpcConfig?.endpointPublicAccess !== undefined && {
            endpointPublicAccess: found.resourcesVpcConfig.endpointPublicAccess,
          }),
          ...(found.resourcesVpcConfig?.vpcId !== undefined && { vpcId: found.resourcesVpcConfig.vpcId }),
        } satisfies ClusterInfo;
      }),

    describeAddon: async (cluster, addonName) => {
      try {
        return await call(cluster, `DescribeAddon ${addonName}`, async ({ client, eksClusterName }) => {
          const { addon } = await client.send(new DescribeAddonCommand({ clusterName: eksClusterName, addonName }));
          return {
            name: addon?.addonName ?? addonName,
            status: addon?.status ?? 'UNKNOWN',
            healthIssues: (addon?.health?.issues ?? []).map((issue) =>
              [issue.code, issue.message].filter((part) => part !== undefined && part !== '').join(': '),
            ),
          };
        });
      } catch (err) {
        if (isPortError(err, 'not-found')) return undefined;
        throw err;
      }
    },

    listFargateProfiles: (cluster) =>
      call(cluster, 'ListFargateProfiles', async ({ client, eksClusterName }) => {
        const names = await collectPages(async (nextToken) => {
          const page = await client.send(new ListFargateProfilesCommand({ clusterName: eksClusterName, nextToken }));
          return { items: page.fargateProfileNames ?? [], next: page.nextToken };
        });
        const profiles: FargateProfileInfo[] = [];
        for (const fargateProfileName of names) {
          const { fargateProfile } = await client.send(
            new DescribeFargateProfileCommand({ clusterName: eksClusterName, fargateProfileName }),
          );
          profiles.push({
            name: fargateProfile?.fargateProfileName ?? fargateProfileName,
            selectors: (fargateProfile?.selectors ?? []).map((selector) => ({
              namespace: selector.namespace ?? '',
              ...(selector.labels !== undefined && { labels: selector.labels }),
            })),
          });
        }
        return profiles;
      }),

    listNodegroups: (cluster) =>
      call(cluster, 'ListNodegroups', async ({ client, eksClusterName }) => {
        const names = await collectPages(async (nextToken) => {
          const page = await client.send(new ListNodegroupsCommand({ clusterName: eksClusterName, nextToken }));
          return { items: page.nodegroups ?? [], next: page.nextToken };
        });
        const nodegroups: NodegroupInfo[] = [];
        for (const nodegroupName of names) {
          const { nodegroup } = await client.send(
            new DescribeNodegroupCommand({ clusterName: eksClusterName, nodegroupName }),
          );
          nodegroups.push({
            name: nodegroup?.nodegroupName ?? nodegroupName,
            ...(nodegroup?.nodeRole !== undefined && { nodeRoleArn: nodegroup.nodeRole }),
            ...(nodegroup?.status !== undefined && { status: nodegroup.status }),
          });
        }
        return nodegroups;
      }),

    findPodIdentityAssociations: (cluster, namespace, serviceAccount) =>
      call(cluster, 'ListPodIdentityAssociations', (eks) =>
        listAndDescribe(cluster, eks, { namespace, serviceAccount }, 1),
      ),

    createPodIdentityAssociation: (request) =>
      call(request.cluster, 'CreatePodIdentityAssociation', async ({ client, eksClusterName }) => {
        const { association } = await client.send(
          new CreatePodIdentityAssociationCommand({
            clusterName: eksClusterName,
            namespace: request.namespace,
            serviceAccount: request.serviceAccount,
            roleArn: request.roleArn,
            clientRequestToken: request.clientRequestToken,
            ...(request.tags !== undefined && { tags: request.tags }),
            ...(request.targetRoleArn !== undefined && { targetRoleArn: request.targetRoleArn }),
            ...(request.disableSessionTags === true && { disableSessionTags: true }),
            ...(request.policy !== undefined && { policy: request.policy }),
          }),
        );
        if (association === undefined) throw new Error('the response has no association');
        return toAssociation(request.cluster, association);
      }),

    describePodIdentityAssociation: (cluster, associationId) =>
      call(cluster, `DescribePodIdentityAssociation ${associationId}`, async (eks) => {
        const association = await describeAssociation(cluster, eks, associationId);
        return association === undefined ? undefined : toAssociation(cluster, association);
      }),

    deletePodIdentityAssociation: (cluster, associationId) =>
      call(cluster, `DeletePodIdentityAssociation ${associationId}`, async ({ client, eksClusterName }) => {
        await client.send(new DeletePodIdentityAssociationCommand({ clusterName: eksClusterName, associationId }));
      }),

    listPodIdentityAssociations: (cluster) =>
      call(cluster, 'ListPodIdentityAssociations', (eks) =>
        listAndDescribe(cluster, eks, {}, options.describeConcurrency ?? DEFAULT_DESCRIBE_CONCURRENCY),
      ),
  };

  /**
   * Lists the associations matching `filter` over every page, then describes each: List
   * has no roleArn. One deleted between List and Describe no longer exists, so it is left out.
   */
  async function listAndDescribe(
    cluster: string,
    eks: EksClusterTarget,
    filter: { namespace?: string; serviceAccount?: string },
    concurrency: number,
  ): Promise<PodIdentityAssociation[]> {
    const { client, eksClusterName } = eks;
    const summaries = await collectPages(async (nextToken) => {
      const page = await client.send(
        new ListPodIdentityAssociationsCommand({
          clusterName: eksClusterName,
          ...filter,
          nextToken,
          ...(options.pageSize !== undefined && { maxResults: options.pageSize }),
        }),
      );
      return { items: page.associations ?? [], next: page.nextToken };
    });
    const ids = summaries.flatMap((summary) => (summary.associationId === undefined ? [] : [summary.associationId]));
    const described = await mapConcurrently(ids, concurrency, (id) => describeAssociation(cluster, eks, id));
    return described.flatMap((association) => (association === undefined ? [] : [toAssociation(cluster, association)]));
  }
}

async function describeAssociation(
  cluster: string,
  { client, eksClusterName }: EksClusterTarget,
  associationId: string,
): Promise<EksAssociation | undefined> {
  try {
    const { association } = await client.send(
      new DescribePodIdentityAssociationCommand({ clusterName: eksClusterName, associationId }),
    );
    return association;
  } catch (err) {
    const mapped = mapAwsError(err, `EKS DescribePodIdentityAssociation ${associationId} on cluster ${cluster}`);
    if (mapped.kind === 'not-found') return undefined;
    throw mapped;
  }
}

function toAssociation(cluster: string, association: EksAssociation): PodIdentityAssociation {
  return {
    associationId: association.associationId ?? '',
    cluster,
    namespace: association.namespace ?? '',
    serviceAccount: association.serviceAccount ?? '',
    roleArn: association.roleArn ?? '',
    // Fields that make two associations with one roleArn differ (see domain/associations.ts).
    ...(association.targetRoleArn && { targetRoleArn: association.targetRoleArn }),
    ...(association.disableSessionTags === true && { disableSessionTags: true }),
    ...(association.externalId && { externalId: association.externalId }),
    ...(association.policy && { policy: association.policy }),
    ...(association.associationArn !== undefined && { associationArn: association.associationArn }),
    ...(association.ownerArn !== undefined && { ownerArn: association.ownerArn }),
    ...(association.tags !== undefined && { tags: association.tags }),
  };
}
