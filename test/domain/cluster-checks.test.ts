import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateCluster, supportsPodIdentity } from '../../src/domain/cluster-checks.js';
import type { ClusterFacts } from '../../src/domain/cluster-checks.js';
import type { FindingSeverity } from '../../src/domain/types.js';
import type { ContainerInfo } from '../../src/domain/kubernetes.js';
import { FIXTURE_IRSA_ENV, FIXTURE_ROLE_ARN, fixturePod, healthyClusterFacts } from '../support/cluster-facts.js';

const ROLE = FIXTURE_ROLE_ARN;
const pod = fixturePod;
const healthy = (): ClusterFacts => healthyClusterFacts();

function container(env: Record<string, string>): ContainerInfo[] {
  return [{ name: 'app', image: 'app:1', env: { ...FIXTURE_IRSA_ENV, ...env } }];
}

const codes = (facts: ClusterFacts): [string, FindingSeverity][] =>
  evaluateCluster(facts).map((finding) => [finding.code, finding.severity]);

describe('supportsPodIdentity', () => {
  const cases: [string, string, boolean][] = [
    ['1.25', 'eks.20', false],
    ['1.26', 'eks.8', false],
    ['1.26', 'eks.9', true],
    ['1.27', 'eks.7', false],
    ['1.27', 'eks.8', true],
    ['1.28', 'eks.3', false],
    ['1.28', 'eks.4', true],
    ['1.28', 'eks.10', true],
    ['1.29', 'eks.1', true],
    ['1.33', 'eks.1', true],
    ['1.28', 'garbage', false],
    ['garbage', 'eks.9', false],
  ];
  for (const [version, platform, expected] of cases) {
    test(`${version} ${platform} -> ${expected}`, () => assert.equal(supportsPodIdentity(version, platform), expected));
  }
});

describe('evaluateCluster', () => {
  test('a healthy IRSA cluster has no findings', () => {
    assert.deepEqual(evaluateCluster(healthy()), []);
  });

  test('a missing cluster reports only that', () => {
    const facts: ClusterFacts = { ...healthy(), info: undefined, agentAddon: undefined, serviceAccount: undefined };
    assert.deepEqual(evaluateCluster(facts), [
      {
        severity: 'blocking',
        code: 'cluster-not-found',
        cluster: 'prod-a',
        message: 'cluster prod-a: not found (check the name, region and account in the fleet file)',
      },
    ]);
  });

  type Case = [string, (f: ClusterFacts) => void, [string, FindingSeverity][], RegExp?];
  const cases: Case[] = [
    ['cluster updating', (f) => (f.info!.status = 'UPDATING'), [['cluster-not-active', 'blocking']], /UPDATING/],
    [
      'old platform version',
      (f) => Object.assign(f.info!, { version: '1.27', platformVersion: 'eks.7' }),
      [['platform-version', 'blocking']],
      /1\.27 platform eks\.7/,
    ],
    [
      'role in another account',
      (f) => (f.roleArn = 'arn:aws:iam::210987654321:role/app'),
      [
        ['role-other-account', 'blocking'],
        ['irsa-role-mismatch', 'warning'],
      ],
    ],
    [
      'Auto Mode needs no add-on or DaemonSet',
      (f) =>
        Object.assign(f, { info: { ...f.info!, autoMode: true }, agentAddon: undefined, agentDaemonSet: undefined }),
      [['auto-mode-agent', 'info']],
    ],
    ['add-on missing', (f) => (f.agentAddon = undefined), [['agent-unhealthy', 'blocking']], /not installed/],
    ['add-on degraded', (f) => (f.agentAddon!.status = 'DEGRADED'), [['agent-unhealthy', 'blocking']], /DEGRADED/],
    [
      'add-on health issues',
      (f) => (f.agentAddon!.healthIssues = ['InsufficientNumberOfReplicas']),
      [['agent-unhealthy', 'blocking']],
      /InsufficientNumberOfReplicas/,
    ],
    [
      'DaemonSet missing',
      (f) => (f.agentDaemonSet = undefined),
      [['agent-unhealthy', 'blocking']],
      /kube-system\/eks-pod-identity-agent not found/,
    ],
    [
      'DaemonSet not ready',
      (f) => (f.agentDaemonSet!.numberReady = 2),
      [['agent-unhealthy', 'blocking']],
      /2 of 3 pods ready/,
    ],
    [
      'service account missing',
      (f) => (f.serviceAccount = undefined),
      [
        ['service-account-not-found', 'blocking'],
        ['hard-coded-credentials', 'warning'],
      ],
    ],
    [
      'no IRSA annotation',
      (f) =>
        Object.assign(f, { serviceAccount: { ...f.serviceAccount!, annotations: {} }, pods: [pod('api-1', {}, {})] }),
      [['no-irsa-annotation', 'warning']],
      /nothing to roll back to/,
    ],
    [
      'annotation names another role',
      (f) => (f.serviceAccount!.annotations['eks.amazonaws.com/role-arn'] = 'arn:aws:iam::123456789012:role/old'),
      [
        ['irsa-role-mismatch', 'warning'],
        ['hard-coded-credentials', 'warning'],
      ],
    ],
    ['no workloads', (f) => (f.workloads = []), [['no-workloads', 'warning']]],
    [
      'pod on a Fargate node',
      (f) => (f.pods = [pod('api-1', { nodeLabels: { 'eks.amazonaws.com/compute-type': 'fargate' } })]),
      [['fargate-pod', 'blocking']],
      /pod payments\/api-1: runs on Fargate/,
    ],
    [
      'pod with the Fargate profile label',
      (f) => (f.pods = [pod('api-1', { labels: { 'eks.amazonaws.com/fargate-profile': 'fp' } })]),
      [['fargate-pod', 'blocking']],
    ],
    [
      'pod on Windows',
      (f) => (f.pods = [pod('api-1', { nodeLabels: { 'kubernetes.io/os': 'windows' } })]),
      [['windows-pod', 'blocking']],
      /cluster prod-a: pod payments\/api-1: runs on a Windows node/,
    ],
    [
      'pod on a hybrid node',
      (f) => (f.pods = [pod('api-1', { nodeLabels: { 'eks.amazonaws.com/compute-type': 'hybrid' } })]),
      [['hybrid-node-pod', 'warning']],
    ],
    [
      'replicas share one finding naming the pods',
      (f) => (f.pods = ['a', 'b', 'c', 'd', 'e'].map((n) => pod(n, { nodeLabels: { 'kubernetes.io/os': 'windows' } }))),
      [['windows-pod', 'blocking']],
      /pods payments\/a, payments\/b, payments\/c and 2 more: runs on a Windows node/,
    ],
    [
      'proxy without NO_PROXY',
      (f) => (f.pods = [pod('api-1', { containers: container({ HTTPS_PROXY: 'http://proxy:3128' }) })]),
      [['proxy-no-proxy', 'blocking']],
      /container app sets HTTPS_PROXY but NO_PROXY lacks 169\.254\.170\.23, fd00:ec2::23/,
    ],
    [
      'lower-case proxy, NO_PROXY with only the IPv4 endpoint',
      (f) =>
        (f.pods = [
          pod('api-1', { containers: container({ http_proxy: 'http://p', no_proxy: 'localhost,169.254.170.23' }) }),
        ]),
      [['proxy-no-proxy', 'blocking']],
      /lacks fd00:ec2::23:/,
    ],
    [
      'NO_PROXY from a reference cannot be read',
      (f) => (f.pods = [pod('api-1', { containers: container({ HTTP_PROXY: 'http://p', NO_PROXY: '' }) })]),
      [['proxy-no-proxy', 'warning']],
      /could not be read/,
    ],
    [
      'AWS_ACCESS_KEY_ID set by hand',
      (f) =>
        (f.pods = [pod('api-1', { containers: container({ AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: '' }) })]),
      [['hard-coded-credentials', 'warning']],
      /container app sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY itself/,
    ],
    [
      'AWS_ROLE_ARN differs from the annotation',
      (f) => (f.pods = [pod('api-1', { containers: container({ AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/x' }) })]),
      [['hard-coded-credentials', 'warning']],
      /sets AWS_ROLE_ARN itself/,
    ],
    [
      'token file differs from the webhook path',
      (f) => (f.pods = [pod('api-1', { containers: container({ AWS_WEB_IDENTITY_TOKEN_FILE: '/tmp/token' }) })]),
      [['hard-coded-credentials', 'warning']],
      /sets AWS_WEB_IDENTITY_TOKEN_FILE itself/,
    ],
    [
      'container credentials URI without an association',
      (f) =>
        (f.pods = [
          pod('api-1', {
            containers: container({ AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials' }),
          }),
        ]),
      [['hard-coded-credentials', 'warning']],
      /AWS_CONTAINER_CREDENTIALS_FULL_URI/,
    ],
    [
      'Fargate profile selecting the namespace by wildcard',
      (f) => (f.fargateProfiles = [{ name: 'fp', selectors: [{ namespace: 'pay*' }] }]),
      [['fargate-profile-selects', 'blocking']],
      /Fargate profile fp selects namespace pay\*/,
    ],
    [
      'Fargate profile with ? wildcard and matching labels',
      (f) => (f.fargateProfiles = [{ name: 'fp', selectors: [{ namespace: 'payment?', labels: { app: 'api' } }] }]),
      [['fargate-profile-selects', 'blocking']],
      /labels app=api/,
    ],
    [
      'Fargate profile with labels no pod has',
      (f) =>
        (f.fargateProfiles = [
          { name: 'fp', selectors: [{ namespace: 'payments', labels: { app: 'api', tier: 'x' } }] },
        ]),
      [],
    ],
    [
      'Fargate profile for another namespace',
      (f) => (f.fargateProfiles = [{ name: 'fp', selectors: [{ namespace: 'pay' }, { namespace: 'payments-*' }] }]),
      [],
    ],
    [
      'association for the same role',
      (f) =>
        (f.existingAssociations = [
          { associationId: 'a-1', cluster: 'prod-a', namespace: 'payments', serviceAccount: 'api', roleArn: ROLE },
        ]),
      [['association-exists', 'info']],
      /a-1 .* will be reused/,
    ],
    [
      'association for another role',
      (f) =>
        (f.existingAssociations = [
          {
            associationId: 'a-2',
            cluster: 'prod-a',
            namespace: 'payments',
            serviceAccount: 'api',
            roleArn: `${ROLE}-other`,
          },
        ]),
      [['association-other-role', 'blocking']],
      /a-2 maps payments\/api to arn:aws:iam::123456789012:role\/app-other/,
    ],
    [
      'association owned by an add-on is ignored',
      (f) =>
        (f.existingAssociations = [
          {
            associationId: 'a-3',
            cluster: 'prod-a',
            namespace: 'payments',
            serviceAccount: 'api',
            roleArn: 'x',
            ownerArn: 'arn:addon',
          },
        ]),
      [],
    ],
  ];
  for (const [name, mutate, expected, message] of cases) {
    test(name, () => {
      const facts = healthy();
      mutate(facts);
      assert.deepEqual(codes(facts), expected);
      const findings = evaluateCluster(facts);
      for (const finding of findings) {
        assert.equal(finding.cluster, 'prod-a');
        assert.match(finding.message, /^cluster prod-a: /);
      }
      if (message) assert.match(findings[0]!.message, message);
    });
  }

  test('NO_PROXY listing both endpoints (IPv6 bracketed) passes, as does *', () => {
    for (const noProxy of ['169.254.170.23, [fd00:ec2::23],.internal', '*']) {
      const facts = healthy();
      facts.pods = [pod('api-1', { containers: container({ HTTP_PROXY: 'http://p', NO_PROXY: noProxy }) })];
      assert.deepEqual(evaluateCluster(facts), [], noProxy);
    }
  });

  describe('NO_PROXY as the cluster and the pod spec really have it', () => {
    const proxied = (noProxy: string | undefined, extra: Partial<ContainerInfo> = {}) =>
      container({ HTTPS_PROXY: 'http://proxy:3128', ...(noProxy === undefined ? {} : { NO_PROXY: noProxy }) }).map(
        (c) => ({ ...c, ...extra }),
      );
    const family = (ipFamily: 'ipv4' | 'ipv6', containers: ContainerInfo[]) => {
      const facts = healthy();
      facts.info!.ipFamily = ipFamily;
      facts.pods = [pod('api-1', { containers })];
      return facts;
    };

    test('an IPv4 cluster needs only 169.254.170.23', () => {
      assert.deepEqual(codes(family('ipv4', proxied('localhost,169.254.170.23'))), []);
    });

    test('an IPv6 cluster needs fd00:ec2::23', () => {
      const facts = family('ipv6', proxied('169.254.170.23'));
      assert.deepEqual(codes(facts), [['proxy-no-proxy', 'blocking']]);
      assert.match(evaluateCluster(facts)[0]!.message, /NO_PROXY lacks fd00:ec2::23:/);
      assert.deepEqual(codes(family('ipv6', proxied('[fd00:ec2::23]'))), []);
    });

    test('a CIDR block that covers the agent address counts', () => {
      assert.deepEqual(codes(family('ipv4', proxied('10.0.0.0/8, 169.254.0.0/16'))), []);
      assert.deepEqual(codes(family('ipv6', proxied('fd00:ec2::/32'))), []);
      assert.deepEqual(codes(family('ipv4', proxied('169.254.169.0/24'))), [['proxy-no-proxy', 'blocking']]);
    });

    test('domain entries, dotted or not, do not cover an IP address', () => {
      const facts = family('ipv4', proxied('.svc.cluster.local,.amazonaws.com,internal'));
      assert.deepEqual(codes(facts), [['proxy-no-proxy', 'blocking']]);
    });

    test('NO_PROXY possibly set through envFrom is a warning that says it cannot be checked', () => {
      const envFrom = [{ kind: 'ConfigMap' as const, name: 'proxy-settings' }];
      const facts = family('ipv4', proxied(undefined, { envFrom }));
      assert.deepEqual(codes(facts), [['proxy-no-proxy', 'warning']]);
      assert.match(
        evaluateCluster(facts)[0]!.message,
        /NO_PROXY may come from ConfigMap proxy-settings, which cannot be checked/,
      );
    });

    test('a proxy possibly set through envFrom is a warning, not a pass', () => {
      const envFrom = [
        { kind: 'ConfigMap' as const, name: 'app-env' },
        { kind: 'Secret' as const, name: 'app-secrets' },
      ];
      const facts = family(
        'ipv4',
        container({}).map((c) => ({ ...c, envFrom })),
      );
      assert.deepEqual(codes(facts), [['proxy-no-proxy', 'warning']]);
      assert.match(
        evaluateCluster(facts)[0]!.message,
        /takes variables from ConfigMap app-env, Secret app-secrets, which cannot be checked: .*NO_PROXY must list 169\.254\.170\.23/,
      );
    });

    test('envFrom that cannot name a proxy variable, or a NO_PROXY in env, settles it', () => {
      const prefixed = [{ kind: 'ConfigMap' as const, name: 'app-env', prefix: 'APP_' }];
      assert.deepEqual(
        codes(
          family(
            'ipv4',
            container({}).map((c) => ({ ...c, envFrom: prefixed })),
          ),
        ),
        [],
      );
      const any = [{ kind: 'ConfigMap' as const, name: 'app-env' }];
      const covered = container({ NO_PROXY: '169.254.170.23' }).map((c) => ({ ...c, envFrom: any }));
      assert.deepEqual(codes(family('ipv4', covered)), []);
    });
  });

  test('container credentials URI with an association is the webhook at work', () => {
    const facts = healthy();
    facts.existingAssociations = [
      { associationId: 'a-1', cluster: 'prod-a', namespace: 'payments', serviceAccount: 'api', roleArn: ROLE },
    ];
    facts.pods = [
      pod('api-1', {
        containers: container({ AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials' }),
      }),
    ];
    assert.deepEqual(codes(facts), [['association-exists', 'info']]);
  });
});
