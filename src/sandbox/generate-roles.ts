/**
 * The roles of a generated fleet: which trust statements each needs for the clusters its
 * service accounts use it in, and their permissions (narrow, wildcard, god).
 */
import { issuerHostPath, oidcProviderArn, podIdentityStatement } from '../domain/trust-policy.js';
import type { PolicyDocument, PolicyStatement } from '../domain/types.js';
import { putManagedPolicy, putRole } from './fixtures.js';
import { random } from './random.js';
import { irsaTrustStatement } from './seed.js';
import type { FleetState } from './state.js';

export type Identity = 'irsa' | 'pod-identity' | 'both' | 'static-keys' | 'none';

export interface RoleUser {
  index: number;
  namespace: string;
  name: string;
  role: 'own' | 'shared' | 'god';
}

export interface Use {
  cluster: string;
  app: RoleUser;
  identity: Identity;
  /** Pod Identity cannot work for it there (no agent, Fargate, Windows). */
  podIdentityPossible: boolean;
}

interface RoleEntry {
  kind: RoleUser['role'];
  namespace: string;
  /** One per cluster that uses the role through IRSA. */
  irsa: Map<string, PolicyStatement>;
  podIdentity: boolean;
}

const needsIrsa = (identity: Identity) => identity === 'irsa' || identity === 'both';
const needsPodIdentity = (identity: Identity) => identity === 'pod-identity' || identity === 'both';

export function roleNameOf(app: RoleUser): string {
  if (app.role === 'god') return 'eks-platform-admin';
  return app.role === 'shared' ? `eks-${app.namespace}-shared` : `eks-${app.namespace}-${app.name}`;
}

export class RoleBook {
  readonly roles = new Map<string, RoleEntry>();

  constructor(private readonly state: FleetState) {}

  roleArnOf(app: RoleUser): string {
    return `arn:aws:iam::${this.state.accountId}:role/${roleNameOf(app)}`;
  }

  /**
   * Settles each use's identity: IRSA needs the role to trust the cluster's issuer, and a
   * trust policy that would outgrow IAM's quota moved its service accounts to Pod Identity
   * where it can serve them (those that cannot are given room first).
   */
  allocate(uses: Use[]): Identity[] {
    const order = uses
      .map((_, i) => i)
      .sort((x, y) => Number(uses[x]?.podIdentityPossible) - Number(uses[y]?.podIdentityPossible));
    const settled: Identity[] = uses.map((u) => u.identity);
    for (const i of order) {
      const use = uses[i] as Use;
      if (!needsIrsa(use.identity)) continue;
      if (!this.trustIrsa(use) && use.podIdentityPossible) settled[i] = 'pod-identity';
    }
    uses.forEach((use, i) => {
      if (needsPodIdentity(settled[i] as Identity)) this.entry(use.app).podIdentity = true;
    });
    return settled;
  }

  private entry(app: RoleUser): RoleEntry {
    const name = roleNameOf(app);
    let entry = this.roles.get(name);
    if (entry === undefined) {
      entry = { kind: app.role, namespace: app.namespace, irsa: new Map(), podIdentity: false };
      this.roles.set(name, entry);
    }
    return entry;
  }

  /** Adds the cluster's statement when the trust still fits (with room for Pod Identity's); false when not. */
  private trustIrsa(use: Use): boolean {
    const entry = this.entry(use.app);
    if (entry.irsa.has(use.cluster)) return true;
    const statement =
      use.app.role === 'own'
        ? irsaTrustStatement(this.state, use.cluster, [`system:serviceaccount:${use.app.namespace}:${use.app.name}`])
        : namespaceStatement(this.state, use.cluster, use.app.namespace);
    const trial = trustOf([...entry.irsa.values(), statement], true);
    if (JSON.stringify(trial).length > this.state.trustPolicySizeLimit && use.podIdentityPossible) return false;
    entry.irsa.set(use.cluster, statement);
    return true;
  }
}

/** Shared roles trust a whole namespace of a cluster, as teams write them. */
function namespaceStatement(state: FleetState, cluster: string, namespace: string): PolicyStatement {
  const issuer = state.clusters[cluster]?.oidcIssuer ?? '';
  return {
    Effect: 'Allow',
    Principal: { Federated: oidcProviderArn(state.accountId, issuer) },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: { StringLike: { [`${issuerHostPath(issuer)}:sub`]: `system:serviceaccount:${namespace}:*` } },
  };
}

function trustOf(irsa: PolicyStatement[], podIdentity: boolean): PolicyDocument {
  return { Version: '2012-10-17', Statement: [...irsa, ...(podIdentity ? [podIdentityStatement('PodIdentity')] : [])] };
}

function permissions(state: FleetState, name: string, entry: RoleEntry, seed: number): PolicyDocument {
  const r = random(seed, 'role', name);
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${state.region}:${state.accountId}:${resource}`;
  if (entry.kind === 'god')
    return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
  const bucket = `${entry.namespace}-${name.replace(/^eks-/, '')}`;
  const candidates: PolicyStatement[] = [
    {
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:ListBucket'],
      Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
    },
    { Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'], Resource: arn('sqs', `${bucket}-queue`) },
    {
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      Resource: arn('dynamodb', `table/${bucket}`),
    },
    {
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: arn('secretsmanager', `secret:${entry.namespace}/*`),
    },
  ];
  const statements = candidates.filter(() => r.chance(0.5));
  if (statements.length === 0) statements.push(candidates[0] as PolicyStatement);
  // Some roles grew the way roles do.
  if (r.chance(0.1)) statements.push({ Effect: 'Allow', Action: 's3:*', Resource: '*' });
  if (entry.kind === 'shared' && r.chance(0.3)) {
    statements.push({
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: `arn:aws:s3:::${entry.namespace}-shared/\${aws:PrincipalTag/kubernetes-service-account}/*`,
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** Every role the book holds, with its trust and permissions; a common managed policy on some. */
export function buildRoles(state: FleetState, book: RoleBook, seed: number): void {
  const common = putManagedPolicy(state, {
    name: 'fleet-common-read',
    document: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['ssm:GetParameter'],
          Resource: `arn:aws:ssm:*:${state.accountId}:parameter/common/*`,
        },
      ],
    },
  });
  for (const [name, entry] of [...book.roles].sort(([a], [b]) => a.localeCompare(b))) {
    if (entry.irsa.size === 0 && !entry.podIdentity) continue;
    const r = random(seed, 'role-extras', name);
    putRole(state, {
      name,
      trustPolicy: trustOf([...entry.irsa.values()], entry.podIdentity),
      inlinePolicies: { data: permissions(state, name, entry, seed) },
      ...(r.chance(0.3) ? { managedPolicyArns: [common] } : {}),
      ...(r.chance(0.5) ? { tags: { team: entry.namespace } } : {}),
    });
  }
}
