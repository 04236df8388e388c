import * as clientNode from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { list, readPolicy, readRbac } from '../support/deploy-grants.js';
import {
  readSources,
  scanAwsOperations,
  scanKubernetesCalls,
  type KubernetesCatalogue,
  type Scan,
  type Uses,
} from '../support/permission-scan.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ORCHESTRATOR_POLICY = 'deploy/iam/orchestrator-policy.json';
const WORKER_POLICY = 'deploy/iam/worker-assume-role-policy.json';
const RBAC = 'deploy/kubernetes/rbac.yaml';
const IAM_README = 'deploy/iam/README.md';
const KUBERNETES_GROUP = 'migrate-identity';

const AWS_PREFIXES: Record<string, string> = {
  'client-cloudtrail': 'cloudtrail',
  'client-eks': 'eks',
  'client-iam': 'iam',
  'client-sts': 'sts',
};

/**
 * The IAM actions each AWS operation needs, as the Service Authorization Reference lists
 * them (docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelastickubernetesservice.html
 * and the IAM and STS pages). Operations no adapter sends yet are listed so that a new call
 * fails on the missing grant rather than on this table.
 */
const AWS_ACTIONS: Record<string, string[]> = {
  'eks:DescribeCluster': ['eks:DescribeCluster'],
  'eks:DescribeAddon': ['eks:DescribeAddon'],
  'eks:ListFargateProfiles': ['eks:ListFargateProfiles'],
  'eks:DescribeFargateProfile': ['eks:DescribeFargateProfile'],
  'eks:ListNodegroups': ['eks:ListNodegroups'],
  'eks:DescribeNodegroup': ['eks:DescribeNodegroup'],
  'eks:ListPodIdentityAssociations': ['eks:ListPodIdentityAssociations'],
  'eks:DescribePodIdentityAssociation': ['eks:DescribePodIdentityAssociation'],
  // Tags in the request are authorized as eks:TagResource too, and the role is passed to
  // pods.eks.amazonaws.com by the caller of the create (iam:PassedToService).
  'eks:CreatePodIdentityAssociation': ['eks:CreatePodIdentityAssociation', 'eks:TagResource', 'iam:PassRole'],
  'eks:DeletePodIdentityAssociation': ['eks:DeletePodIdentityAssociation'],
  'eks:UpdatePodIdentityAssociation': ['eks:UpdatePodIdentityAssociation', 'iam:PassRole'],
  'iam:GetRole': ['iam:GetRole'],
  'iam:UpdateAssumeRolePolicy': ['iam:UpdateAssumeRolePolicy'],
  'iam:ListRolePolicies': ['iam:ListRolePolicies'],
  'iam:ListAttachedRolePolicies': ['iam:ListAttachedRolePolicies'],
  'iam:GetRolePolicy': ['iam:GetRolePolicy'],
  'iam:GetPolicy': ['iam:GetPolicy'],
  'iam:GetPolicyVersion': ['iam:GetPolicyVersion'],
  'iam:ListRoles': ['iam:ListRoles'],
  'iam:ListRoleTags': ['iam:ListRoleTags'],
  'iam:ListOpenIDConnectProviders': ['iam:ListOpenIDConnectProviders'],
  'iam:GetOpenIDConnectProvider': ['iam:GetOpenIDConnectProvider'],
  // The role reuse check simulates the migrated role's own policies (resource: the role).
  'iam:SimulatePrincipalPolicy': ['iam:SimulatePrincipalPolicy'],
  // On EKS Pod Identity the worker's session carries transitive session tags, which every
  // AssumeRole in the chain passes on: that needs sts:TagSession too (EKS user guide,
  // "Cross-account tags" in pod-id-abac; IAM user guide, "Chaining roles with session tags").
  'sts:AssumeRole': ['sts:AssumeRole', 'sts:TagSession'],
  // The EKS bearer token is a presigned GetCallerIdentity, which needs no permission and
  // cannot be denied (STS API reference, GetCallerIdentity).
  'sts:GetCallerIdentity': [],
  // Event history takes no resource-level permissions: "*" only (Service Authorization
  // Reference, AWS CloudTrail).
  'cloudtrail:LookupEvents': ['cloudtrail:LookupEvents'],
};

/** The worker's own identity only assumes the configured roles; those roles do the rest. */
const WORKER_ACTIONS = new Set(['sts:AssumeRole', 'sts:TagSession']);

const appsWorkload = (kind: string, resource: string): Record<string, string[]> => ({
  [`readNamespaced${kind}`]: [`get ${resource}.apps`],
  [`listNamespaced${kind}`]: [`list ${resource}.apps`],
  [`patchNamespaced${kind}`]: [`patch ${resource}.apps`],
  [`list${kind}ForAllNamespaces`]: [`list ${resource}.apps`],
});

/** RBAC rules (`verb resource[.group]`) per client-node call; calls no code makes yet included. */
const KUBERNETES_RULES: Record<string, string[]> = {
  readNamespacedServiceAccount: ['get serviceaccounts'],
  patchNamespacedServiceAccount: ['patch serviceaccounts'],
  listNamespacedServiceAccount: ['list serviceaccounts'],
  listServiceAccountForAllNamespaces: ['list serviceaccounts'],
  readNamespacedPod: ['get pods'],
  createNamespacedPod: ['create pods'],
  deleteNamespacedPod: ['delete pods'],
  readNamespacedPodLog: ['get pods/log'],
  listNamespacedPod: ['list pods'],
  listPodForAllNamespaces: ['list pods'],
  readNode: ['get nodes'],
  listNode: ['list nodes'],
  ...appsWorkload('Deployment', 'deployments'),
  ...appsWorkload('StatefulSet', 'statefulsets'),
  ...appsWorkload('DaemonSet', 'daemonsets'),
  readNamespacedReplicaSet: ['get replicasets.apps'],
  listNamespacedReplicaSet: ['list replicasets.apps'],
  listReplicaSetForAllNamespaces: ['list replicasets.apps'],
  readNamespacedJob: ['get jobs.batch'],
  listNamespacedJob: ['list jobs.batch'],
  listJobForAllNamespaces: ['list jobs.batch'],
  readNamespacedCronJob: ['get cronjobs.batch'],
  listNamespacedCronJob: ['list cronjobs.batch'],
  listCronJobForAllNamespaces: ['list cronjobs.batch'],
  // client-node execs over a websocket (HTTP GET), authorized as `get` on pods/exec and,
  // from Kubernetes 1.35, also as `create` (kubernetes/kubernetes#78741, #134577).
  Exec: ['create pods/exec', 'get pods/exec'],
};

/** client-node values that make no API call of their own. */
const CLIENT_NODE_INERT = new Set([
  'KubeConfig',
  'ApiException',
  'Observable',
  'PatchStrategy',
  'setHeaderMiddleware',
  'setHeaderOptions',
  'createConfiguration',
  'ServerConfiguration',
  'RequestContext',
  'ResponseContext',
  'HttpException',
]);

function kubernetesCatalogue(): KubernetesCatalogue {
  const apiClasses = new Set<string>();
  const apiMethods = new Set<string>();
  const helpers = new Set<string>();
  for (const [name, value] of Object.entries(clientNode)) {
    if (typeof value !== 'function') continue;
    // KubernetesObjectApi takes any object: its calls name no resource the scan could map.
    if (name.endsWith('Api') && name !== 'KubernetesObjectApi') {
      apiClasses.add(name);
      for (const method of Object.getOwnPropertyNames(value.prototype)) {
        if (method !== 'constructor') apiMethods.add(method.replace(/WithHttpInfo$/, ''));
      }
    } else if (['Exec', 'Attach', 'PortForward', 'Log', 'Watch', 'Cp', 'Metrics', 'ListWatch'].includes(name)) {
      helpers.add(name);
    }
  }
  const models = Object.keys(clientNode).filter((name) => /^([A-Z][a-z]+)?V\d+((alpha|beta)\d+)?[A-Z]/.test(name));
  return { apiClasses, apiMethods, helpers, inert: new Set([...CLIENT_NODE_INERT, ...models]) };
}

/** What the code needs, through `table`; what the table cannot map is listed apart. */
function needs(scan: Scan, table: Record<string, string[]>): { needed: Uses; unmapped: string[] } {
  const needed: Uses = new Map();
  const unmapped: string[] = [];
  for (const [use, places] of scan.uses) {
    const grants = table[use];
    if (grants === undefined) unmapped.push(`${use} (${places.join(', ')})`);
    for (const grant of grants ?? []) needed.set(grant, [...(needed.get(grant) ?? []), `${use} at ${places[0]}`]);
  }
  return { needed, unmapped };
}

function assertExactly(file: string, needed: Uses, granted: Set<string>, howToAdd: string): void {
  const missing = [...needed].filter(([grant]) => !granted.has(grant));
  const unused = [...granted].filter((grant) => !needed.has(grant)).sort();
  const lines = [
    ...missing.map(([grant, why]) => `  missing ${grant}: needed by ${why.join('; ')}. ${howToAdd}`),
    ...unused.map((grant) => `  unused ${grant}: no adapter call needs it; remove it (least privilege).`),
  ];
  assert.equal(lines.length, 0, `${file} does not match the code:\n${lines.join('\n')}`);
}

function assertMapped(kind: string, scan: Scan, unmapped: string[], table: string): void {
  const lines = [
    ...scan.problems,
    ...unmapped.map((u) => `${u}: add it to ${table} with what it needs, then grant it.`),
  ];
  assert.equal(lines.length, 0, `${kind} calls the least-privilege test cannot map:\n  ${lines.join('\n  ')}`);
}

const awsScan = () => scanAwsOperations(readSources(ROOT, 'src/adapters/aws'), AWS_PREFIXES);
const kubernetesScan = () => scanKubernetesCalls(readSources(ROOT, 'src/adapters/kubernetes'), kubernetesCatalogue());

describe('least privilege: deploy/ grants exactly what the adapters call', () => {
  test('every AWS call of src/adapters/aws has a grant in the IAM policies, and every grant a call', () => {
    const scan = awsScan();
    const { needed, unmapped } = needs(scan, AWS_ACTIONS);
    assertMapped('src/adapters/aws', scan, unmapped, 'AWS_ACTIONS in test/deploy/least-privilege.test.ts');
    const worker = new Map([...needed].filter(([action]) => WORKER_ACTIONS.has(action)));
    const orchestrator = new Map([...needed].filter(([action]) => !WORKER_ACTIONS.has(action)));
    const add = 'Add it to an Allow statement scoped to the resources it touches.';
    assertExactly(ORCHESTRATOR_POLICY, orchestrator, readPolicy(ROOT, ORCHESTRATOR_POLICY).allowed, add);
    assertExactly(WORKER_POLICY, worker, readPolicy(ROOT, WORKER_POLICY).allowed, add);
  });

  test('every Kubernetes call of src/adapters/kubernetes has an RBAC rule, and every rule a call', () => {
    const scan = kubernetesScan();
    const { needed, unmapped } = needs(scan, KUBERNETES_RULES);
    assertMapped('src/adapters/kubernetes', scan, unmapped, 'KUBERNETES_RULES in test/deploy/least-privilege.test.ts');
    assertExactly(
      RBAC,
      needed,
      readRbac(ROOT, RBAC, KUBERNETES_GROUP),
      'Add the verb and resource to a rule of the migrate-identity ClusterRole.',
    );
  });

  test('PassRole is only to Pod Identity, and the orchestrator may neither pass nor retrust its own role', () => {
    const { statements } = readPolicy(ROOT, ORCHESTRATOR_POLICY);
    const passRole = statements.filter((s) => s.Effect === 'Allow' && list(s.Action).includes('iam:PassRole'));
    assert.ok(passRole.length > 0);
    for (const s of passRole) {
      assert.deepEqual(s.Condition, { StringEquals: { 'iam:PassedToService': 'pods.eks.amazonaws.com' } });
    }
    const deny = statements.find((s) => s.Effect === 'Deny');
    assert.deepEqual(list(deny?.Action).sort(), ['iam:PassRole', 'iam:UpdateAssumeRolePolicy']);
    assert.deepEqual(list(deny?.Resource), list(readPolicy(ROOT, WORKER_POLICY).statements[0]?.Resource));
  });

  test('the association tag the policy conditions on is the one the code sets', () => {
    const { statements } = readPolicy(ROOT, ORCHESTRATOR_POLICY);
    const tags = statements.flatMap((s) =>
      Object.values((s.Condition ?? {}) as Record<string, Record<string, string>>).flatMap((operands) =>
        Object.entries(operands).filter(([key]) => /^aws:(Request|Resource)Tag\//.test(key)),
      ),
    );
    assert.ok(tags.length >= 3, 'create, tag and delete are conditioned on the managed-by tag');
    const code = [...readSources(ROOT, 'activities'), ...readSources(ROOT, 'src')].filter(
      (s) => !s.path.startsWith('src/sandbox/'),
    );
    for (const [condition, value] of tags) {
      const key = condition.replace(/^aws:\w+Tag\//, '');
      const setBy = code.filter((s) => s.text.includes(`'${key}'`) && s.text.includes(`'${value}'`));
      assert.ok(setBy.length > 0, `${ORCHESTRATOR_POLICY}: no code sets the tag ${key}=${value} it requires`);
    }
  });

  test("the README's permission list names every action the policies grant", () => {
    const readme = readFileSync(ROOT + 'README.md', 'utf8');
    for (const file of [ORCHESTRATOR_POLICY, WORKER_POLICY]) {
      for (const action of readPolicy(ROOT, file).allowed) {
        assert.ok(readme.includes(`\`${action}\``), `README.md does not list ${action}, which ${file} grants`);
      }
    }
  });

  test('every placeholder in the policies is explained in deploy/iam/README.md', () => {
    const readme = readFileSync(ROOT + IAM_README, 'utf8');
    for (const file of [ORCHESTRATOR_POLICY, WORKER_POLICY]) {
      const placeholders = new Set(readFileSync(ROOT + file, 'utf8').match(/<[A-Z_]+>/g));
      assert.ok(placeholders.size > 0);
      for (const placeholder of placeholders) {
        assert.ok(readme.includes(`\`${placeholder}\``), `${IAM_README} does not explain ${placeholder} (${file})`);
      }
    }
  });
});
