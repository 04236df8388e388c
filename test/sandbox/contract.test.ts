import type { PolicyDocument } from '../../src/domain/types.js';
import { createSandboxFleet, emptyFleet } from '../../src/sandbox/index.js';
import type { SandboxFleet } from '../../src/sandbox/index.js';
import type { EksFixtureDriver } from '../contract/eks.contract.js';
import { runEksContract } from '../contract/eks.contract.js';
import type { IamFixtureDriver } from '../contract/iam.contract.js';
import { runIamContract } from '../contract/iam.contract.js';
import type { KubernetesFixtureDriver } from '../contract/kubernetes.contract.js';
import { runKubernetesContract } from '../contract/kubernetes.contract.js';
import { tempStateFile } from '../support/sandbox-fixtures.js';

const AWS_CLI_IMAGE = 'public.ecr.aws/aws-cli/aws-cli:2.22.35';

/** EKS List lags creates and deletes by this much (real time): the EKS contract must poll for it. */
const LIST_DELAY_MS = 40;

async function sandbox(mode: 'memory' | 'file'): Promise<{ fleet: SandboxFleet; cleanup: () => Promise<void> }> {
  const temp = mode === 'file' ? await tempStateFile() : undefined;
  const fleet = createSandboxFleet({
    seed: emptyFleet('111122223333', 'us-east-1'),
    podStartMs: 5,
    consistencyDelayMs: 0,
    listDelayMs: LIST_DELAY_MS,
    ...(temp === undefined ? {} : { file: temp.file }),
  });
  return { fleet, cleanup: async () => temp?.cleanup() };
}

function iamDriver({ control }: SandboxFleet): IamFixtureDriver {
  async function role(name: string) {
    const found = (await control.state()).roles[name];
    if (found === undefined) throw new Error(`no role ${name}`);
    return found;
  }
  return {
    createRole: (name, trustPolicy) => control.putRole({ name, trustPolicy }),
    async putInlinePolicy(roleName, policyName, document) {
      const r = await role(roleName);
      await control.putRole({ ...r, inlinePolicies: { ...r.inlinePolicies, [policyName]: document } });
    },
    async attachManagedPolicy(roleName, policyName, document) {
      const arn = await control.putManagedPolicy({ name: policyName, document });
      const r = await role(roleName);
      await control.putRole({ ...r, managedPolicyArns: [...r.managedPolicyArns, arn] });
      return arn;
    },
    async setPermissionsBoundary(roleName, policyName, document) {
      const arn = await control.putManagedPolicy({ name: policyName, document });
      await control.putRole({ ...(await role(roleName)), permissionsBoundaryArn: arn });
      return arn;
    },
    async tagRole(roleName, tags) {
      const r = await role(roleName);
      await control.putRole({ ...r, tags: { ...r.tags, ...tags } });
    },
    createOidcProvider: (issuerUrl) => control.putOidcProvider(issuerUrl),
  };
}

const podIdentityTrust: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] },
  ],
};

function eksDriver({ control }: SandboxFleet): EksFixtureDriver {
  return {
    async createCluster(name) {
      await control.putCluster({ name });
      return name;
    },
    createRole: (name) => control.putRole({ name, trustPolicy: podIdentityTrust }),
    createNodegroup: (cluster, name, nodeRoleArn) =>
      control.putNodegroup(cluster, { name, nodeRoleArn, status: 'ACTIVE' }),
  };
}

async function kubernetesDriver({ control }: SandboxFleet): Promise<KubernetesFixtureDriver> {
  const cluster = 'contract';
  await control.putCluster({ name: cluster });
  for (const name of ['node-a', 'node-b'])
    await control.putNode(cluster, { name, labels: { 'example.com/pool': 'p' } });
  return {
    cluster,
    image: 'public.ecr.aws/docker/library/busybox:1.37',
    awsCliImage: AWS_CLI_IMAGE,
    rolloutTimeoutMs: 10_000,
    pollIntervalMs: 5,
    createServiceAccount: (namespace, name, annotations = {}) =>
      control.putServiceAccount(cluster, { namespace, name, annotations }),
    createWorkload: ({ image, ...workload }) =>
      control.putWorkload(cluster, {
        ...workload,
        containers: [{ name: 'app', image, awsCli: image === AWS_CLI_IMAGE }],
      }),
    async nodeLabels(nodeName) {
      const node = (await control.state()).clusters[cluster]?.nodes.find((n) => n.name === nodeName);
      return node?.labels ?? {};
    },
    createBarePod: ({ image, ...pod }) => control.putPod(cluster, { ...pod, containers: [{ name: 'app', image }] }),
    async createJob({ image, ...job }) {
      await control.putJob(cluster, { kind: 'Job', ...job, active: 1, finished: false });
      await control.putPod(cluster, {
        namespace: job.namespace,
        name: `${job.name}-x7k2p`,
        serviceAccount: job.serviceAccount,
        controller: { apiVersion: 'batch/v1', kind: 'Job', name: job.name },
        containers: [{ name: 'app', image }],
      });
    },
  };
}

for (const mode of ['memory', 'file'] as const) {
  runIamContract(`sandbox IAM (${mode})`, async () => {
    const { fleet, cleanup } = await sandbox(mode);
    return { port: fleet.iam, driver: iamDriver(fleet), cleanup };
  });
  runEksContract(
    `sandbox EKS (${mode})`,
    async () => {
      const { fleet, cleanup } = await sandbox(mode);
      return { port: fleet.eks, driver: eksDriver(fleet), cleanup };
    },
    { associations: true, nodegroupsOfUnknownCluster: true, listSettleMs: LIST_DELAY_MS },
  );
  runKubernetesContract(`sandbox Kubernetes (${mode})`, async () => {
    const { fleet, cleanup } = await sandbox(mode);
    return { port: fleet.kubernetes, driver: await kubernetesDriver(fleet), cleanup };
  });
}
