/**
 * The cluster reads behind preflight, in one place so a fleet scan makes the same reads
 * and hands the same facts to the same pure checks (`evaluateCluster`). A scan reads the
 * cluster-wide part once per cluster and cuts each service account's part out of a
 * cluster-wide listing (`readClusterInventory` + `serviceAccountFactsIn`).
 */
import type { ClusterFacts } from '../src/domain/cluster-checks.js';
import { AGENT_ADDON, AGENT_DAEMONSET } from '../src/domain/constants.js';
import type { ClusterInfo } from '../src/domain/eks.js';
import type { ClusterInventory, ClusterWideFacts, FactsRead, ServiceAccountFacts } from '../src/domain/fleet.js';
import { clusterFacts } from '../src/domain/inventory.js';
import type { Finding, ServiceAccountRef } from '../src/domain/types.js';
import { isPortError, PortError } from '../src/ports/errors.js';
import type { ActivityDeps } from './deps.js';

export type ClusterReadPorts = Pick<ActivityDeps, 'eks' | 'kubernetes'>;

/**
 * A read that cannot succeed by retrying (access denied, not found) becomes a blocking
 * finding, so the engineer sees every problem at once; throttling and 5xx are rethrown
 * for the activity retry policy.
 */
export async function readOrFinding<T>(
  findings: Finding[],
  cluster: string | undefined,
  what: string,
  read: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof PortError && !err.retryable) {
      findings.push({
        severity: 'blocking',
        code: `cannot-read-${err.kind}`,
        message: `cannot read ${what}: ${err.message}`,
        cluster,
      });
      return undefined;
    }
    throw err;
  }
}

/** A missing cluster is the finding `evaluateCluster` reports; other read errors are their own. */
function describeCluster(ports: ClusterReadPorts, cluster: string, findings: Finding[]) {
  return readOrFinding(findings, cluster, `cluster ${cluster}`, async () => {
    try {
      return await ports.eks.describeCluster(cluster);
    } catch (err) {
      if (isPortError(err, 'not-found')) return undefined;
      throw err;
    }
  });
}

/** The agent (none to read in Auto Mode, where it is built in) and the Fargate profiles. */
async function readAgentAndFargate(
  ports: ClusterReadPorts,
  info: ClusterInfo,
  cluster: string,
  findings: Finding[],
): Promise<ClusterWideFacts> {
  const read = <T>(what: string, fn: () => Promise<T>) => readOrFinding(findings, cluster, what, fn);
  const [agentAddon, agentDaemonSet, fargateProfiles] = await Promise.all([
    info.autoMode ? undefined : read(`add-on ${AGENT_ADDON}`, () => ports.eks.describeAddon(cluster, AGENT_ADDON)),
    info.autoMode
      ? undefined
      : read('the Pod Identity Agent DaemonSet', () =>
          ports.kubernetes.getDaemonSet(cluster, AGENT_DAEMONSET.namespace, AGENT_DAEMONSET.name),
        ),
    read('Fargate profiles', () => ports.eks.listFargateProfiles(cluster)),
  ]);
  return { cluster, info, agentAddon, agentDaemonSet, fargateProfiles: fargateProfiles ?? [] };
}

async function readOwnFacts(
  ports: ClusterReadPorts,
  cluster: string,
  sa: ServiceAccountRef,
  findings: Finding[],
): Promise<ServiceAccountFacts> {
  const k8s = ports.kubernetes;
  const read = <T>(what: string, fn: () => Promise<T>) => readOrFinding(findings, cluster, what, fn);
  const [serviceAccount, workloads, pods, jobs, associations] = await Promise.all([
    read(`service account ${sa.namespace}/${sa.name}`, () => k8s.getServiceAccount(cluster, sa.namespace, sa.name)),
    read('workloads', () => k8s.listWorkloads(cluster, sa.namespace, sa.name)),
    read('pods', () => k8s.listPods(cluster, sa.namespace, sa.name)),
    read('Jobs and CronJobs', async () =>
      (await k8s.listJobs(cluster, sa.namespace)).filter((j) => j.serviceAccount === sa.name),
    ),
    read('Pod Identity associations', () => ports.eks.findPodIdentityAssociations(cluster, sa.namespace, sa.name)),
  ]);
  return {
    serviceAccount,
    workloads: workloads ?? [],
    pods: pods ?? [],
    jobs: jobs ?? [],
    existingAssociations: associations ?? [],
  };
}

const NO_SERVICE_ACCOUNT_FACTS: ServiceAccountFacts = { workloads: [], pods: [], existingAssociations: [] };

/** What is the same for every service account of the cluster. Nothing past DescribeCluster when it is missing. */
export async function readClusterWideFacts(
  ports: ClusterReadPorts,
  cluster: string,
): Promise<FactsRead<ClusterWideFacts>> {
  const findings: Finding[] = [];
  const info = await describeCluster(ports, cluster, findings);
  const facts = info ? await readAgentAndFargate(ports, info, cluster, findings) : { cluster, fargateProfiles: [] };
  return { facts, findings };
}

/**
 * Everything preflight reads about one service account in one cluster, for moving it to
 * `roleArn`: DescribeCluster first, then the rest at once.
 */
export async function readClusterFacts(
  ports: ClusterReadPorts,
  target: { cluster: string; serviceAccount: ServiceAccountRef; roleArn: string },
): Promise<FactsRead<ClusterFacts>> {
  const { cluster, serviceAccount, roleArn } = target;
  const findings: Finding[] = [];
  const info = await describeCluster(ports, cluster, findings);
  if (!info)
    return { facts: clusterFacts({ cluster, fargateProfiles: [] }, NO_SERVICE_ACCOUNT_FACTS, roleArn), findings };
  const [wide, own] = await Promise.all([
    readAgentAndFargate(ports, info, cluster, findings),
    readOwnFacts(ports, cluster, serviceAccount, findings),
  ]);
  return { facts: clusterFacts(wide, own, roleArn), findings };
}

/**
 * Every service account, workload, pod and association of the cluster (of one namespace
 * when given), for `serviceAccountFactsIn`. Unlike the reads above, a failed listing is
 * thrown: a partial inventory would report what it could not see as missing.
 */
export async function readClusterInventory(
  ports: ClusterReadPorts,
  cluster: string,
  namespace?: string,
): Promise<ClusterInventory> {
  const k8s = ports.kubernetes;
  const [serviceAccounts, workloads, pods, jobs, associations] = await Promise.all([
    k8s.listServiceAccounts(cluster, namespace),
    k8s.listAllWorkloads(cluster, namespace),
    k8s.listAllPods(cluster, namespace),
    k8s.listJobs(cluster, namespace),
    ports.eks.listPodIdentityAssociations(cluster),
  ]);
  return {
    cluster,
    ...(namespace === undefined ? {} : { namespace }),
    serviceAccounts,
    workloads,
    pods,
    jobs,
    associations: namespace === undefined ? associations : associations.filter((a) => a.namespace === namespace),
  };
}
