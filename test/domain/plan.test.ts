import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateCluster } from '../../src/domain/cluster-checks.js';
import type { ClusterFacts } from '../../src/domain/cluster-checks.js';
import { POD_IDENTITY_TRUST_SID } from '../../src/domain/constants.js';
import { buildPlan, mergePlan } from '../../src/domain/plan.js';
import type { PlanInput } from '../../src/domain/plan.js';
import { irsaStatement, podIdentityStatement, trustPolicySize } from '../../src/domain/trust-policy.js';
import type { Finding, PolicyDocument } from '../../src/domain/types.js';
import { FIXTURE_ROLE_ARN, healthyClusterFacts } from '../support/cluster-facts.js';

const ACCOUNT = '123456789012';
const SA = { namespace: 'payments', name: 'api' };

function trustFor(...issuerIds: string[]): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: issuerIds.map((id) =>
      irsaStatement(ACCOUNT, `https://oidc.eks.us-east-1.amazonaws.com/id/${id}`, 'payments', 'api'),
    ),
  };
}

function input(clusters: ClusterFacts[], overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    serviceAccount: SA,
    roleArn: FIXTURE_ROLE_ARN,
    keepIrsaTrust: false,
    trustPolicy: trustFor('AAAA', 'BBBB', 'OTHER'),
    clusters: clusters.map((facts) => ({ facts, findings: evaluateCluster(facts) })),
    roleFindings: [],
    ...overrides,
  };
}

describe('buildPlan', () => {
  test('plans a clean two-cluster migration', () => {
    const a = healthyClusterFacts('prod-a', 'AAAA');
    const b = healthyClusterFacts('prod-b', 'BBBB');
    const trust = trustFor('AAAA', 'BBBB', 'OTHER');
    const withStatement = {
      ...trust,
      Statement: [...trust.Statement, podIdentityStatement(POD_IDENTITY_TRUST_SID)],
    };
    const plan = buildPlan(input([a, b]));
    assert.deepEqual(plan, {
      serviceAccount: 'payments/api',
      roleArn: FIXTURE_ROLE_ARN,
      trust: {
        addPodIdentityStatement: true,
        sizeBefore: trustPolicySize(trust),
        sizeAfter: trustPolicySize(withStatement),
        limit: 2048,
      },
      clusters: [a, b].map((facts) => ({
        cluster: facts.cluster,
        association: { action: 'create', roleArn: FIXTURE_ROLE_ARN },
        workloadsToRestart: [{ kind: 'Deployment', namespace: 'payments', name: 'api' }],
        irsaAnnotation: FIXTURE_ROLE_ARN,
        oidcIssuer: facts.info!.oidcIssuer,
      })),
      cleanup: {
        removeAnnotations: ['prod-a', 'prod-b'],
        // OTHER is a cluster outside this run: its trust stays.
        removeIrsaTrustForIssuers: [a.info!.oidcIssuer, b.info!.oidcIssuer],
        keepIrsaTrust: false,
      },
      findings: [],
      blocked: false,
    });
  });

  test('reuses an association for the same role and ignores add-on owned ones', () => {
    const facts = healthyClusterFacts();
    facts.existingAssociations = [
      {
        associationId: 'owned',
        cluster: 'prod-a',
        namespace: 'payments',
        serviceAccount: 'api',
        roleArn: FIXTURE_ROLE_ARN,
        ownerArn: 'arn:addon',
      },
      {
        associationId: 'a-1',
        cluster: 'prod-a',
        namespace: 'payments',
        serviceAccount: 'api',
        roleArn: FIXTURE_ROLE_ARN,
      },
    ];
    const plan = buildPlan(input([facts]));
    assert.deepEqual(plan.clusters[0]!.association, { action: 'reuse', roleArn: FIXTURE_ROLE_ARN, existingId: 'a-1' });
    assert.equal(plan.blocked, false);
  });

  test('an association for the same role with a target role or session tags off is not reused: it blocks', () => {
    for (const extra of [{ targetRoleArn: 'arn:aws:iam::444455556666:role/data' }, { disableSessionTags: true }]) {
      const facts = healthyClusterFacts();
      facts.existingAssociations = [
        {
          associationId: 'a-1',
          cluster: 'prod-a',
          namespace: 'payments',
          serviceAccount: 'api',
          roleArn: FIXTURE_ROLE_ARN,
          ...extra,
        },
      ];
      const plan = buildPlan(input([facts]));
      assert.equal(plan.clusters[0]!.association.action, 'create');
      assert.deepEqual(
        plan.findings.map((f) => [f.code, f.severity]),
        [['association-differs', 'blocking']],
      );
      assert.match(
        plan.findings[0]!.message,
        /association a-1 maps payments\/api to .* but with (target role|session tags disabled)/,
      );
    }
  });

  test('a run with --disable-session-tags reuses an association that has them disabled', () => {
    const facts = { ...healthyClusterFacts(), disableSessionTags: true };
    facts.existingAssociations = [
      {
        associationId: 'a-1',
        cluster: 'prod-a',
        namespace: 'payments',
        serviceAccount: 'api',
        roleArn: FIXTURE_ROLE_ARN,
        disableSessionTags: true,
      },
    ];
    const plan = buildPlan(input([facts]));
    assert.deepEqual(plan.clusters[0]!.association, { action: 'reuse', roleArn: FIXTURE_ROLE_ARN, existingId: 'a-1' });
    assert.equal(plan.blocked, false);
  });

  test('creates when only an add-on owns an association', () => {
    const facts = healthyClusterFacts();
    facts.existingAssociations = [
      {
        associationId: 'owned',
        cluster: 'prod-a',
        namespace: 'payments',
        serviceAccount: 'api',
        roleArn: FIXTURE_ROLE_ARN,
        ownerArn: 'arn:addon',
      },
    ];
    assert.equal(buildPlan(input([facts])).clusters[0]!.association.action, 'create');
  });

  test('does not add the statement when the role already has it', () => {
    const trust = trustFor('AAAA');
    trust.Statement.push(podIdentityStatement('Existing'));
    const plan = buildPlan(input([healthyClusterFacts()], { trustPolicy: trust }));
    assert.deepEqual(plan.trust, {
      addPodIdentityStatement: false,
      sizeBefore: trustPolicySize(trust),
      sizeAfter: trustPolicySize(trust),
      limit: 2048,
    });
  });

  test('blocks when the trust policy would outgrow the limit, using the given limit', () => {
    const trust = trustFor('AAAA');
    const before = trustPolicySize(trust);
    const blocked = buildPlan(input([healthyClusterFacts()], { trustPolicy: trust, trustLimit: before + 10 }));
    assert.equal(blocked.blocked, true);
    assert.deepEqual(
      blocked.findings.map((f) => [f.code, f.severity]),
      [['trust-policy-too-large', 'blocking']],
    );
    assert.match(
      blocked.findings[0]!.message,
      new RegExp(`would be ${blocked.trust.sizeAfter} characters.*over the ${before + 10} limit`),
    );
    const exact = buildPlan(
      input([healthyClusterFacts()], { trustPolicy: trust, trustLimit: blocked.trust.sizeAfter }),
    );
    assert.equal(exact.blocked, false);
  });

  describe('scoped Pod Identity trust', () => {
    const ARN_A = `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/prod-a`;
    const ARN_B = `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/prod-b`;
    const scope = { namespace: 'payments', serviceAccount: 'api', clusterArns: [ARN_A, ARN_B] };
    const plan = (overrides: Partial<PlanInput>) => buildPlan(input([healthyClusterFacts()], overrides));

    test('sizes the scoped statement and records the scope the run will write', () => {
      const trust = trustFor('AAAA');
      const scoped = plan({ trustPolicy: trust, trustScope: scope });
      const unscoped = plan({ trustPolicy: trust });
      assert.deepEqual(scoped.trust, {
        addPodIdentityStatement: true,
        sizeBefore: trustPolicySize(trust),
        sizeAfter: trustPolicySize({
          ...trust,
          Statement: [...trust.Statement, podIdentityStatement(POD_IDENTITY_TRUST_SID, scope)],
        }),
        limit: 2048,
        scope,
      });
      assert.ok(scoped.trust.sizeAfter > unscoped.trust.sizeAfter);
      assert.deepEqual(scoped.findings, []);
    });

    test('when the clusters do not fit, namespace and service account still scope it, with a warning', () => {
      const trust = trustFor('AAAA');
      const full = plan({ trustPolicy: trust, trustScope: scope }).trust.sizeAfter;
      const reduced = plan({ trustPolicy: trust, trustScope: scope, trustLimit: full - 1 });
      assert.deepEqual(reduced.trust.scope, { ...scope, clusterArns: [] });
      assert.ok(reduced.trust.sizeAfter <= full - 1);
      assert.deepEqual(
        reduced.findings.map((f) => [f.code, f.severity]),
        [['trust-scope-reduced', 'warning']],
      );
      assert.match(reduced.findings[0]!.message, new RegExp(`would be ${full} characters, over the ${full - 1} limit`));
      assert.equal(reduced.blocked, false);
    });

    test('when no scope fits, it blocks and names --unscoped-trust as the shorter statement', () => {
      const trust = trustFor('AAAA');
      const blocked = plan({ trustPolicy: trust, trustScope: scope, trustLimit: trustPolicySize(trust) + 200 });
      assert.deepEqual(
        blocked.findings.map((f) => [f.code, f.severity]),
        [['trust-policy-too-large', 'blocking']],
      );
      assert.match(blocked.findings[0]!.message, /--unscoped-trust/);
    });

    test('an existing statement for another service account of the namespace is widened, not duplicated', () => {
      const trust = trustFor('AAAA');
      trust.Statement.push(podIdentityStatement('Existing', { ...scope, serviceAccount: 'worker' }));
      const widened = plan({ trustPolicy: trust, trustScope: scope });
      assert.equal(widened.trust.addPodIdentityStatement, false);
      assert.equal(widened.trust.widenStatement, true);
      assert.ok(widened.trust.sizeAfter - widened.trust.sizeBefore < 20, 'one more value, not one more statement');
    });
  });

  test('blocks on a Sid conflict instead of throwing', () => {
    const trust = trustFor('AAAA');
    trust.Statement[0]!.Sid = POD_IDENTITY_TRUST_SID;
    const plan = buildPlan(input([healthyClusterFacts()], { trustPolicy: trust }));
    assert.deepEqual(
      plan.findings.map((f) => f.code),
      ['trust-sid-conflict'],
    );
    assert.equal(plan.blocked, true);
  });

  test('keepIrsaTrust plans no trust removal', () => {
    const plan = buildPlan(input([healthyClusterFacts()], { keepIrsaTrust: true }));
    assert.deepEqual(plan.cleanup, {
      removeAnnotations: ['prod-a'],
      removeIrsaTrustForIssuers: [],
      keepIrsaTrust: true,
    });
  });

  test('a cluster without annotation or trust has nothing to clean up', () => {
    const facts = healthyClusterFacts('prod-c', 'CCCC');
    facts.serviceAccount!.annotations = {};
    facts.pods = [];
    const plan = buildPlan(input([facts]));
    assert.equal(plan.clusters[0]!.irsaAnnotation, null);
    assert.deepEqual(plan.cleanup.removeAnnotations, []);
    assert.deepEqual(plan.cleanup.removeIrsaTrustForIssuers, []);
    assert.deepEqual(
      plan.findings.map((f) => f.code),
      ['no-irsa-annotation'],
    );
    assert.equal(plan.blocked, false);
  });

  test('warns when an annotated cluster is not trusted by the role', () => {
    const plan = buildPlan(input([healthyClusterFacts('prod-c', 'CCCC')]));
    assert.deepEqual(
      plan.findings.map((f) => [f.code, f.severity, f.cluster]),
      [['no-irsa-trust', 'warning', 'prod-c']],
    );
  });

  test('collects role and cluster findings; any blocking one blocks', () => {
    const roleFinding: Finding = { severity: 'blocking', code: 'principal-tag-typo', message: 'typo' };
    const missing = { ...healthyClusterFacts('gone'), info: undefined };
    const plan = buildPlan(input([healthyClusterFacts(), missing], { roleFindings: [roleFinding] }));
    assert.deepEqual(
      plan.findings.map((f) => f.code),
      ['principal-tag-typo', 'cluster-not-found'],
    );
    assert.equal(plan.blocked, true);
    assert.equal(plan.clusters[1]!.oidcIssuer, undefined);
    assert.equal('oidcIssuer' in plan.clusters[1]!, false);

    const warningsOnly = buildPlan(
      input([healthyClusterFacts()], { roleFindings: [{ ...roleFinding, severity: 'warning' }] }),
    );
    assert.equal(warningsOnly.blocked, false);
  });

  test('mergePlan puts a role plan and per-cluster plans together as one plan of all clusters', () => {
    const roleFinding: Finding = { severity: 'warning', code: 'principal-tag-typo', message: 'typo' };
    const clusters = [
      healthyClusterFacts('prod-a', 'AAAA'),
      healthyClusterFacts('prod-c', 'CCCC'),
      { ...healthyClusterFacts('gone'), info: undefined },
    ];
    for (const keepIrsaTrust of [false, true]) {
      const whole = buildPlan(input(clusters, { keepIrsaTrust, roleFindings: [roleFinding] }));
      // As the workflow gets them: the role checked once, each cluster on its own.
      const role = buildPlan(input([], { keepIrsaTrust, roleFindings: [roleFinding] }));
      const each = clusters.map((facts) => buildPlan(input([facts])));
      const merged = mergePlan({
        serviceAccount: SA,
        roleArn: FIXTURE_ROLE_ARN,
        keepIrsaTrust,
        trust: role.trust,
        clusters: each.map((plan) => plan.clusters[0]!),
        cleanupIssuers: each.flatMap((plan) => plan.cleanup.removeIrsaTrustForIssuers),
        findings: [...role.findings, ...each.flatMap((plan) => plan.findings.filter((f) => f.cluster))],
      });
      assert.deepEqual(merged, whole);
      assert.equal(merged.blocked, true, 'the missing cluster blocks');
    }
  });
});
