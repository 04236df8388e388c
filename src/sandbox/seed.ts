/**
 * The default sandbox fleet: account 111122223333, region us-east-1.
 *
 * Migratable:
 * - `sandbox-a`, `sandbox-b`, `sandbox-c`: ACTIVE, 1.31, eks.10, agent add-on ACTIVE,
 *   agent DaemonSet 3/3, three Linux nodes. `payments/reconciler` is annotated with
 *   role `eks-payments-reconciler`; its Deployment `reconciler` (2 replicas, image with
 *   the AWS CLI) runs on IRSA. `sandbox-b` also runs StatefulSet
 *   `reconciler-ledger-writer` (2 replicas) as the same service account.
 * - Role `eks-payments-reconciler`: one IRSA statement per cluster issuer (sandbox-a's
 *   also admits `payments:reconciler-canary`, which must survive), a break-glass `AWS`
 *   principal statement that must survive, an inline policy using
 *   `${aws:PrincipalTag/kubernetes-namespace}` correctly, one managed policy.
 *
 * Cases preflight must stop:
 * - `sandbox-a` `payments/fargate-worker` (role `eks-payments-fargate-worker`): its pod
 *   runs on a Fargate node, selected by Fargate profile `fp-payments-workers`
 *   (namespace `payments`, label `app=fargate-worker`).
 * - `sandbox-unhealthy`: agent add-on DEGRADED with a health issue, DaemonSet 1/3 ready;
 *   it also has `payments/reconciler`.
 * - `sandbox-c` `payments/egress-proxy` (role `eks-payments-egress-proxy`): its Deployment
 *   sets `HTTPS_PROXY` without `NO_PROXY`.
 * - `sandbox-b` `payments/ledger` (role `eks-payments-ledger`): an inline policy with the
 *   misspelt key `aws:PrincipalTag/kubernetes-namespaces`.
 *
 * Role reuse (the seed runbook's "multiple service accounts now share one IAM role"):
 * `payments/settlement` and `payments/payouts` both use role `eks-payments-shared`, in
 * `sandbox-a` and `sandbox-c` (a Deployment each, image with the AWS CLI). Its policy keys
 * access on `${aws:PrincipalTag/kubernetes-service-account}`. Migrating one must never take
 * trust the other relies on.
 *
 * Every role a service account uses exists with a matching IRSA trust statement.
 */
import type { PolicyStatement } from '../domain/types.js';
import {
  emptyFleet,
  putAddon,
  putCluster,
  putDaemonSetStatus,
  putFargateProfile,
  putManagedPolicy,
  putNode,
  putRole,
  putServiceAccount,
  putWorkload,
} from './fixtures.js';
import type { FleetState } from './state.js';
import { issuerHostPath, oidcProviderArn } from '../domain/trust-policy.js';
import { IRSA_ANNOTATION } from './webhook.js';
import { AGENT_ADDON } from '../domain/constants.js';

export { AGENT_ADDON };

export const SEED_ACCOUNT = '111122223333';
export const SEED_REGION = 'us-east-1';
/** When the seeded pods started. Clocks given to a sandbox must not run before it. */
export const SEED_TIME = Date.parse('2025-01-06T09:00:00.000Z');
/** One role, two service accounts, two clusters: the seed's role reuse. */
export const SHARED_ROLE = 'eks-payments-shared';
export const SHARED_ROLE_SERVICE_ACCOUNTS = ['settlement', 'payouts'] as const;
export const SHARED_ROLE_CLUSTERS = ['sandbox-a', 'sandbox-c'] as const;
export const RECONCILER_IMAGE = `${SEED_ACCOUNT}.dkr.ecr.${SEED_REGION}.amazonaws.com/payments/reconciler:1.8.2`;

const roleArn = (name: string) => `arn:aws:iam::${SEED_ACCOUNT}:role/${name}`;

/** The IRSA trust statement a cluster needs for the given service-account subjects. */
export function irsaTrustStatement(
  state: FleetState,
  cluster: string,
  subjects: string[],
  options: { sid?: string; audience?: boolean } = {},
): PolicyStatement {
  const issuer = state.clusters[cluster]?.oidcIssuer;
  if (issuer === undefined) throw new Error(`cluster ${cluster} has no OIDC issuer`);
  const host = issuerHostPath(issuer);
  return {
    ...(options.sid === undefined ? {} : { Sid: options.sid }),
    Effect: 'Allow',
    Principal: { Federated: oidcProviderArn(state.accountId, issuer) },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: {
        ...(options.audience === false ? {} : { [`${host}:aud`]: 'sts.amazonaws.com' }),
        [`${host}:sub`]: subjects.length === 1 ? (subjects[0] ?? '') : subjects,
      },
    },
  };
}

function addCluster(state: FleetState, name: string, octet: number, agent: { healthy: boolean }): void {
  putCluster(state, { name });
  for (const [i, zone] of ['a', 'b', 'c'].entries()) {
    putNode(state, name, {
      name: `ip-10-${octet}-${i + 1}-10.ec2.internal`,
      labels: {
        'node.kubernetes.io/instance-type': 'm6i.large',
        'topology.kubernetes.io/zone': `${SEED_REGION}${zone}`,
        'eks.amazonaws.com/nodegroup': 'default',
        'eks.amazonaws.com/capacityType': 'ON_DEMAND',
      },
    });
  }
  putAddon(state, name, {
    name: AGENT_ADDON,
    status: agent.healthy ? 'ACTIVE' : 'DEGRADED',
    healthIssues: agent.healthy
      ? []
      : [
          'InsufficientNumberOfReplicas: The add-on is unhealthy because it doesn\u2019t have the desired number of replicas.',
        ],
  });
  putDaemonSetStatus(state, name, {
    namespace: 'kube-system',
    name: AGENT_ADDON,
    desiredNumberScheduled: 3,
    numberReady: agent.healthy ? 3 : 1,
  });
}

function addApp(
  state: FleetState,
  cluster: string,
  sa: string,
  role: string,
  env: Record<string, string> = {},
  options: { awsCli?: boolean } = {},
) {
  putServiceAccount(state, cluster, {
    namespace: 'payments',
    name: sa,
    annotations: { [IRSA_ANNOTATION]: roleArn(role) },
  });
  const image = `${SEED_ACCOUNT}.dkr.ecr.${SEED_REGION}.amazonaws.com/payments/${sa}:2.3.0`;
  putWorkload(
    state,
    cluster,
    {
      namespace: 'payments',
      name: sa,
      serviceAccount: sa,
      containers: [{ name: 'app', image, env, awsCli: options.awsCli ?? false }],
    },
    SEED_TIME,
  );
}

export function seedFleet(): FleetState {
  const s = emptyFleet(SEED_ACCOUNT, SEED_REGION);
  const clusters = ['sandbox-a', 'sandbox-b', 'sandbox-c', 'sandbox-unhealthy'];
  clusters.forEach((name, i) => addCluster(s, name, i + 1, { healthy: name !== 'sandbox-unhealthy' }));

  for (const cluster of clusters) {
    putServiceAccount(s, cluster, {
      namespace: 'payments',
      name: 'reconciler',
      annotations: { [IRSA_ANNOTATION]: roleArn('eks-payments-reconciler') },
    });
    const containers = [{ name: 'reconciler', image: RECONCILER_IMAGE, env: { LOG_LEVEL: 'info' }, awsCli: true }];
    putWorkload(
      s,
      cluster,
      { namespace: 'payments', name: 'reconciler', serviceAccount: 'reconciler', containers },
      SEED_TIME,
    );
    if (cluster === 'sandbox-b') {
      const spec = { kind: 'StatefulSet' as const, namespace: 'payments', name: 'reconciler-ledger-writer' };
      putWorkload(s, cluster, { ...spec, serviceAccount: 'reconciler', containers }, SEED_TIME);
    }
  }

  putNode(s, 'sandbox-a', {
    name: 'fargate-ip-10-1-9-10.ec2.internal',
    labels: { 'eks.amazonaws.com/compute-type': 'fargate', 'topology.kubernetes.io/zone': `${SEED_REGION}a` },
  });
  putFargateProfile(s, 'sandbox-a', {
    name: 'fp-payments-workers',
    selectors: [{ namespace: 'payments', labels: { app: 'fargate-worker' } }],
  });
  addApp(s, 'sandbox-a', 'fargate-worker', 'eks-payments-fargate-worker');
  addApp(s, 'sandbox-c', 'egress-proxy', 'eks-payments-egress-proxy', { HTTPS_PROXY: 'http://squid.egress.svc:3128' });
  addApp(s, 'sandbox-b', 'ledger', 'eks-payments-ledger');
  for (const cluster of SHARED_ROLE_CLUSTERS) {
    for (const sa of SHARED_ROLE_SERVICE_ACCOUNTS) addApp(s, cluster, sa, SHARED_ROLE, {}, { awsCli: true });
  }

  const sub = (sa: string) => `system:serviceaccount:payments:${sa}`;
  const readCommon = putManagedPolicy(s, {
    name: 'payments-common-read',
    document: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['ssm:GetParameter'],
          Resource: `arn:aws:ssm:*:${SEED_ACCOUNT}:parameter/payments/*`,
        },
      ],
    },
  });
  putRole(s, {
    name: 'eks-payments-reconciler',
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        irsaTrustStatement(s, 'sandbox-a', [sub('reconciler'), sub('reconciler-canary')]),
        // Sub-only statements are common in the wild, and they keep this four-cluster
        // policy under the 2,048 quota once the Pod Identity statement is added.
        irsaTrustStatement(s, 'sandbox-b', [sub('reconciler')], { audience: false }),
        irsaTrustStatement(s, 'sandbox-c', [sub('reconciler')], { audience: false }),
        irsaTrustStatement(s, 'sandbox-unhealthy', [sub('reconciler')], { audience: false }),
        {
          Sid: 'BreakGlass',
          Effect: 'Allow',
          Principal: { AWS: roleArn('payments-break-glass') },
          Action: 'sts:AssumeRole',
        },
      ],
    },
    inlinePolicies: {
      'reconciler-data': {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:PutObject'],
            Resource: 'arn:aws:s3:::payments-reconciler-data/${aws:PrincipalTag/kubernetes-namespace}/*',
          },
        ],
      },
    },
    managedPolicyArns: [readCommon],
  });
  const simpleRole = (name: string, cluster: string, sa: string, data: PolicyStatement) =>
    putRole(s, {
      name,
      trustPolicy: { Version: '2012-10-17', Statement: [irsaTrustStatement(s, cluster, [sub(sa)])] },
      inlinePolicies: { [`${sa}-data`]: { Version: '2012-10-17', Statement: [data] } },
    });
  simpleRole('eks-payments-fargate-worker', 'sandbox-a', 'fargate-worker', {
    Effect: 'Allow',
    Action: 'sqs:ReceiveMessage',
    Resource: `arn:aws:sqs:${SEED_REGION}:${SEED_ACCOUNT}:payments-work`,
  });
  simpleRole('eks-payments-egress-proxy', 'sandbox-c', 'egress-proxy', {
    Effect: 'Allow',
    Action: 'secretsmanager:GetSecretValue',
    Resource: `arn:aws:secretsmanager:${SEED_REGION}:${SEED_ACCOUNT}:secret:payments/egress-*`,
  });
  simpleRole('eks-payments-ledger', 'sandbox-b', 'ledger', {
    Effect: 'Allow',
    Action: 'dynamodb:PutItem',
    Resource: `arn:aws:dynamodb:${SEED_REGION}:${SEED_ACCOUNT}:table/payments-ledger`,
    // Deliberate typo: the session tag is `kubernetes-namespace`, so this never matches.
    Condition: { StringEquals: { 'aws:PrincipalTag/kubernetes-namespaces': 'payments' } },
  });
  putRole(s, {
    name: SHARED_ROLE,
    trustPolicy: {
      Version: '2012-10-17',
      Statement: SHARED_ROLE_CLUSTERS.map((cluster) =>
        irsaTrustStatement(s, cluster, SHARED_ROLE_SERVICE_ACCOUNTS.map(sub)),
      ),
    },
    inlinePolicies: {
      'shared-data': {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:PutObject'],
            Resource: 'arn:aws:s3:::payments-shared/${aws:PrincipalTag/kubernetes-service-account}/*',
          },
        ],
      },
    },
  });
  return s;
}
