import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../../src/domain/errors.js';
import { POD_IDENTITY_TRUST_SID } from '../../src/domain/constants.js';
import {
  DEFAULT_TRUST_POLICY_LIMIT,
  POD_IDENTITY_PRINCIPAL,
  addPodIdentityTrust,
  hasPodIdentityTrust,
  irsaIssuersTrusted,
  irsaStatement,
  podIdentityStatement,
  removeIrsaTrust,
  removeStatementBySid,
  restoreIrsaTrust,
  trustPolicySize,
  type PodIdentityTrustScope,
} from '../../src/domain/trust-policy.js';
import type { PolicyDocument, PolicyStatement } from '../../src/domain/types.js';

const ACCOUNT = '123456789012';
const HP_A = 'oidc.eks.us-east-1.amazonaws.com/id/AAAA';
const HP_B = 'oidc.eks.eu-west-1.amazonaws.com/id/BBBB';
const ISSUER_A = `https://${HP_A}`;
const ISSUER_B = `https://${HP_B}`;
const PROVIDER_A = `arn:aws:iam::${ACCOUNT}:oidc-provider/${HP_A}`;
const PROVIDER_B = `arn:aws:iam::${ACCOUNT}:oidc-provider/${HP_B}`;
const SUBJECT = 'system:serviceaccount:payments:api';
const OTHER_SUBJECT = 'system:serviceaccount:payments:worker';

const ec2Statement: PolicyStatement = {
  Sid: 'Ec2',
  Effect: 'Allow',
  Principal: { Service: 'ec2.amazonaws.com' },
  Action: 'sts:AssumeRole',
};

function doc(...statements: PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

function irsa(hostPath: string, provider: string, sub: string | string[], operator = 'StringEquals'): PolicyStatement {
  return {
    Effect: 'Allow',
    Principal: { Federated: provider },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: { [operator]: { [`${hostPath}:sub`]: sub, [`${hostPath}:aud`]: 'sts.amazonaws.com' } },
  };
}

function frozenCopy(document: PolicyDocument): string {
  return JSON.stringify(document);
}

describe('podIdentityStatement', () => {
  test('allows the EKS Pod Identity service to assume and tag', () => {
    assert.deepEqual(podIdentityStatement('PodIdentity'), {
      Sid: 'PodIdentity',
      Effect: 'Allow',
      Principal: { Service: 'pods.eks.amazonaws.com' },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
    });
    assert.equal(POD_IDENTITY_PRINCIPAL, 'pods.eks.amazonaws.com');
  });

  test('rejects a Sid IAM would refuse', () => {
    assert.throws(() => podIdentityStatement('pod-identity'), ValidationError);
  });
});

describe('hasPodIdentityTrust', () => {
  const base = (overrides: Partial<PolicyStatement>): PolicyDocument =>
    doc(ec2Statement, { ...podIdentityStatement('P'), ...overrides });
  const cases: [string, PolicyDocument, boolean][] = [
    ['the statement this tool writes', doc(podIdentityStatement('P')), true],
    ['no statements', doc(), false],
    ['only other principals', doc(ec2Statement), false],
    ['principal in array form', base({ Principal: { Service: ['ec2.amazonaws.com', POD_IDENTITY_PRINCIPAL] } }), true],
    ['actions as sts:*', base({ Action: 'sts:*' }), true],
    ['actions as *', base({ Action: '*' }), true],
    ['actions in other case', base({ Action: ['STS:assumerole', 'sts:tagsession'] }), true],
    ['actions as wildcard pattern', base({ Action: ['sts:Assume*', 'sts:Tag?ession'] }), true],
    ['only sts:AssumeRole', base({ Action: 'sts:AssumeRole' }), false],
    ['only sts:TagSession', base({ Action: ['sts:TagSession'] }), false],
    ['AssumeRoleWithWebIdentity is not AssumeRole', base({ Action: ['sts:AssumeRoleWith*', 'sts:TagSession'] }), false],
    ['Deny statement', base({ Effect: 'Deny' }), false],
    ['a condition', base({ Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } }), false],
    ['empty condition object', base({ Condition: {} }), true],
    ['a different service', base({ Principal: { Service: 'eks.amazonaws.com' } }), false],
    ['a Federated principal with that name', base({ Principal: { Federated: POD_IDENTITY_PRINCIPAL } }), false],
    ['Principal "*"', base({ Principal: '*' }), false],
    ['NotAction instead of Action', base({ Action: undefined, NotAction: 'iam:*' }), false],
    ['among several statements', doc(ec2Statement, irsa(HP_A, PROVIDER_A, SUBJECT), podIdentityStatement('X')), true],
  ];
  for (const [name, document, expected] of cases) {
    test(`${name} -> ${expected}`, () => assert.equal(hasPodIdentityTrust(document), expected));
  }
});

describe('addPodIdentityTrust', () => {
  test('appends the statement after the others, in order, without touching the input', () => {
    const input = doc(ec2Statement, irsa(HP_A, PROVIDER_A, SUBJECT));
    const before = frozenCopy(input);
    const { document, added } = addPodIdentityTrust(input, 'PodIdentity');
    assert.equal(added, true);
    assert.deepEqual(document, doc(ec2Statement, irsa(HP_A, PROVIDER_A, SUBJECT), podIdentityStatement('PodIdentity')));
    assert.equal(frozenCopy(input), before);
    document.Statement[0]!.Sid = 'changed';
    assert.equal(input.Statement[0]!.Sid, 'Ec2');
  });

  test('never duplicates an equivalent statement', () => {
    const input = doc(ec2Statement, { ...podIdentityStatement('Theirs'), Action: 'sts:*' });
    const { document, added } = addPodIdentityTrust(input, 'PodIdentity');
    assert.equal(added, false);
    assert.deepEqual(document, input);
    const again = addPodIdentityTrust(addPodIdentityTrust(doc(), 'A').document, 'A');
    assert.equal(again.added, false);
    assert.equal(again.document.Statement.length, 1);
  });

  test('adds a statement when the existing one is narrowed by a condition', () => {
    const conditioned = {
      ...podIdentityStatement('Theirs'),
      Condition: { StringEquals: { 'aws:SourceAccount': '1' } },
    };
    const { document, added } = addPodIdentityTrust(doc(conditioned), 'PodIdentity');
    assert.equal(added, true);
    assert.equal(document.Statement.length, 2);
  });

  test('uses the default Sid when none is given', () => {
    const { document } = addPodIdentityTrust(doc());
    assert.equal(document.Statement[0]!.Sid, POD_IDENTITY_TRUST_SID);
  });

  test('refuses to reuse a Sid another statement holds', () => {
    assert.throws(() => addPodIdentityTrust(doc({ ...ec2Statement, Sid: 'PodIdentity' }), 'PodIdentity'), /Sid/);
  });
});

/*
 * AWS's recommended Pod Identity trust narrows the statement with the request tags EKS
 * sets (EKS User Guide, "Create IAM role with trust policy required by EKS Pod Identity",
 * https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html). Condition keys are
 * ANDed and the values of one key ORed (IAM User Guide, "Conditions with multiple context
 * keys or values").
 */
describe('scoped Pod Identity trust', () => {
  const ARN_A = `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/prod-a`;
  const ARN_B = `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/prod-b`;
  const ARN_C = `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/prod-c`;
  const scope = (overrides: Partial<PodIdentityTrustScope> = {}): PodIdentityTrustScope => ({
    namespace: 'payments',
    serviceAccount: 'api',
    clusterArns: [ARN_A, ARN_B],
    ...overrides,
  });
  const scoped = (sid: string, condition: Record<string, string | string[]>, operator = 'StringEquals') => ({
    ...podIdentityStatement(sid),
    Condition: { [operator]: condition },
  });
  const tags = (namespace: string | string[], sa: string | string[], clusters: string | string[]) => ({
    'aws:RequestTag/kubernetes-namespace': namespace,
    'aws:RequestTag/kubernetes-service-account': sa,
    'aws:RequestTag/eks-cluster-arn': clusters,
  });

  test('the statement carries the three request-tag conditions, clusters sorted and once each', () => {
    assert.deepEqual(podIdentityStatement('PodIdentity', scope({ clusterArns: [ARN_B, ARN_A, ARN_B] })), {
      Sid: 'PodIdentity',
      Effect: 'Allow',
      Principal: { Service: 'pods.eks.amazonaws.com' },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Condition: {
        StringEquals: {
          'aws:RequestTag/kubernetes-namespace': ['payments'],
          'aws:RequestTag/kubernetes-service-account': ['api'],
          'aws:RequestTag/eks-cluster-arn': [ARN_A, ARN_B],
        },
      },
    });
    // No clusters: the guide's own example, namespace and service account only.
    assert.deepEqual(podIdentityStatement('PodIdentity', scope({ clusterArns: [] })).Condition, {
      StringEquals: {
        'aws:RequestTag/kubernetes-namespace': ['payments'],
        'aws:RequestTag/kubernetes-service-account': ['api'],
      },
    });
  });

  const covers: [string, PolicyStatement, boolean][] = [
    ['an unconditioned statement', podIdentityStatement('P'), true],
    ['the statement this tool writes', podIdentityStatement('P', scope()), true],
    [
      'more clusters and service accounts than needed',
      scoped('P', tags('payments', ['api', 'x'], [ARN_A, ARN_B, ARN_C])),
      true,
    ],
    ['another namespace', scoped('P', tags('billing', 'api', [ARN_A, ARN_B])), false],
    ['another service account', scoped('P', tags('payments', 'worker', [ARN_A, ARN_B])), false],
    ['one cluster of two', scoped('P', tags('payments', 'api', ARN_A)), false],
    ['namespace alone', scoped('P', { 'aws:RequestTag/kubernetes-namespace': 'payments' }), true],
    ['condition keys in another case', scoped('P', { 'AWS:REQUESTTAG/Kubernetes-Namespace': ['payments'] }), true],
    ['values compare case-sensitively', scoped('P', { 'aws:RequestTag/kubernetes-namespace': 'Payments' }), false],
    ['StringLike wildcards', scoped('P', { 'aws:RequestTag/kubernetes-service-account': 'a*' }, 'StringLike'), true],
    [
      'eks-cluster-name of both clusters',
      scoped('P', { 'aws:RequestTag/eks-cluster-name': ['prod-a', 'prod-b'] }),
      true,
    ],
    ['eks-cluster-name of one cluster', scoped('P', { 'aws:RequestTag/eks-cluster-name': 'prod-a' }), false],
    ['a key EKS does not set', scoped('P', { 'aws:SourceAccount': ACCOUNT }), false],
    [
      'a set operator',
      scoped('P', { 'aws:RequestTag/kubernetes-namespace': 'payments' }, 'ForAnyValue:StringEquals'),
      false,
    ],
    ['a Deny statement', { ...podIdentityStatement('P', scope()), Effect: 'Deny' }, false],
  ];
  for (const [name, statement, expected] of covers) {
    test(`covers the service account: ${name} -> ${expected}`, () =>
      assert.equal(hasPodIdentityTrust(doc(ec2Statement, statement), scope()), expected));
  }

  test('an existing conditioned statement is not "absent": without a scope to check, none counts', () => {
    assert.equal(hasPodIdentityTrust(doc(podIdentityStatement('P', scope()))), false);
  });

  test('appends a scoped statement, bigger than the unscoped one', () => {
    const input = doc(ec2Statement);
    const { document, added, widened } = addPodIdentityTrust(input, 'PodIdentity', scope());
    assert.deepEqual([added, widened], [true, false]);
    assert.deepEqual(document, doc(ec2Statement, podIdentityStatement('PodIdentity', scope())));
    assert.ok(trustPolicySize(document) > trustPolicySize(addPodIdentityTrust(input, 'PodIdentity').document));
  });

  test('changes nothing when an existing statement covers the scope', () => {
    const input = doc(scoped('Theirs', tags(['payments', 'billing'], 'api', [ARN_A, ARN_B, ARN_C])));
    assert.deepEqual(addPodIdentityTrust(input, 'PodIdentity', scope()), {
      document: input,
      added: false,
      widened: false,
    });
  });

  test('a new cluster for the same service account widens the cluster list, not the statement count', () => {
    const input = doc(ec2Statement, podIdentityStatement('Theirs', scope({ clusterArns: [ARN_A] })));
    const before = frozenCopy(input);
    const { document, added, widened } = addPodIdentityTrust(input, 'PodIdentity', scope({ clusterArns: [ARN_C] }));
    assert.deepEqual([added, widened], [false, true]);
    // Existing values keep their order; ours follow.
    assert.deepEqual(document, doc(ec2Statement, scoped('Theirs', tags(['payments'], ['api'], [ARN_A, ARN_C]))));
    assert.equal(frozenCopy(input), before);
  });

  test('a second service account of the same namespace and clusters joins the service-account list', () => {
    const input = doc(podIdentityStatement('Theirs', scope({ serviceAccount: 'worker' })));
    const { document, widened } = addPodIdentityTrust(input, 'PodIdentity', scope());
    assert.equal(widened, true);
    assert.deepEqual(document.Statement, [scoped('Theirs', tags(['payments'], ['worker', 'api'], [ARN_A, ARN_B]))]);
  });

  test('a statement that differs in two dimensions is left alone: a separate statement grants exactly ours', () => {
    const theirs = podIdentityStatement('Theirs', scope({ namespace: 'billing', serviceAccount: 'worker' }));
    const { document, added } = addPodIdentityTrust(doc(theirs), 'PodIdentity', scope());
    assert.equal(added, true);
    assert.deepEqual(document.Statement, [theirs, podIdentityStatement('PodIdentity', scope())]);
  });

  test('the statement holding our Sid is widened in every dimension rather than duplicating the Sid', () => {
    const ours = podIdentityStatement('PodIdentity', scope({ namespace: 'billing', serviceAccount: 'worker' }));
    const { document, added, widened } = addPodIdentityTrust(doc(ours), 'PodIdentity', scope());
    assert.deepEqual([added, widened], [false, true]);
    assert.deepEqual(document.Statement, [
      scoped('PodIdentity', tags(['billing', 'payments'], ['worker', 'api'], [ARN_A, ARN_B])),
    ]);
  });

  test('a statement tied to clusters does not cover "any cluster", nor is it merged with one that is not', () => {
    const anyCluster = scope({ clusterArns: [] });
    const tied = podIdentityStatement('Theirs', scope());
    assert.equal(hasPodIdentityTrust(doc(tied), anyCluster), false);
    assert.equal(hasPodIdentityTrust(doc(podIdentityStatement('Theirs', anyCluster)), scope()), true);
    const { document, added } = addPodIdentityTrust(doc(tied), 'PodIdentity', anyCluster);
    assert.equal(added, true);
    assert.deepEqual(document.Statement, [tied, podIdentityStatement('PodIdentity', anyCluster)]);
  });

  test('a conditioned statement of another shape is never edited', () => {
    const theirs = scoped('Theirs', {
      'aws:SourceAccount': ACCOUNT,
      'aws:RequestTag/kubernetes-namespace': 'payments',
    });
    const { document, added } = addPodIdentityTrust(doc(theirs), 'PodIdentity', scope());
    assert.equal(added, true);
    assert.deepEqual(document.Statement[0], theirs);
  });
});

describe('removeStatementBySid', () => {
  test('removes the statement with that Sid and keeps the rest in order', () => {
    const input = doc(ec2Statement, podIdentityStatement('PodIdentity'), irsa(HP_A, PROVIDER_A, SUBJECT));
    const before = frozenCopy(input);
    const { document, removed } = removeStatementBySid(input, 'PodIdentity');
    assert.equal(removed, true);
    assert.deepEqual(document, doc(ec2Statement, irsa(HP_A, PROVIDER_A, SUBJECT)));
    assert.equal(frozenCopy(input), before);
  });

  test('reports nothing removed when the Sid is absent', () => {
    const { document, removed } = removeStatementBySid(doc(ec2Statement), 'PodIdentity');
    assert.equal(removed, false);
    assert.deepEqual(document, doc(ec2Statement));
  });
});

describe('irsaStatement', () => {
  test('builds the statement the EKS docs give', () => {
    assert.deepEqual(irsaStatement(ACCOUNT, ISSUER_A, 'payments', 'api'), {
      Effect: 'Allow',
      Principal: { Federated: PROVIDER_A },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { [`${HP_A}:sub`]: SUBJECT, [`${HP_A}:aud`]: 'sts.amazonaws.com' } },
    });
  });

  test('takes host+path or a URL with a trailing slash, and a partition', () => {
    const statement = irsaStatement(ACCOUNT, `${HP_A}/`, 'payments', 'api', 'aws-cn');
    assert.deepEqual(statement.Principal, { Federated: `arn:aws-cn:iam::${ACCOUNT}:oidc-provider/${HP_A}` });
    assert.deepEqual(Object.keys(statement.Condition!.StringEquals!), [`${HP_A}:sub`, `${HP_A}:aud`]);
  });
});

describe('removeIrsaTrust', () => {
  const target = { issuers: [ISSUER_A], namespace: 'payments', serviceAccount: 'api' };

  test('drops a statement that trusted only this service account and returns it', () => {
    const mine = irsa(HP_A, PROVIDER_A, SUBJECT);
    const input = doc(ec2Statement, mine, podIdentityStatement('P'));
    const before = frozenCopy(input);
    const { document, removed } = removeIrsaTrust(input, target);
    assert.deepEqual(document, doc(ec2Statement, podIdentityStatement('P')));
    assert.deepEqual(removed, [mine]);
    assert.equal(frozenCopy(input), before);
  });

  const trimCases: [string, PolicyStatement, PolicyStatement][] = [
    ['StringEquals array', irsa(HP_A, PROVIDER_A, [OTHER_SUBJECT, SUBJECT]), irsa(HP_A, PROVIDER_A, [OTHER_SUBJECT])],
    [
      'StringLike array with a literal subject',
      irsa(HP_A, PROVIDER_A, [SUBJECT, OTHER_SUBJECT], 'StringLike'),
      irsa(HP_A, PROVIDER_A, [OTHER_SUBJECT], 'StringLike'),
    ],
  ];
  for (const [name, statement, trimmed] of trimCases) {
    test(`keeps other subjects (${name})`, () => {
      const { document, removed } = removeIrsaTrust(doc(statement, ec2Statement), target);
      assert.deepEqual(document, doc(trimmed, ec2Statement));
      assert.deepEqual(removed, [statement]);
    });
  }

  test('drops a StringLike string subject', () => {
    const statement = irsa(HP_A, PROVIDER_A, SUBJECT, 'StringLike');
    assert.deepEqual(removeIrsaTrust(doc(statement), target), { document: doc(), removed: [statement] });
  });

  test('leaves a wildcard subject that merely matches, and does not count it', () => {
    const wildcard = irsa(HP_A, PROVIDER_A, ['system:serviceaccount:payments:*'], 'StringLike');
    const input = doc(wildcard);
    assert.deepEqual(removeIrsaTrust(input, target), { document: input, removed: [] });
    const mixed = irsa(HP_A, PROVIDER_A, ['system:serviceaccount:payments:*', SUBJECT], 'StringLike');
    const result = removeIrsaTrust(doc(mixed), target);
    assert.deepEqual(result.document, doc(wildcard));
    assert.deepEqual(result.removed, [mixed]);
  });

  test('leaves other issuers, other service accounts and non-IRSA statements byte for byte', () => {
    const otherIssuer = irsa(HP_B, PROVIDER_B, SUBJECT);
    const otherSa = irsa(HP_A, PROVIDER_A, OTHER_SUBJECT);
    const deny: PolicyStatement = { ...irsa(HP_A, PROVIDER_A, SUBJECT), Effect: 'Deny' };
    const input = doc(ec2Statement, otherIssuer, otherSa, deny, podIdentityStatement('P'));
    const { document, removed } = removeIrsaTrust(input, target);
    assert.equal(JSON.stringify(document), JSON.stringify(input));
    assert.deepEqual(removed, []);
  });

  test('removes from every listed issuer, given as URLs or host+paths', () => {
    const a = irsa(HP_A, PROVIDER_A, SUBJECT);
    const b = irsa(HP_B, PROVIDER_B, [SUBJECT, OTHER_SUBJECT]);
    const { document, removed } = removeIrsaTrust(doc(a, b), { ...target, issuers: [`${ISSUER_A}/`, HP_B] });
    assert.deepEqual(document, doc(irsa(HP_B, PROVIDER_B, [OTHER_SUBJECT])));
    assert.deepEqual(removed, [a, b]);
  });

  test('matches condition keys case-insensitively, as IAM does', () => {
    const statement: PolicyStatement = {
      Effect: 'Allow',
      Principal: { Federated: [PROVIDER_A] },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { [`${HP_A}:SUB`]: SUBJECT } },
    };
    assert.deepEqual(removeIrsaTrust(doc(statement), target), { document: doc(), removed: [statement] });
  });

  test('does not crash on ForAnyValue operators and leaves them alone', () => {
    const statement: PolicyStatement = {
      Effect: 'Allow',
      Principal: { Federated: PROVIDER_A },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { 'ForAnyValue:StringEquals': { [`${HP_A}:sub`]: [SUBJECT] } },
    };
    assert.deepEqual(removeIrsaTrust(doc(statement), target), { document: doc(statement), removed: [] });
  });

  test('a statement whose subject list empties is dropped, never left without the condition', () => {
    const statement: PolicyStatement = {
      Effect: 'Allow',
      Principal: { Federated: PROVIDER_A },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { [`${HP_A}:sub`]: [SUBJECT], [`${HP_A}:aud`]: 'sts.amazonaws.com' },
        StringLike: { [`${HP_A}:sub`]: 'system:serviceaccount:payments:*' },
      },
    };
    const { document, removed } = removeIrsaTrust(doc(statement), target);
    assert.deepEqual(document, doc());
    assert.deepEqual(removed, [statement]);
  });
});

describe('restoreIrsaTrust', () => {
  const target = { issuers: [ISSUER_A, ISSUER_B], namespace: 'payments', serviceAccount: 'api' };
  const original = doc(
    ec2Statement,
    irsa(HP_A, PROVIDER_A, SUBJECT),
    irsa(HP_B, PROVIDER_B, [OTHER_SUBJECT, SUBJECT]),
    podIdentityStatement('P'),
  );

  test('puts trimmed statements back in place and appends dropped ones', () => {
    const { document, removed } = removeIrsaTrust(original, target);
    const restored = restoreIrsaTrust(document, removed);
    assert.deepEqual(
      restored,
      doc(ec2Statement, original.Statement[2]!, podIdentityStatement('P'), original.Statement[1]!),
    );
    assert.deepEqual(irsaIssuersTrusted(restored, 'payments', 'api').sort(), [HP_A, HP_B].sort());
  });

  test('given the document before the run, puts a dropped statement back where it stood', () => {
    const { document, removed } = removeIrsaTrust(original, target);
    const restored = restoreIrsaTrust(document, removed, original);
    assert.deepEqual(restored, original);
    // Statements added since stay, and the dropped one goes before the next statement it preceded.
    const added = irsa(HP_B, PROVIDER_B, OTHER_SUBJECT);
    const since = { ...document, Statement: [...document.Statement, added] };
    assert.deepEqual(restoreIrsaTrust(since, removed, original), {
      ...original,
      Statement: [...original.Statement, added],
    });
    // A statement the original does not hold is appended, as without it.
    assert.deepEqual(
      restoreIrsaTrust(doc(ec2Statement), [original.Statement[1]!], doc()),
      doc(ec2Statement, original.Statement[1]!),
    );
  });

  test('is idempotent and does not mutate its input', () => {
    const { document, removed } = removeIrsaTrust(original, target);
    const before = frozenCopy(document);
    const once = restoreIrsaTrust(document, removed);
    assert.equal(frozenCopy(document), before);
    assert.deepEqual(restoreIrsaTrust(once, removed), once);
    assert.deepEqual(restoreIrsaTrust(original, removed), original);
  });

  test('treats key order as irrelevant when checking whether a statement is already there', () => {
    const statement = irsa(HP_A, PROVIDER_A, SUBJECT);
    const reordered: PolicyStatement = {
      Condition: statement.Condition!,
      Action: statement.Action!,
      Principal: statement.Principal!,
      Effect: 'Allow',
    };
    assert.deepEqual(restoreIrsaTrust(doc(reordered), [statement]), doc(reordered));
  });

  test('keeps a statement someone extended since cleanup, and adds the original beside it', () => {
    const removed = [irsa(HP_B, PROVIDER_B, [OTHER_SUBJECT, SUBJECT])];
    const extended = irsa(HP_B, PROVIDER_B, [OTHER_SUBJECT, 'system:serviceaccount:payments:new']);
    assert.deepEqual(restoreIrsaTrust(doc(extended), removed), doc(extended, removed[0]!));
  });
});

describe('trustPolicySize', () => {
  test('counts the minified JSON', () => {
    const document = doc(ec2Statement);
    assert.equal(trustPolicySize(document), JSON.stringify(document).length);
    assert.equal(trustPolicySize({ Statement: [] }), '{"Statement":[]}'.length);
    assert.equal(DEFAULT_TRUST_POLICY_LIMIT, 2048);
  });
});

describe('irsaIssuersTrusted', () => {
  const cases: [string, PolicyStatement[], string[]][] = [
    ['exact subject', [irsa(HP_A, PROVIDER_A, SUBJECT)], [HP_A]],
    ['subject in an array', [irsa(HP_B, PROVIDER_B, [OTHER_SUBJECT, SUBJECT])], [HP_B]],
    ['matching StringLike wildcard', [irsa(HP_A, PROVIDER_A, 'system:serviceaccount:pay*:*', 'StringLike')], [HP_A]],
    ['StringLike is case-sensitive', [irsa(HP_A, PROVIDER_A, 'system:serviceaccount:PAY*:*', 'StringLike')], []],
    ['wildcard under StringEquals is literal', [irsa(HP_A, PROVIDER_A, 'system:serviceaccount:payments:*')], []],
    ['other subject', [irsa(HP_A, PROVIDER_A, OTHER_SUBJECT)], []],
    ['Deny statement', [{ ...irsa(HP_A, PROVIDER_A, SUBJECT), Effect: 'Deny' }], []],
    [
      'no subject condition trusts every service account',
      [{ Effect: 'Allow', Principal: { Federated: PROVIDER_A }, Action: 'sts:AssumeRoleWithWebIdentity' }],
      [HP_A],
    ],
    [
      'two issuers, once each',
      [irsa(HP_A, PROVIDER_A, SUBJECT), irsa(HP_B, PROVIDER_B, SUBJECT), irsa(HP_A, PROVIDER_A, [SUBJECT])],
      [HP_A, HP_B],
    ],
    ['non-IRSA statements', [ec2Statement, podIdentityStatement('P')], []],
  ];
  for (const [name, statements, expected] of cases) {
    test(name, () => assert.deepEqual(irsaIssuersTrusted(doc(...statements), 'payments', 'api'), expected));
  }
});
