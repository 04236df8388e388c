import type { AddonInfo, ClusterInfo, FargateProfileInfo, PodIdentityAssociation } from './eks.js';
import type { ContainerInfo, DaemonSetInfo, JobInfo, PodInfo, ServiceAccountInfo, WorkloadInfo } from './kubernetes.js';
import { AGENT_ADDON, AGENT_DAEMONSET, IRSA_ANNOTATION, IRSA_TOKEN_FILE } from './constants.js';
import type { ControllerOptions } from './controllers.js';
import { serviceAccountControllers } from './controllers.js';
import { noProxyCovers } from './no-proxy.js';
import { iamWildcardMatch } from './trust-policy.js';
import type { Finding, FindingSeverity } from './types.js';

export const POD_IDENTITY_ENDPOINTS = ['169.254.170.23', 'fd00:ec2::23'] as const;

/** What preflight gathered about one cluster; `evaluateCluster` turns it into findings. */
export interface ClusterFacts {
  cluster: string;
  /** Undefined: the cluster was not found. */
  info?: ClusterInfo;
  /** Undefined: the add-on is not installed. */
  agentAddon?: AddonInfo;
  agentDaemonSet?: DaemonSetInfo;
  serviceAccount?: ServiceAccountInfo;
  workloads: WorkloadInfo[];
  pods: PodInfo[];
  /** Jobs and CronJobs that run as the service account; undefined when not read (a fleet scan). */
  jobs?: JobInfo[];
  fargateProfiles: FargateProfileInfo[];
  existingAssociations: PodIdentityAssociation[];
  roleArn: string;
}

// Oldest EKS platform version with Pod Identity, per Kubernetes minor; 1.29 and later all have it.
const MIN_PLATFORM: Record<number, number> = { 26: 9, 27: 8, 28: 4 };

export function supportsPodIdentity(version: string, platformVersion: string): boolean {
  const kube = /^v?(\d+)\.(\d+)/.exec(version.trim());
  if (!kube) return false;
  const [major, minor] = [Number(kube[1]), Number(kube[2])];
  if (major !== 1) return major > 1;
  if (minor >= 29) return true;
  const minimum = MIN_PLATFORM[minor];
  if (minimum === undefined) return false;
  const platform = /^eks\.(\d+)$/.exec(platformVersion.trim());
  return platform !== null && Number(platform[1]) >= minimum;
}

export function evaluateCluster(f: ClusterFacts, options: ControllerOptions = {}): Finding[] {
  const findings: Finding[] = [];
  const add = (severity: FindingSeverity, code: string, message: string): void => {
    findings.push({ severity, code, message: `cluster ${f.cluster}: ${message}`, cluster: f.cluster });
  };
  const info = f.info;
  if (!info) {
    add('blocking', 'cluster-not-found', 'not found (check the name, region and account in the fleet file)');
    return findings;
  }
  if (info.status !== 'ACTIVE') add('blocking', 'cluster-not-active', `status is ${info.status}, not ACTIVE`);
  if (!supportsPodIdentity(info.version, info.platformVersion)) {
    add(
      'blocking',
      'platform-version',
      `Kubernetes ${info.version} platform ${info.platformVersion} has no Pod Identity ` +
        '(needs 1.26 eks.9, 1.27 eks.8, 1.28 eks.4, or 1.29 and later)',
    );
  }
  const clusterAccount = /^arn:[^:]+:eks:[^:]*:(\d{12}):/.exec(info.arn)?.[1];
  const roleAccount = /^arn:[^:]+:iam::(\d{12}):/.exec(f.roleArn)?.[1];
  if (clusterAccount && roleAccount && clusterAccount !== roleAccount) {
    add(
      'blocking',
      'role-other-account',
      `role ${f.roleArn} is in account ${roleAccount}; associations need a role in ${clusterAccount}`,
    );
  }
  checkAgent(f, info, add);
  checkServiceAccount(f, add);
  if (f.workloads.length === 0)
    add(
      'warning',
      'no-workloads',
      'no Deployment, StatefulSet or DaemonSet uses the service account: nothing to restart',
    );
  checkControllers(f, options, add);
  for (const issue of groupPodIssues(f.pods.flatMap((pod) => podIssues(f, pod))))
    add(issue.severity, issue.code, issue.message);
  checkFargateProfiles(f, add);
  checkAssociations(f, add);
  return findings;
}

type Add = (severity: FindingSeverity, code: string, message: string) => void;

/** Every controller the migration will not restart as usual, with what happens to it and what to do. */
function checkControllers(f: ClusterFacts, options: ControllerOptions, add: Add): void {
  for (const c of serviceAccountControllers(f, options)) {
    if (c.finding === undefined) continue;
    const named = c.pods.slice(0, MAX_PODS_NAMED).join(', ');
    const more = c.pods.length > MAX_PODS_NAMED ? ` and ${c.pods.length - MAX_PODS_NAMED} more` : '';
    const pods = c.kind === 'Pod' || c.pods.length === 0 ? '' : ` (pods ${named}${more})`;
    const manual = c.manual === undefined ? '' : `; ${c.manual}`;
    add(c.finding.severity, c.finding.code, `${c.kind} ${c.namespace}/${c.name}${pods}: ${c.reason}${manual}`);
  }
}

function checkAgent(f: ClusterFacts, info: ClusterInfo, add: Add): void {
  if (info.autoMode) {
    add('info', 'auto-mode-agent', 'EKS Auto Mode: the Pod Identity Agent is built in');
    return;
  }
  const addon = f.agentAddon;
  if (!addon) add('blocking', 'agent-unhealthy', `add-on ${AGENT_ADDON} is not installed`);
  else if (addon.status !== 'ACTIVE')
    add('blocking', 'agent-unhealthy', `add-on ${addon.name} is ${addon.status}, not ACTIVE`);
  else if (addon.healthIssues.length > 0) {
    add('blocking', 'agent-unhealthy', `add-on ${addon.name} reports health issues: ${addon.healthIssues.join('; ')}`);
  }
  const ds = f.agentDaemonSet;
  const dsName = `${AGENT_DAEMONSET.namespace}/${AGENT_DAEMONSET.name}`;
  if (!ds) add('blocking', 'agent-unhealthy', `DaemonSet ${dsName} not found`);
  else if (ds.numberReady < ds.desiredNumberScheduled) {
    add(
      'blocking',
      'agent-unhealthy',
      `DaemonSet ${dsName} has ${ds.numberReady} of ${ds.desiredNumberScheduled} pods ready`,
    );
  }
}

function checkServiceAccount(f: ClusterFacts, add: Add): void {
  const sa = f.serviceAccount;
  if (!sa) {
    add('blocking', 'service-account-not-found', 'service account not found');
    return;
  }
  const annotation = sa.annotations[IRSA_ANNOTATION];
  const name = `${sa.namespace}/${sa.name}`;
  if (annotation === undefined) {
    add(
      'warning',
      'no-irsa-annotation',
      `service account ${name} has no ${IRSA_ANNOTATION} annotation: nothing to roll back to`,
    );
  } else if (annotation.trim() !== f.roleArn) {
    add(
      'warning',
      'irsa-role-mismatch',
      `service account ${name} uses role ${annotation} through IRSA; the migration switches it to ${f.roleArn}`,
    );
  }
}

interface PodIssue {
  severity: FindingSeverity;
  code: string;
  pod: string;
  /** What is wrong, without the pod's name, so replicas of one workload share one finding. */
  detail: string;
}

function podIssues(f: ClusterFacts, pod: PodInfo): PodIssue[] {
  const issues: PodIssue[] = [];
  const issue = (severity: FindingSeverity, code: string, detail: string): void => {
    issues.push({ severity, code, pod: `${pod.namespace}/${pod.name}`, detail });
  };
  const computeType = pod.nodeLabels['eks.amazonaws.com/compute-type'];
  if (computeType === 'fargate' || pod.labels['eks.amazonaws.com/fargate-profile'] !== undefined) {
    issue('blocking', 'fargate-pod', 'runs on Fargate, where Pod Identity does not work');
  }
  if ((pod.nodeLabels['kubernetes.io/os'] ?? pod.nodeLabels['beta.kubernetes.io/os']) === 'windows') {
    issue('blocking', 'windows-pod', 'runs on a Windows node, where Pod Identity does not work');
  }
  if (computeType === 'hybrid') {
    issue(
      'warning',
      'hybrid-node-pod',
      'runs on a hybrid node: the Pod Identity Agent add-on must be configured for hybrid nodes',
    );
  }
  for (const container of pod.containers) {
    const proxy = proxyIssue(container, f.info?.ipFamily);
    if (proxy) issue(proxy.severity, 'proxy-no-proxy', `container ${container.name} ${proxy.detail}`);
    const handSet = handSetCredentials(f, container);
    if (handSet.length > 0) {
      issue(
        'warning',
        'hard-coded-credentials',
        `container ${container.name} sets ${handSet.join(', ')} itself; the webhook does not overwrite them, so it keeps using them after the switch`,
      );
    }
  }
  return issues;
}

const PROXY_VARIABLES = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'];
const NO_PROXY_VARIABLES = ['NO_PROXY', 'no_proxy'];

/**
 * The agent address a pod is given, by the cluster's IP family: 169.254.170.23 on IPv4
 * clusters, [fd00:ec2::23] on IPv6 ones (EKS User Guide, "Set up the Amazon EKS Pod Identity
 * Agent"; in IPv4 clusters the agent listens on the IPv4 link-local address only,
 * awsdocs/amazon-eks-user-guide#1092). Unknown family: both, to be safe.
 */
function podIdentityEndpoints(ipFamily: ClusterInfo['ipFamily']): readonly string[] {
  if (ipFamily === 'ipv4') return [POD_IDENTITY_ENDPOINTS[0]];
  if (ipFamily === 'ipv6') return [POD_IDENTITY_ENDPOINTS[1]];
  return POD_IDENTITY_ENDPOINTS;
}

/** envFrom sources that could define one of `names` (a prefix must be the start of the name). */
function sourcesThatCouldSet(container: ContainerInfo, names: readonly string[]): string[] {
  return (container.envFrom ?? [])
    .filter((source) => names.some((name) => name.startsWith(source.prefix ?? '')))
    .map((source) => `${source.kind} ${source.name}`);
}

function proxyIssue(
  container: ContainerInfo,
  ipFamily: ClusterInfo['ipFamily'],
): { severity: FindingSeverity; detail: string } | undefined {
  const entries = Object.entries(container.env);
  const isOneOf = (names: readonly string[]) => (key: string) => names.includes(key.toUpperCase());
  const proxies = entries.filter(([key]) => isOneOf(PROXY_VARIABLES)(key)).map(([key]) => key);
  const noProxy = entries.filter(([key]) => isOneOf(NO_PROXY_VARIABLES)(key)).map(([, value]) => value);
  const endpoints = podIdentityEndpoints(ipFamily);
  const missing = endpoints.filter((endpoint) => !noProxy.some((value) => noProxyCovers(value, endpoint)));
  if (missing.length === 0) return undefined;
  // `env` wins over `envFrom` for the same name, so only names missing from `env` can come from a reference.
  const proxySources = proxies.length === 0 ? sourcesThatCouldSet(container, PROXY_VARIABLES) : [];
  const noProxySources = noProxy.length === 0 ? sourcesThatCouldSet(container, NO_PROXY_VARIABLES) : [];
  if (proxies.length === 0) {
    if (proxySources.length === 0) return undefined;
    return {
      severity: 'warning',
      detail: `takes variables from ${proxySources.join(', ')}, which cannot be checked: if they set HTTP_PROXY or HTTPS_PROXY, NO_PROXY must list ${endpoints.join(', ')} or credential requests go to the proxy`,
    };
  }
  const detail = `sets ${proxies.join(', ')} but NO_PROXY lacks ${missing.join(', ')}: credential requests would go to the proxy`;
  // valueFrom entries arrive as '': the real value is elsewhere and may be fine.
  if (noProxy.some((value) => value === '')) {
    return { severity: 'warning', detail: `${detail} (NO_PROXY comes from a reference and could not be read)` };
  }
  if (noProxySources.length > 0) {
    return {
      severity: 'warning',
      detail: `${detail} (NO_PROXY may come from ${noProxySources.join(', ')}, which cannot be checked)`,
    };
  }
  return { severity: 'blocking', detail };
}

function handSetCredentials(f: ClusterFacts, container: ContainerInfo): string[] {
  const env = container.env;
  const annotation = f.serviceAccount?.annotations[IRSA_ANNOTATION];
  const found = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].filter((name) => env[name] !== undefined);
  // The IRSA webhook injects exactly these two values; anything else was written by hand.
  if (env.AWS_ROLE_ARN !== undefined && env.AWS_ROLE_ARN !== annotation) found.push('AWS_ROLE_ARN');
  const tokenFile = env.AWS_WEB_IDENTITY_TOKEN_FILE;
  if (tokenFile !== undefined && (tokenFile !== IRSA_TOKEN_FILE || annotation === undefined)) {
    found.push('AWS_WEB_IDENTITY_TOKEN_FILE');
  }
  if (env.AWS_CONTAINER_CREDENTIALS_FULL_URI !== undefined && f.existingAssociations.length === 0) {
    found.push('AWS_CONTAINER_CREDENTIALS_FULL_URI');
  }
  return found;
}

const MAX_PODS_NAMED = 3;

function groupPodIssues(issues: PodIssue[]): { severity: FindingSeverity; code: string; message: string }[] {
  const groups = new Map<string, { issue: PodIssue; pods: string[] }>();
  for (const issue of issues) {
    const key = JSON.stringify([issue.severity, issue.code, issue.detail]);
    const group = groups.get(key);
    if (group) group.pods.push(issue.pod);
    else groups.set(key, { issue, pods: [issue.pod] });
  }
  return [...groups.values()].map(({ issue, pods }) => {
    const named = pods.slice(0, MAX_PODS_NAMED).join(', ');
    const more = pods.length > MAX_PODS_NAMED ? ` and ${pods.length - MAX_PODS_NAMED} more` : '';
    const subject = pods.length === 1 ? `pod ${named}` : `pods ${named}${more}`;
    return { severity: issue.severity, code: issue.code, message: `${subject}: ${issue.detail}` };
  });
}

function checkFargateProfiles(f: ClusterFacts, add: Add): void {
  const namespace = f.serviceAccount?.namespace ?? f.pods[0]?.namespace;
  if (namespace === undefined) return;
  for (const profile of f.fargateProfiles) {
    for (const selector of profile.selectors) {
      if (!iamWildcardMatch(selector.namespace, namespace, { ignoreCase: false })) continue;
      const labels = Object.entries(selector.labels ?? {});
      const selects =
        labels.length === 0 || f.pods.some((pod) => labels.every(([key, value]) => pod.labels[key] === value));
      if (!selects) continue;
      const labelText = labels.length === 0 ? '' : ` and labels ${labels.map(([k, v]) => `${k}=${v}`).join(',')}`;
      add(
        'blocking',
        'fargate-profile-selects',
        `Fargate profile ${profile.name} selects namespace ${selector.namespace}${labelText}: the service account's pods would be scheduled on Fargate, where Pod Identity does not work`,
      );
      break;
    }
  }
}

function checkAssociations(f: ClusterFacts, add: Add): void {
  // Associations an EKS add-on owns are the add-on's business, never ours.
  for (const association of f.existingAssociations.filter((a) => a.ownerArn === undefined)) {
    const subject = `${association.namespace}/${association.serviceAccount}`;
    if (association.roleArn === f.roleArn) {
      add(
        'info',
        'association-exists',
        `association ${association.associationId} already maps ${subject} to ${f.roleArn}: it will be reused`,
      );
    } else {
      add(
        'blocking',
        'association-other-role',
        `association ${association.associationId} maps ${subject} to ${association.roleArn}, not ${f.roleArn}: delete or update it first`,
      );
    }
  }
}
