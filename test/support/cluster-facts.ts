import type { ClusterFacts } from '../../src/domain/cluster-checks.js';
import type { PodInfo } from '../../src/domain/kubernetes.js';

/** Facts for one healthy IRSA cluster: `evaluateCluster` finds nothing. Tests mutate a fresh copy. */
export const FIXTURE_ROLE_ARN = 'arn:aws:iam::123456789012:role/app';
export const FIXTURE_IRSA_ENV: Record<string, string> = {
  AWS_ROLE_ARN: FIXTURE_ROLE_ARN,
  AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
  AWS_REGION: 'us-east-1',
};

export function fixturePod(name: string, overrides: Partial<PodInfo> = {}, env = FIXTURE_IRSA_ENV): PodInfo {
  return {
    namespace: 'payments',
    name,
    uid: `uid-${name}`,
    serviceAccount: 'api',
    nodeName: 'ip-10-0-0-1',
    nodeLabels: { 'kubernetes.io/os': 'linux', 'eks.amazonaws.com/compute-type': 'ec2' },
    labels: { app: 'api' },
    phase: 'Running',
    ready: true,
    terminating: false,
    createdAt: '2025-01-01T00:00:00Z',
    owner: { kind: 'Deployment', namespace: 'payments', name: 'api' },
    containers: [{ name: 'app', image: 'app:1', env: { ...env } }],
    ...overrides,
  };
}

export function healthyClusterFacts(cluster = 'prod-a', issuerId = 'AAAA'): ClusterFacts {
  return {
    cluster,
    info: {
      name: cluster,
      arn: `arn:aws:eks:us-east-1:123456789012:cluster/${cluster}`,
      status: 'ACTIVE',
      version: '1.30',
      platformVersion: 'eks.5',
      oidcIssuer: `https://oidc.eks.us-east-1.amazonaws.com/id/${issuerId}`,
      autoMode: false,
    },
    agentAddon: { name: 'eks-pod-identity-agent', status: 'ACTIVE', healthIssues: [] },
    agentDaemonSet: {
      namespace: 'kube-system',
      name: 'eks-pod-identity-agent',
      desiredNumberScheduled: 3,
      numberReady: 3,
    },
    serviceAccount: {
      namespace: 'payments',
      name: 'api',
      annotations: { 'eks.amazonaws.com/role-arn': FIXTURE_ROLE_ARN },
    },
    workloads: [
      { ref: { kind: 'Deployment', namespace: 'payments', name: 'api' }, serviceAccount: 'api', generation: 1 },
    ],
    pods: [fixturePod('api-1'), fixturePod('api-2')],
    fargateProfiles: [],
    existingAssociations: [],
    roleArn: FIXTURE_ROLE_ARN,
  };
}
