/** Hand-built fleet-scan results for the pure drift and report rules. */
import { issuerHostPath, irsaStatement } from '../../src/domain/trust-policy.js';
import type { AssociationScan, ClusterScan, ServiceAccountScan } from '../../src/domain/inventory.js';
import type { RoleCatalog, RoleTrust } from '../../src/domain/role-profile.js';
import type { PolicyStatement } from '../../src/domain/types.js';

export const ACCOUNT = '123456789012';
export const issuer = (id: string) => `https://oidc.eks.us-east-1.amazonaws.com/id/${id}`;
export const ISSUERS: Record<string, string> = {
  'prod-a': issuer('AAAA'),
  'prod-b': issuer('BBBB'),
  'prod-c': issuer('CCCC'),
};
export const roleArn = (name: string, account = ACCOUNT) => `arn:aws:iam::${account}:role/${name}`;

export function sa(namespace: string, name: string, overrides: Partial<ServiceAccountScan> = {}): ServiceAccountScan {
  return {
    namespace,
    name,
    exists: true,
    associations: [],
    workloads: [{ kind: 'Deployment', namespace, name }],
    pods: { total: 2, irsa: overrides.irsaRoleArn ? 2 : 0, podIdentity: 0, staticKeys: 0 },
    notMigratable: [],
    blockers: [],
    ...overrides,
  };
}

export function association(
  cluster: string,
  namespace: string,
  serviceAccount: string,
  role: string,
  overrides: Partial<AssociationScan> = {},
): AssociationScan {
  return {
    associationId: `a-${cluster}-${namespace}-${serviceAccount}`,
    cluster,
    namespace,
    serviceAccount,
    roleArn: roleArn(role),
    serviceAccountExists: true,
    namespaceExists: true,
    ...overrides,
  };
}

export function cluster(
  name: string,
  serviceAccounts: ServiceAccountScan[],
  associations: AssociationScan[] = [],
): ClusterScan {
  return {
    cluster: name,
    eksClusterName: name,
    arn: `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/${name}`,
    region: 'us-east-1',
    accountId: ACCOUNT,
    ...(ISSUERS[name] ? { oidcIssuer: ISSUERS[name] } : {}),
    findings: [],
    serviceAccounts,
    associations,
    counts: { serviceAccounts: serviceAccounts.length, workloads: 0, pods: 0 },
  };
}

export const irsa = (clusterName: string, namespace: string, name: string) =>
  irsaStatement(ACCOUNT, ISSUERS[clusterName] ?? '', namespace, name);

export function role(name: string, statements: PolicyStatement[]): RoleTrust {
  return { arn: roleArn(name), name, trustPolicy: { Version: '2012-10-17', Statement: statements } };
}

export function catalog(roles: RoleTrust[], providers = Object.values(ISSUERS)): RoleCatalog {
  return {
    accountId: ACCOUNT,
    trustPolicySizeLimit: 2048,
    roles,
    oidcProviders: providers.map((i) => ({
      arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${issuerHostPath(i)}`,
      issuerHostPath: issuerHostPath(i),
    })),
  };
}
