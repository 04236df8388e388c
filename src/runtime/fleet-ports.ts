import { join } from 'node:path';
import type { ActivityDeps } from '../../activities/index.js';
import type { AwsClients } from '../adapters/aws/clients.js';
import type { ContextEksCluster } from '../adapters/kubernetes/kubeconfig.js';
import type { Config, FleetCluster } from '../config/index.js';
import { ConfigError } from '../config/index.js';
import { PortError } from '../ports/errors.js';
import { createSandboxFleet, type SandboxFleet } from '../sandbox/index.js';

export type FleetPorts = Pick<
  ActivityDeps,
  'eks' | 'iam' | 'kubernetes' | 'eksClusterName' | 'trustPolicyLimit' | 'cloudTrail' | 'fleetClusters'
> & {
  sandbox?: SandboxFleet;
};

export function sandboxFile(config: Config): string {
  return join(config.dataDir, 'sandbox-fleet.sqlite');
}

/** The sandbox fleet, persisted in the data directory so worker restarts and the CLI see one fleet. */
export function openSandbox(config: Config): SandboxFleet {
  return createSandboxFleet({
    file: sandboxFile(config),
    // Where versions before the SQLite store kept it: refused until `sandbox reset`, not silently dropped.
    replaces: join(config.dataDir, 'sandbox-fleet.json'),
    consistencyDelayMs: config.fleet.sandbox?.consistencyDelayMs,
    // EKS List lags as the webhook does.
    listDelayMs: config.fleet.sandbox?.consistencyDelayMs ?? 2000,
    podStartMs: config.fleet.sandbox?.podStartMs,
    // The demo compresses CloudTrail's minutes of delivery as it compresses consistency.
    cloudTrailDelayMs: 2000,
    latencyMs: config.fleet.sandbox?.latencyMs,
  });
}

/**
 * The AWS SDK and Kubernetes client adapters, loaded for an `aws` fleet only: together they
 * take seconds to import, which the sandbox fleet (`npm start`, the demo) never needs.
 */
async function loadAwsAdapters() {
  const [clients, cloudTrail, eks, errors, eksToken, iam, kubernetes, kubeconfig] = await Promise.all([
    import('../adapters/aws/clients.js'),
    import('../adapters/aws/cloudtrail.js'),
    import('../adapters/aws/eks.js'),
    import('../adapters/aws/errors.js'),
    import('../adapters/aws/eks-token.js'),
    import('../adapters/aws/iam.js'),
    import('../adapters/kubernetes/adapter.js'),
    import('../adapters/kubernetes/kubeconfig.js'),
  ]);
  return { ...clients, ...cloudTrail, ...eks, ...errors, ...eksToken, ...iam, ...kubernetes, ...kubeconfig };
}

/** Real EKS, IAM and Kubernetes adapters for every cluster of an `aws` fleet file. */
function awsPorts(config: Config, adapters: Awaited<ReturnType<typeof loadAwsAdapters>>): FleetPorts {
  const {
    createAwsClients,
    createCloudTrailAdapter,
    createEksAdapter,
    mapAwsError,
    createEksToken,
    createIamAdapter,
    createKubernetesAdapter,
    eksClusterOfContext,
    kubeConfigFromContext,
    kubeConfigFromEndpoint,
  } = adapters;
  const fleet = config.fleet;
  const byName = new Map(fleet.clusters.map((c) => [c.name, c]));
  const cluster = (name: string): FleetCluster => {
    const found = byName.get(name);
    if (!found) throw new PortError('not-found', `cluster ${name} is not in the fleet file (${config.fleetSource})`);
    return found;
  };
  const region = (c: FleetCluster) => {
    const r = c.region ?? fleet.defaults.region;
    if (!r)
      throw new ConfigError(`${config.fleetSource}: clusters.${c.name}.region: required (or set defaults.region)`);
    return r;
  };
  const clients = new Map<string, AwsClients>();
  const clientsFor = (name: string): AwsClients => {
    let found = clients.get(name);
    if (!found) {
      const c = cluster(name);
      found = createAwsClients({ region: region(c), assumeRoleArn: c.assumeRoleArn });
      clients.set(name, found);
    }
    return found;
  };
  const eksName = (name: string) => cluster(name).eksClusterName ?? name;
  const eks = createEksAdapter((name) => ({ client: clientsFor(name).eks, eksClusterName: eksName(name) }));
  const iamClients = createAwsClients({
    // IAM is global within a partition; a cluster's region keeps a China fleet in aws-cn.
    region: fleet.iam?.region ?? fleet.defaults.region ?? fleet.clusters[0]?.region ?? 'us-east-1',
    assumeRoleArn: fleet.iam?.assumeRoleArn,
  });
  const kubernetes = createKubernetesAdapter(async (name) => {
    const c = cluster(name);
    if (c.kubeconfigContext) {
      const kc = kubeConfigFromContext(c.kubeconfigContext, c.kubeconfigPath);
      checkSameEksCluster(config.fleetSource, c, eksName(name), region(c), eksClusterOfContext(kc));
      return kc;
    }
    const info = await eks.describeCluster(name);
    if (!info.endpoint || !info.certificateAuthority) {
      throw new PortError(
        'validation',
        `cluster ${name}: DescribeCluster returned no endpoint or certificate authority`,
      );
    }
    const { credentials } = clientsFor(name);
    return kubeConfigFromEndpoint({
      clusterName: eksName(name),
      endpoint: info.endpoint,
      certificateAuthorityBase64: info.certificateAuthority,
      // The token carries its expiry, so the cache never outlives the credentials that signed it.
      token: () =>
        createEksToken({ clusterName: eksName(name), region: region(c), credentials }).catch((err: unknown) => {
          throw mapAwsError(err, `EKS token for cluster ${name}`);
        }),
    });
  });
  // Each cluster's events are in its account and Region; clusters sharing both share one history and its rate limit.
  const cloudTrail = createCloudTrailAdapter((name) => {
    const c = cluster(name);
    return {
      client: clientsFor(name).cloudTrail,
      scope: `${c.accountId ?? c.assumeRoleArn ?? 'default'}/${region(c)}`,
    };
  });
  return { eks, iam: createIamAdapter(iamClients.iam), kubernetes, eksClusterName: eksName, cloudTrail };
}

/**
 * Kubernetes calls go where the kubeconfig context points, EKS calls to `eksClusterName`
 * (default: the fleet name). When the context names its EKS cluster, the two must agree,
 * or the association would be made on one cluster while the pods restart on another.
 * A validation error: no retry can fix the fleet file.
 */
function checkSameEksCluster(
  source: string,
  c: FleetCluster,
  eksName: string,
  region: string,
  context: ContextEksCluster | undefined,
): void {
  if (context === undefined) return;
  const where = `${source}: clusters.${c.name}`;
  if (context.name !== eksName) {
    throw new PortError(
      'validation',
      `${where}.eksClusterName: kubeconfig context ${c.kubeconfigContext} reaches EKS cluster "${context.name}" (${context.source}), but EKS calls would go to "${eksName}": set eksClusterName: ${context.name}`,
    );
  }
  if (context.region !== undefined && context.region !== region) {
    throw new PortError(
      'validation',
      `${where}.region: kubeconfig context ${c.kubeconfigContext} reaches a cluster in ${context.region} (${context.source}), not ${region}`,
    );
  }
}

export async function openFleetPorts(config: Config): Promise<FleetPorts> {
  const trustPolicyLimit = config.fleet.iam?.trustPolicySizeLimit;
  const fleetClusters = config.fleet.clusters.map((c) => c.name);
  if (config.fleet.mode === 'aws')
    return { ...awsPorts(config, await loadAwsAdapters()), trustPolicyLimit, fleetClusters };
  const sandbox = openSandbox(config);
  return {
    eks: sandbox.eks,
    iam: sandbox.iam,
    kubernetes: sandbox.kubernetes,
    cloudTrail: sandbox.cloudTrail,
    sandbox,
    trustPolicyLimit,
    fleetClusters,
  };
}
