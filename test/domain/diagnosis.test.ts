import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { POD_IDENTITY_TOKEN_FILE, POD_IDENTITY_URI } from '../../src/domain/constants.js';
import {
  assembleDiagnosis,
  callerIdentityRow,
  principalTagRow,
  type ClusterDiagnosisFacts,
  type DiagnosisRow,
} from '../../src/domain/diagnosis.js';
import { clusterRows } from '../../src/domain/diagnosis-cluster.js';
import type { PodIdentityAssociation } from '../../src/domain/eks.js';
import { fixturePod, FIXTURE_ROLE_ARN, healthyClusterFacts } from '../support/cluster-facts.js';

const SA = { namespace: 'payments', name: 'api' };
const NOW = '2025-06-01T12:00:00.000Z';
const POD_IDENTITY_ENV = {
  AWS_CONTAINER_CREDENTIALS_FULL_URI: POD_IDENTITY_URI,
  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: POD_IDENTITY_TOKEN_FILE,
};
const association = (overrides: Partial<PodIdentityAssociation> = {}): PodIdentityAssociation => ({
  associationId: 'a-1',
  cluster: 'prod-a',
  namespace: 'payments',
  serviceAccount: 'api',
  roleArn: FIXTURE_ROLE_ARN,
  ...overrides,
});

/** A healthy cluster on Pod Identity: association an hour old, pods created after it. */
function onPodIdentity(change: (f: ClusterDiagnosisFacts) => void = () => undefined): ClusterDiagnosisFacts {
  const facts = healthyClusterFacts();
  facts.existingAssociations = [association()];
  facts.pods = [fixturePod('api-1', {}, POD_IDENTITY_ENV), fixturePod('api-2', {}, POD_IDENTITY_ENV)];
  const f: ClusterDiagnosisFacts = {
    cluster: 'prod-a',
    namespace: 'payments',
    kubeContext: 'prod-a-admin',
    eksClusterName: 'prod-cluster-a',
    region: 'us-east-1',
    facts,
    readFindings: [],
    associations: [association()],
    associationTimes: { 'a-1': { createdAt: '2025-06-01T11:00:00.000Z' } },
  };
  change(f);
  return f;
}

const byCheck = (rows: DiagnosisRow[]) => Object.fromEntries(rows.map((r) => [r.check, r]));
const rows = (f: ClusterDiagnosisFacts, windowSeconds = 30) =>
  byCheck(clusterRows(f, SA, { now: NOW, consistencyWindowSeconds: windowSeconds }));

describe('diagnosis: one cluster’s rows', () => {
  test('a healthy Pod Identity service account passes every check its cluster decides', () => {
    const r = rows(onPodIdentity());
    assert.deepEqual(
      Object.values(r).map((x) => [x.check, x.status]),
      [
        ['service-account', 'pass'],
        ['association', 'pass'],
        ['agent', 'pass'],
        ['compute-type', 'pass'],
        ['association-timing', 'pass'],
        ['no-proxy', 'pass'],
      ],
    );
    assert.equal(r.association?.reason, `association a-1 → ${FIXTURE_ROLE_ARN}`);
    assert.equal(r['service-account']?.reason, '2 running pod(s) use payments/api (deployment/api)');
  });

  test('an association for a misspelt service account or namespace is named, with the command that lists them', () => {
    const f = onPodIdentity((x) => {
      x.facts.existingAssociations = [];
      x.facts.serviceAccount = { namespace: 'payments', name: 'api', annotations: {} };
      x.associations = [
        association({ associationId: 'a-9', serviceAccount: 'apii' }),
        association({ associationId: 'a-8', namespace: 'payment' }),
        association({ associationId: 'a-7', namespace: 'orders', serviceAccount: 'checkout' }),
      ];
    });
    const row = rows(f).association;
    assert.equal(row?.status, 'fail');
    assert.match(
      row?.reason ?? '',
      /^no association for payments\/api, but payments\/apii \(a-9 → .*\), payment\/api \(a-8 → .*\): the namespace or service account is spelt differently$/,
    );
    assert.equal(row?.next, 'aws eks list-pod-identity-associations --cluster-name prod-cluster-a --region us-east-1');
  });

  test('an association for another role than the one expected fails; none at all on IRSA is not applicable', () => {
    const other = onPodIdentity((x) => {
      x.facts.existingAssociations = [association({ roleArn: 'arn:aws:iam::123456789012:role/other' })];
    });
    assert.equal(rows(other).association?.status, 'fail');
    const irsa = healthyClusterFacts();
    const onIrsa = onPodIdentity((x) => {
      x.facts = irsa;
      x.associations = [];
      x.associationTimes = {};
    });
    assert.deepEqual([rows(onIrsa).association?.status, rows(onIrsa)['association-timing']?.status], ['skip', 'skip']);
  });

  test('pods created before the association was visible fail with the restart; a change inside the window warns', () => {
    const stale = onPodIdentity((x) => {
      x.facts.pods = [fixturePod('api-1'), fixturePod('api-2', {}, POD_IDENTITY_ENV)];
    });
    const failing = rows(stale)['association-timing'];
    assert.equal(failing?.status, 'fail');
    assert.match(
      failing?.reason ?? '',
      /^1 running pod\(s\) hold no Pod Identity credentials: created before the association was visible/,
    );
    assert.equal(failing?.next, 'kubectl --context prod-a-admin --namespace payments rollout restart deployment/api');
    const recent = onPodIdentity((x) => {
      x.associationTimes = { 'a-1': { createdAt: '2025-06-01T09:00:00.000Z', modifiedAt: '2025-06-01T11:59:50.000Z' } };
    });
    const warning = rows(recent, 30)['association-timing'];
    assert.equal(warning?.status, 'warn');
    assert.match(warning?.reason ?? '', /^association a-1 changed 10s ago, inside the 30s consistency window/);
    assert.equal(rows(recent, 5)['association-timing']?.status, 'pass');
  });

  test('agent, compute type and NO_PROXY come from preflight’s own checks', () => {
    const f = onPodIdentity((x) => {
      x.facts.agentDaemonSet = {
        namespace: 'kube-system',
        name: 'eks-pod-identity-agent',
        desiredNumberScheduled: 3,
        numberReady: 1,
      };
      x.facts.pods = [
        fixturePod('api-1', { nodeLabels: { 'eks.amazonaws.com/compute-type': 'fargate' } }, POD_IDENTITY_ENV),
        fixturePod('api-2', {}, { ...POD_IDENTITY_ENV, HTTPS_PROXY: 'http://proxy:3128' }),
      ];
    });
    const r = rows(f);
    assert.deepEqual([r.agent?.status, r['compute-type']?.status, r['no-proxy']?.status], ['fail', 'fail', 'fail']);
    assert.match(r.agent?.reason ?? '', /DaemonSet kube-system\/eks-pod-identity-agent has 1 of 3 pods ready/);
    assert.match(
      r.agent?.next ?? '',
      /aws eks describe-addon --addon-name eks-pod-identity-agent --cluster-name prod-cluster-a/,
    );
    assert.match(r['compute-type']?.reason ?? '', /pod payments\/api-1: runs on Fargate/);
    assert.match(r['no-proxy']?.reason ?? '', /sets HTTPS_PROXY but NO_PROXY lacks 169\.254\.170\.23/);
  });

  test('a service account not deployed in a cluster is not applicable there, not a failure', () => {
    const f = onPodIdentity((x) => {
      x.facts.serviceAccount = undefined;
      x.facts.pods = [];
      x.facts.workloads = [];
      x.facts.existingAssociations = [];
      x.associations = [];
    });
    const r = rows(f);
    assert.deepEqual([r['service-account']?.status, r.association?.status], ['skip', 'skip']);
  });
});

describe('diagnosis: the role, the verification pod, the whole matrix', () => {
  test('principal tags: a key no session carries fails naming it; known keys pass', () => {
    const doc = (key: string) => [
      {
        source: 'inline:data',
        document: {
          Statement: [
            {
              Effect: 'Allow' as const,
              Action: 's3:GetObject',
              Resource: '*',
              Condition: { StringEquals: { [`aws:PrincipalTag/${key}`]: 'payments' } },
            },
          ],
        },
      },
    ];
    const typo = principalTagRow('prod-a', FIXTURE_ROLE_ARN, doc('kubernetes-namespaces'));
    assert.equal(typo.status, 'fail');
    assert.match(
      typo.reason,
      /uses aws:PrincipalTag\/kubernetes-namespaces, which Pod Identity never sets \(did you mean kubernetes-namespace\?\)/,
    );
    assert.equal(
      principalTagRow('prod-a', FIXTURE_ROLE_ARN, doc('kubernetes-namespace')).reason,
      'role app reads kubernetes-namespace: all set by Pod Identity',
    );
    assert.equal(principalTagRow('prod-a', undefined, undefined).status, 'skip');
  });

  test('the verification pod: verified passes, refused fails with the command that runs the probe by hand', () => {
    const where = { cluster: 'prod-a', kubeContext: 'prod-a-admin', namespace: 'payments' };
    const image = 'public.ecr.aws/aws-cli/aws-cli:2.22.0';
    assert.equal(callerIdentityRow(where, SA, { state: 'verified', detail: 'ok', arn: 'arn' }, image).status, 'pass');
    const refused = callerIdentityRow(where, SA, { state: 'failed', detail: 'credentials refused' }, image);
    assert.equal(refused.status, 'fail');
    assert.equal(
      refused.next,
      `kubectl --context prod-a-admin --namespace payments run mi-probe --rm -i --restart=Never --image=${image} --overrides='{"spec":{"serviceAccountName":"api"}}' --command -- aws sts get-caller-identity`,
    );
    assert.equal(callerIdentityRow(where, SA, { state: 'unavailable', detail: 'no image' }, image).status, 'warn');
    assert.equal(callerIdentityRow(where, SA, undefined, image).status, 'skip');
  });

  test('rows come in cluster order, then the matrix’s order, with the counts', () => {
    const row = (cluster: string, check: DiagnosisRow['check'], status: DiagnosisRow['status']): DiagnosisRow => ({
      cluster,
      check,
      status,
      reason: '',
    });
    const d = assembleDiagnosis({
      serviceAccount: SA,
      clusters: ['b', 'a'],
      diagnosedAt: NOW,
      workflowId: 'w',
      rows: [
        row('a', 'agent', 'pass'),
        row('b', 'irsa-consistency', 'fail'),
        row('b', 'service-account', 'warn'),
        row('a', 'caller-identity', 'skip'),
      ],
    });
    assert.deepEqual(
      d.rows.map((r) => `${r.cluster} ${r.check}`),
      ['b service-account', 'b irsa-consistency', 'a caller-identity', 'a agent'],
    );
    assert.deepEqual(d.summary, { pass: 1, fail: 1, warn: 1, skip: 1 });
  });
});
