import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { detectDrift, type DriftFinding, type DriftInput } from '../../src/domain/drift.js';
import { DRIFT_FIX_POD_IDENTITY_SID, shellQuote } from '../../src/domain/drift-fixes.js';
import {
  hasPodIdentityTrust,
  irsaIssuersTrusted,
  irsaStatement,
  issuerHostPath,
  podIdentityStatement,
} from '../../src/domain/trust-policy.js';
import type { PolicyDocument } from '../../src/domain/types.js';
import {
  ACCOUNT,
  association,
  catalog,
  cluster,
  irsa,
  issuer,
  ISSUERS,
  role,
  roleArn,
  sa,
} from '../support/fleet-scan-fixtures.js';

function drift(input: Partial<DriftInput> & Pick<DriftInput, 'clusters' | 'catalog'>): DriftFinding[] {
  return detectDrift({ complete: true, ...input });
}

/** The document a `… --policy-document '<json>'` command would write. */
function documentIn(command: string): PolicyDocument {
  const match = /--(?:policy-document|assume-role-policy-document) '(.*)'$/s.exec(command);
  assert.ok(match, `no policy document in ${command}`);
  return JSON.parse((match[1] ?? '').replace(/'\\''/g, "'")) as PolicyDocument;
}

const kinds = (findings: DriftFinding[]) => findings.map((f) => f.kind);

describe('IRSA trust (the seed incident: one cluster got the trust update, two did not)', () => {
  const annotated = sa('payments', 'api', { irsaRoleArn: roleArn('api') });
  const clusters = ['prod-a', 'prod-b', 'prod-c'].map((c) => cluster(c, [annotated]));
  const apiRole = role('api', [irsa('prod-a', 'payments', 'api'), irsa('prod-b', 'payments', 'api-old')]);

  test('broken now in the clusters whose issuer or subject the role lacks, with where it still works', () => {
    const findings = drift({ clusters, catalog: catalog([apiRole]) });
    assert.deepEqual(kinds(findings), ['irsa-trust-missing', 'irsa-trust-missing']);
    assert.deepEqual(
      findings.map((f) => [f.cluster, f.severity, f.serviceAccount]),
      [
        ['prod-b', 'broken', 'payments/api'],
        ['prod-c', 'broken', 'payments/api'],
      ],
    );
    const [b, c] = findings;
    assert.match(
      b?.evidence[0] ?? '',
      /trusts issuer .*BBBB for system:serviceaccount:payments:api-old, not system:serviceaccount:payments:api/,
    );
    assert.match(c?.evidence[0] ?? '', /has no trust statement for OIDC issuer .*CCCC/);
    assert.equal(b?.evidence[1], 'the same service account and role work in prod-a');
    assert.match(b?.evidence[2] ?? '', /2 pod\(s\) on IRSA get AccessDenied/);
  });

  test('one fix for the role admits every missing cluster and keeps what was there', () => {
    const [b, c] = drift({ clusters, catalog: catalog([apiRole]) });
    assert.deepEqual(b?.fix, c?.fix, 'the same command: two rewrites of the whole document would undo each other');
    assert.match(b?.fixNote ?? '', /one command fixes all 2 trust findings/);
    const command = b?.fix[0] ?? '';
    assert.match(command, /^aws iam update-assume-role-policy --role-name api --policy-document '/);
    const fixed = documentIn(command);
    assert.deepEqual(
      irsaIssuersTrusted(fixed, 'payments', 'api').sort(),
      ['AAAA', 'BBBB', 'CCCC'].map((id) => issuerHostPath(issuer(id))).sort(),
    );
    assert.deepEqual(irsaIssuersTrusted(fixed, 'payments', 'api-old'), [issuerHostPath(issuer('BBBB'))]);
    const rescanned = drift({ clusters, catalog: catalog([{ ...apiRole, trustPolicy: fixed }]) });
    assert.deepEqual(rescanned, [], 'after the fix the scan finds nothing');
  });

  test('a fix that would not fit the trust-policy quota says so', () => {
    const findings = drift({ clusters, catalog: { ...catalog([apiRole]), trustPolicySizeLimit: 600 } });
    assert.match(findings[0]?.fixNote ?? '', /over the account's 600-character quota/);
  });

  test('with an association serving the pods, it is a risk: only the IRSA fallback is broken', () => {
    const onPodIdentity = sa('payments', 'api', {
      irsaRoleArn: roleArn('api'),
      associations: [{ associationId: 'a-1', roleArn: roleArn('api') }],
    });
    const findings = drift({
      clusters: [cluster('prod-c', [onPodIdentity])],
      catalog: catalog([
        { ...apiRole, trustPolicy: { Statement: [...apiRole.trustPolicy.Statement, podIdentityStatement('PI')] } },
      ]),
    });
    assert.deepEqual(
      findings.map((f) => [f.kind, f.severity]),
      [['irsa-trust-missing', 'risk']],
    );
    assert.match(findings[0]?.evidence.at(-1) ?? '', /IRSA fallback \(the rollback path\) is broken/);
  });

  test('an annotation naming a role that does not exist: create it with the trust its users need', () => {
    const findings = drift({ clusters: clusters.slice(0, 2), catalog: catalog([]) });
    assert.deepEqual(kinds(findings), ['irsa-role-missing', 'irsa-role-missing']);
    assert.equal(findings[0]?.severity, 'broken');
    const command = findings[0]?.fix[0] ?? '';
    assert.match(command, /^aws iam create-role --role-name api --assume-role-policy-document '/);
    assert.equal(irsaIssuersTrusted(documentIn(command), 'payments', 'api').length, 2);
    assert.match(findings[0]?.fixNote ?? '', /then attach the permissions api had/);
  });

  test('roles of an account IAM was not read for are neither confirmed nor denied', () => {
    const elsewhere = sa('payments', 'api', { irsaRoleArn: roleArn('api', '999999999999') });
    assert.deepEqual(drift({ clusters: [cluster('prod-a', [elsewhere])], catalog: catalog([]) }), []);
  });

  test('a cluster whose issuer has no IAM OIDC provider: IRSA is broken for all its annotated accounts', () => {
    const findings = drift({
      clusters: [cluster('prod-a', [annotated])],
      catalog: catalog([apiRole], [ISSUERS['prod-b'] ?? '']),
    });
    assert.deepEqual(kinds(findings), ['oidc-provider-missing']);
    assert.equal(findings[0]?.severity, 'broken');
    assert.equal(
      findings[0]?.fix[0],
      `aws iam create-open-id-connect-provider --url ${ISSUERS['prod-a']} --client-id-list sts.amazonaws.com`,
    );
  });
});

describe('annotations and associations', () => {
  test('the same service account annotated with different roles across clusters', () => {
    const findings = drift({
      clusters: [
        cluster('prod-a', [sa('search', 'indexer', { irsaRoleArn: roleArn('indexer') })]),
        cluster('prod-b', [sa('search', 'indexer', { irsaRoleArn: roleArn('indexer') })]),
        cluster('prod-c', [sa('search', 'indexer', { irsaRoleArn: roleArn('indexer-v2') })]),
      ],
      catalog: catalog([
        role('indexer', [irsa('prod-a', 'search', 'indexer'), irsa('prod-b', 'search', 'indexer')]),
        role('indexer-v2', [irsa('prod-c', 'search', 'indexer')]),
      ]),
    });
    assert.deepEqual(kinds(findings), ['annotation-roles-differ']);
    const [f] = findings;
    assert.equal(f?.severity, 'risk');
    assert.equal(f?.cluster, undefined);
    assert.deepEqual(f?.evidence, [
      `prod-a: ${roleArn('indexer')}`,
      `prod-b: ${roleArn('indexer')}`,
      `prod-c: ${roleArn('indexer-v2')}`,
    ]);
    assert.deepEqual(f?.fix, [
      `kubectl --context arn:aws:eks:us-east-1:${ACCOUNT}:cluster/prod-c --namespace search annotate serviceaccount indexer eks.amazonaws.com/role-arn=${roleArn('indexer')} --overwrite`,
    ]);
    assert.match(
      f?.fixNote ?? '',
      /if indexer \(used in 2 cluster\(s\)\) is the intended role; its trust must admit prod-c first/,
    );
  });

  test('one role name per account (a multi-account fleet) is not drift; kubectl contexts come from the fleet', () => {
    const findings = drift({
      clusters: [
        cluster('prod-a', [sa('search', 'indexer', { irsaRoleArn: roleArn('indexer') })]),
        cluster('prod-b', [sa('search', 'indexer', { irsaRoleArn: roleArn('indexer', '210987654321') })]),
      ],
      catalog: catalog([role('indexer', [irsa('prod-a', 'search', 'indexer')])]),
    });
    assert.deepEqual(findings, []);
    const differ = drift({
      clusters: [
        cluster('prod-a', [sa('search', 'indexer', { irsaRoleArn: roleArn('indexer') })]),
        cluster('prod-b', [sa('search', 'indexer', { irsaRoleArn: roleArn('other') })]),
      ],
      catalog: catalog([
        role('indexer', [irsa('prod-a', 'search', 'indexer')]),
        role('other', [irsa('prod-b', 'search', 'indexer')]),
      ]),
      kubeContexts: { 'prod-b': 'ctx-b' },
    });
    assert.match(differ[0]?.fix[0] ?? '', /^kubectl --context ctx-b /);
  });

  test('an association on another role than the annotation: the rollback would change role', () => {
    const both = sa('orders', 'fulfilment', {
      irsaRoleArn: roleArn('fulfilment'),
      associations: [{ associationId: 'a-123', roleArn: roleArn('fulfilment-v2') }],
    });
    const findings = drift({
      clusters: [cluster('prod-a', [both])],
      catalog: catalog([
        role('fulfilment', [irsa('prod-a', 'orders', 'fulfilment')]),
        role('fulfilment-v2', [podIdentityStatement('PI')]),
      ]),
    });
    assert.deepEqual(kinds(findings), ['association-annotation-mismatch']);
    assert.equal(
      findings[0]?.fix[0],
      `kubectl --context arn:aws:eks:us-east-1:${ACCOUNT}:cluster/prod-a --namespace orders annotate serviceaccount fulfilment eks.amazonaws.com/role-arn=${roleArn('fulfilment-v2')} --overwrite`,
    );
    assert.match(
      findings[0]?.fixNote ?? '',
      /aws eks update-pod-identity-association --region us-east-1 --cluster-name prod-a --association-id a-123 --role-arn .*role\/fulfilment$/,
    );
  });

  test('associations whose service account or namespace is gone; add-on owned ones are the add-on’s', () => {
    const gone = association('prod-a', 'payments', 'exporter', 'exporter', { serviceAccountExists: false });
    const noNamespace = association('prod-a', 'legacy', 'sync', 'sync', {
      serviceAccountExists: false,
      namespaceExists: false,
    });
    const addon = association('prod-a', 'kube-system', 'old-cni', 'cni', {
      serviceAccountExists: false,
      ownerArn: 'arn:aws:eks:us-east-1:123456789012:addon/prod-a/vpc-cni/x',
    });
    const findings = drift({
      clusters: [cluster('prod-a', [], [gone, noNamespace, addon])],
      catalog: catalog(['exporter', 'sync', 'cni'].map((n) => role(n, [podIdentityStatement('PI')]))),
    });
    assert.deepEqual(kinds(findings), ['association-namespace-missing', 'association-service-account-missing']);
    assert.ok(findings.every((f) => f.severity === 'cleanup'));
    assert.deepEqual(
      findings.map((f) => f.fix),
      [
        [
          'aws eks delete-pod-identity-association --region us-east-1 --cluster-name prod-a --association-id a-prod-a-legacy-sync',
        ],
        [
          'aws eks delete-pod-identity-association --region us-east-1 --cluster-name prod-a --association-id a-prod-a-payments-exporter',
        ],
      ],
    );
    assert.match(findings[0]?.evidence[1] ?? '', /no service account at all \(not even default/);
  });

  test('an association whose role does not trust pods.eks.amazonaws.com is broken; the fix adds that trust', () => {
    const app = sa('search', 'query', { associations: [{ associationId: 'a-q', roleArn: roleArn('query') }] });
    const query = role('query', [irsa('prod-a', 'search', 'query')]);
    const findings = drift({
      clusters: [cluster('prod-a', [app], [association('prod-a', 'search', 'query', 'query')])],
      catalog: catalog([query]),
    });
    assert.deepEqual(kinds(findings), ['association-role-untrusted']);
    assert.equal(findings[0]?.severity, 'broken');
    const fixed = documentIn(findings[0]?.fix[0] ?? '');
    assert.ok(hasPodIdentityTrust(fixed));
    assert.ok(fixed.Statement.some((s) => s.Sid === DRIFT_FIX_POD_IDENTITY_SID));
    assert.deepEqual(fixed.Statement[0], query.trustPolicy.Statement[0], 'the IRSA statement stays');

    const missing = drift({
      clusters: [cluster('prod-a', [app], [association('prod-a', 'search', 'query', 'query')])],
      catalog: catalog([]),
    });
    assert.match(missing[0]?.message ?? '', /role query does not exist/);
    assert.match(missing[0]?.fix[0] ?? '', /^aws iam create-role --role-name query /);
  });
});

describe('role trust left behind', () => {
  test('a statement for an OIDC provider that no longer exists; the fix drops only that statement', () => {
    const retired = issuer('DEAD');
    const indexer = role('indexer', [
      irsa('prod-a', 'search', 'indexer'),
      irsaStatement(ACCOUNT, retired, 'search', 'indexer'),
    ]);
    const findings = drift({
      clusters: [cluster('prod-a', [sa('search', 'indexer', { irsaRoleArn: roleArn('indexer') })])],
      catalog: catalog([indexer]),
    });
    assert.deepEqual(kinds(findings), ['trust-stale-oidc-provider']);
    assert.equal(findings[0]?.key, `trust-stale-oidc-provider:${roleArn('indexer')}:${issuerHostPath(retired)}`);
    const fixed = documentIn(findings[0]?.fix[0] ?? '');
    assert.deepEqual(fixed.Statement, [indexer.trustPolicy.Statement[0]]);
  });

  test("another account's provider is not ours to judge", () => {
    const foreign = irsaStatement('999999999999', issuer('FFFF'), 'search', 'indexer');
    assert.deepEqual(drift({ clusters: [], catalog: catalog([role('indexer', [foreign])]) }), []);
  });

  test('a role trusted for Pod Identity that no association uses, checked only when the scan saw everything', () => {
    const unused = role('reports', [
      podIdentityStatement('PI'),
      { Effect: 'Allow', Principal: { AWS: roleArn('admin') }, Action: 'sts:AssumeRole' },
    ]);
    const used = role('notifier', [podIdentityStatement('PI')]);
    const clusters = [cluster('prod-a', [], [association('prod-a', 'payments', 'notifier', 'notifier')])];
    const findings = drift({ clusters, catalog: catalog([unused, used]) });
    assert.deepEqual(kinds(findings), ['pod-identity-trust-unused']);
    assert.equal(findings[0]?.roleArn, roleArn('reports'));
    const fixed = documentIn(findings[0]?.fix[0] ?? '');
    assert.deepEqual(fixed.Statement, [unused.trustPolicy.Statement[1]], 'the other principal stays');
    assert.deepEqual(drift({ clusters, catalog: catalog([unused, used]), complete: false }), []);

    const onlyPods = drift({ clusters: [], catalog: catalog([role('lonely', [podIdentityStatement('PI')])]) });
    assert.deepEqual(onlyPods[0]?.fix, ['aws iam delete-role --role-name lonely']);
    assert.match(onlyPods[0]?.fixNote ?? '', /no trust statement would be left/);
  });
});

describe('keys and commands', () => {
  test('keys stay the same across scans of the same drift, and differ between kinds', () => {
    const input: DriftInput = {
      complete: true,
      clusters: [cluster('prod-b', [sa('payments', 'api', { irsaRoleArn: roleArn('api') })])],
      catalog: catalog([role('api', [irsa('prod-a', 'payments', 'api')])]),
    };
    const first = detectDrift(input).map((f) => f.key);
    const second = detectDrift(structuredClone(input)).map((f) => f.key);
    assert.deepEqual(first, second);
    assert.deepEqual(first, [`irsa-trust-missing:prod-b:payments/api:${roleArn('api')}`]);
  });

  test('arguments are single-quoted for a POSIX shell when they need it', () => {
    assert.equal(shellQuote('sandbox-a'), 'sandbox-a');
    assert.equal(shellQuote(`{"a":"it's"}`), `'{"a":"it'\\''s"}'`);
  });
});

describe('partial scans', () => {
  test('judge the roles they saw in use, not the whole account', () => {
    const retired = issuer('DEAD');
    const stale = (name: string) =>
      role(name, [irsa('prod-a', 'search', name), irsaStatement(ACCOUNT, retired, 'search', name)]);
    const clusters = [cluster('prod-a', [sa('search', 'seen', { irsaRoleArn: roleArn('seen') })])];
    const input = { clusters, catalog: catalog([stale('seen'), stale('unseen')]) };
    assert.deepEqual(
      drift({ ...input, complete: false }).map((f) => f.roleArn),
      [roleArn('seen')],
    );
    assert.deepEqual(
      drift(input).map((f) => f.roleArn),
      [roleArn('seen'), roleArn('unseen')],
    );
  });
});
