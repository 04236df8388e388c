/**
 * IRSA drift: what a fleet scan finds wrong between service accounts, associations, role
 * trust and OIDC providers, each finding with its evidence and the commands that fix it.
 * The seed's incident ("one cluster got the trust update, two did not") is the first rule.
 */
import {
  annotateCommand,
  createOidcProviderCommand,
  deleteAssociationCommand,
  emptyTrustEdit,
  trustFix,
  updateAssociationCommand,
  type TrustEdit,
} from './drift-fixes.js';
import type { AssociationScan, ClusterScan, ServiceAccountScan } from './inventory.js';
import { findRole, type RoleCatalog, type RoleTrust } from './role-profile.js';
import {
  federatedIssuers,
  irsaIssuersTrusted,
  issuerHostPath,
  POD_IDENTITY_PRINCIPAL,
  serviceAccountSubject,
  subjectConditions,
  toList,
} from './trust-policy.js';
import type { PolicyDocument } from './types.js';

export type DriftKind =
  | 'irsa-trust-missing'
  | 'irsa-role-missing'
  | 'oidc-provider-missing'
  | 'annotation-roles-differ'
  | 'association-annotation-mismatch'
  | 'association-service-account-missing'
  | 'association-namespace-missing'
  | 'trust-stale-oidc-provider'
  | 'association-role-untrusted'
  | 'pod-identity-trust-unused';

export const DRIFT_KINDS: readonly DriftKind[] = [
  'irsa-trust-missing',
  'irsa-role-missing',
  'oidc-provider-missing',
  'annotation-roles-differ',
  'association-annotation-mismatch',
  'association-service-account-missing',
  'association-namespace-missing',
  'trust-stale-oidc-provider',
  'association-role-untrusted',
  'pod-identity-trust-unused',
];

/** broken: credentials fail now; risk: they work now and fail on the next change or rollback; cleanup: dead config. */
export type DriftSeverity = 'broken' | 'risk' | 'cleanup';

export const DRIFT_SEVERITIES: readonly DriftSeverity[] = ['broken', 'risk', 'cleanup'];

export interface DriftFinding {
  /** The same while the drift stays the same: what "new since the last scan" compares. */
  key: string;
  kind: DriftKind;
  severity: DriftSeverity;
  message: string;
  /** Unset for role-level findings and those spanning clusters. */
  cluster?: string;
  /** `namespace/name`. */
  serviceAccount?: string;
  roleArn?: string;
  evidence: string[];
  /** Commands that fix it, in order. */
  fix: string[];
  /** What to check before running the fix, or what the commands cannot do. */
  fixNote?: string;
}

export interface DriftInput {
  clusters: ClusterScan[];
  catalog: RoleCatalog;
  /** Every cluster and namespace of the fleet was read: what is absent is absent everywhere. */
  complete: boolean;
  /** kubectl context per cluster; default its ARN, the name `aws eks update-kubeconfig` gives it. */
  kubeContexts?: Record<string, string>;
}

const accountOf = (arn: string) => /^arn:[^:]+:iam::(\d{12}):/.exec(arn)?.[1];
const roleNameOf = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);
const saName = (namespace: string, name: string) => `${namespace}/${name}`;

/** Allow statements naming the Pod Identity service, conditions or not: associations can use the role. */
export function trustsPodIdentity(doc: PolicyDocument): boolean {
  return doc.Statement.some((s) => {
    if (s.Effect !== 'Allow' || s.Principal === undefined || s.Principal === '*') return false;
    return toList(s.Principal.Service).includes(POD_IDENTITY_PRINCIPAL);
  });
}

/** What the rules share: role lookups, the per-role trust edits, the findings so far. */
class DriftContext {
  readonly findings: DriftFinding[] = [];
  private readonly edits = new Map<string, { edit: TrustEdit; findings: DriftFinding[] }>();

  constructor(readonly input: DriftInput) {}

  /** The role when IAM was read for its account; `missing` when that account has no such role. */
  role(arn: string): RoleTrust | 'missing' | 'unknown' {
    const account = accountOf(arn);
    if (account === undefined || account !== this.input.catalog.accountId) return 'unknown';
    return findRole(this.input.catalog, arn) ?? 'missing';
  }

  context(scan: ClusterScan): string {
    return this.input.kubeContexts?.[scan.cluster] ?? scan.arn ?? scan.cluster;
  }

  add(finding: DriftFinding): DriftFinding {
    this.findings.push(finding);
    return finding;
  }

  /** Records what the finding asks of the role's trust; the command is filled in by `finish`. */
  editTrust(roleArn: string, finding: DriftFinding, change: (edit: TrustEdit) => void): void {
    const entry = this.edits.get(roleArn) ?? { edit: emptyTrustEdit(), findings: [] };
    change(entry.edit);
    entry.findings.push(finding);
    this.edits.set(roleArn, entry);
  }

  finish(): DriftFinding[] {
    for (const [arn, { edit, findings }] of this.edits) {
      const role = this.role(arn);
      const trustPolicy = typeof role === 'string' ? undefined : role.trustPolicy;
      const fix = trustFix({ arn, name: roleNameOf(arn), trustPolicy }, edit, this.input.catalog.trustPolicySizeLimit);
      const shared = findings.length > 1 ? `one command fixes all ${findings.length} trust findings of this role` : '';
      const note = [shared, fix.note].filter(Boolean).join('; ');
      for (const finding of findings) {
        finding.fix = fix.commands;
        if (note) finding.fixNote = note;
      }
    }
    const order = (f: DriftFinding) => DRIFT_SEVERITIES.indexOf(f.severity);
    return this.findings.sort(
      (a, b) =>
        order(a) - order(b) ||
        (a.cluster ?? '').localeCompare(b.cluster ?? '') ||
        (a.serviceAccount ?? '').localeCompare(b.serviceAccount ?? '') ||
        a.key.localeCompare(b.key),
    );
  }
}

export function detectDrift(input: DriftInput): DriftFinding[] {
  const ctx = new DriftContext(input);
  const providers = new Set(input.catalog.oidcProviders.map((p) => issuerHostPath(p.issuerHostPath)));
  for (const scan of input.clusters) {
    annotatedServiceAccounts(ctx, scan, providers);
    associations(ctx, scan);
  }
  rolesDifferAcrossClusters(ctx);
  staleProviderTrust(ctx, providers);
  if (input.complete) unusedPodIdentityTrust(ctx);
  return ctx.finish();
}

/** Where IRSA works for a service account and role: the clusters whose issuer the role trusts for it. */
function irsaWorksIn(ctx: DriftContext, namespace: string, name: string, roleArn: string): string[] {
  const role = ctx.role(roleArn);
  if (typeof role === 'string') return [];
  const trusted = irsaIssuersTrusted(role.trustPolicy, namespace, name);
  return ctx.input.clusters
    .filter((c) => c.oidcIssuer !== undefined && trusted.includes(issuerHostPath(c.oidcIssuer)))
    .filter((c) =>
      c.serviceAccounts.some((s) => s.namespace === namespace && s.name === name && s.irsaRoleArn === roleArn),
    )
    .map((c) => c.cluster);
}

function trustEvidence(doc: PolicyDocument, host: string, subject: string, roleName: string): string {
  const statements = doc.Statement.filter((s) => s.Effect === 'Allow' && federatedIssuers(s).includes(host));
  if (statements.length === 0) return `role ${roleName} has no trust statement for OIDC issuer ${host}`;
  const admitted = statements.flatMap((s) => subjectConditions(s, [host]).flatMap((c) => c.values));
  return `role ${roleName} trusts issuer ${host} for ${admitted.join(', ') || 'no subject'}, not ${subject}`;
}

function annotatedServiceAccounts(ctx: DriftContext, scan: ClusterScan, providers: Set<string>): void {
  const annotated = scan.serviceAccounts.filter((sa) => sa.exists && sa.irsaRoleArn !== undefined);
  const issuer = scan.oidcIssuer;
  const host = issuer === undefined ? undefined : issuerHostPath(issuer);
  const inAccount = annotated.filter((sa) => ctx.role(sa.irsaRoleArn ?? '') !== 'unknown');
  if (issuer !== undefined && host !== undefined && inAccount.length > 0 && !providers.has(host)) {
    ctx.add({
      key: `oidc-provider-missing:${scan.cluster}`,
      kind: 'oidc-provider-missing',
      severity: 'broken',
      message: `cluster ${scan.cluster}: no IAM OIDC provider for its issuer: IRSA fails for all ${inAccount.length} annotated service account(s)`,
      cluster: scan.cluster,
      evidence: [
        `issuer ${issuer} is not among the account's ${providers.size} OIDC provider(s)`,
        `annotated: ${inAccount.map((sa) => saName(sa.namespace, sa.name)).join(', ')}`,
      ],
      fix: [createOidcProviderCommand(issuer)],
    });
  }
  for (const sa of annotated) {
    const roleArn = sa.irsaRoleArn ?? '';
    const role = ctx.role(roleArn);
    if (role === 'unknown') continue;
    const name = saName(sa.namespace, sa.name);
    const onPodIdentity = sa.associations.length > 0;
    const impact = onPodIdentity
      ? 'its pods use Pod Identity now, but the IRSA fallback (the rollback path) is broken'
      : `${sa.pods.irsa} pod(s) on IRSA get AccessDenied from AssumeRoleWithWebIdentity`;
    if (role === 'missing') {
      const finding = ctx.add({
        key: `irsa-role-missing:${scan.cluster}:${name}:${roleArn}`,
        kind: 'irsa-role-missing',
        severity: onPodIdentity ? 'risk' : 'broken',
        message: `${scan.cluster} ${name}: annotated with role ${roleNameOf(roleArn)}, which does not exist`,
        cluster: scan.cluster,
        serviceAccount: name,
        roleArn,
        evidence: [`no role ${roleArn} in account ${ctx.input.catalog.accountId ?? ''}`, impact],
        fix: [],
      });
      if (issuer !== undefined) {
        ctx.editTrust(roleArn, finding, (e) =>
          e.admit.push({ issuer, namespace: sa.namespace, serviceAccount: sa.name }),
        );
      }
      continue;
    }
    if (issuer === undefined || host === undefined) continue;
    if (irsaIssuersTrusted(role.trustPolicy, sa.namespace, sa.name).includes(host)) continue;
    const worksIn = irsaWorksIn(ctx, sa.namespace, sa.name, roleArn);
    const finding = ctx.add({
      key: `irsa-trust-missing:${scan.cluster}:${name}:${roleArn}`,
      kind: 'irsa-trust-missing',
      severity: onPodIdentity ? 'risk' : 'broken',
      message: `${scan.cluster} ${name}: role ${role.name}'s trust lacks this cluster's OIDC issuer or subject`,
      cluster: scan.cluster,
      serviceAccount: name,
      roleArn,
      evidence: [
        trustEvidence(role.trustPolicy, host, serviceAccountSubject(sa.namespace, sa.name), role.name),
        worksIn.length > 0
          ? `the same service account and role work in ${worksIn.join(', ')}`
          : 'no scanned cluster has a working trust for it',
        impact,
      ],
      fix: [],
    });
    ctx.editTrust(roleArn, finding, (e) => e.admit.push({ issuer, namespace: sa.namespace, serviceAccount: sa.name }));
  }
  for (const sa of annotated) associationMismatch(ctx, scan, sa);
}

function associationMismatch(ctx: DriftContext, scan: ClusterScan, sa: ServiceAccountScan): void {
  const irsaRole = sa.irsaRoleArn ?? '';
  const name = saName(sa.namespace, sa.name);
  for (const association of sa.associations.filter((a) => a.roleArn !== irsaRole)) {
    const cluster = { eksClusterName: scan.eksClusterName ?? scan.cluster, region: scan.region };
    ctx.add({
      key: `association-annotation-mismatch:${scan.cluster}:${name}:${association.roleArn}:${irsaRole}`,
      kind: 'association-annotation-mismatch',
      severity: 'risk',
      message: `${scan.cluster} ${name}: association ${association.associationId} uses role ${roleNameOf(association.roleArn)}, the annotation ${roleNameOf(irsaRole)}`,
      cluster: scan.cluster,
      serviceAccount: name,
      roleArn: association.roleArn,
      evidence: [
        `association ${association.associationId} → ${association.roleArn}: pods created now get it (the association wins)`,
        `annotation ${irsaRole}: deleting the association (the rollback path) would switch pods to this role`,
      ],
      fix: [annotateCommand(ctx.context(scan), sa.namespace, sa.name, association.roleArn)],
      fixNote: `if ${roleNameOf(irsaRole)} is the intended role instead: ${updateAssociationCommand(cluster, association.associationId, irsaRole)}`,
    });
  }
}

function associations(ctx: DriftContext, scan: ClusterScan): void {
  const cluster = { eksClusterName: scan.eksClusterName ?? scan.cluster, region: scan.region };
  for (const a of scan.associations.filter((x) => x.ownerArn === undefined)) {
    const name = saName(a.namespace, a.serviceAccount);
    if (!a.serviceAccountExists) {
      orphanedAssociation(ctx, scan, a, deleteAssociationCommand(cluster, a.associationId));
      continue;
    }
    const role = ctx.role(a.roleArn);
    if (role === 'unknown' || (role !== 'missing' && trustsPodIdentity(role.trustPolicy))) continue;
    const finding = ctx.add({
      key: `association-role-untrusted:${scan.cluster}:${name}:${a.roleArn}`,
      kind: 'association-role-untrusted',
      severity: 'broken',
      message: `${scan.cluster} ${name}: association ${a.associationId}'s role ${roleNameOf(a.roleArn)} ${role === 'missing' ? 'does not exist' : `does not trust ${POD_IDENTITY_PRINCIPAL}`}`,
      cluster: scan.cluster,
      serviceAccount: name,
      roleArn: a.roleArn,
      evidence: [
        role === 'missing'
          ? `no role ${a.roleArn} in account ${ctx.input.catalog.accountId ?? ''}`
          : `no Allow statement of role ${role.name} names the service ${POD_IDENTITY_PRINCIPAL}`,
        'pods created since the association get no credentials from the Pod Identity Agent',
      ],
      fix: [],
    });
    ctx.editTrust(a.roleArn, finding, (e) => {
      e.addPodIdentity = true;
    });
  }
}

function orphanedAssociation(ctx: DriftContext, scan: ClusterScan, a: AssociationScan, fix: string): void {
  const name = saName(a.namespace, a.serviceAccount);
  const kind = a.namespaceExists ? 'association-service-account-missing' : 'association-namespace-missing';
  ctx.add({
    key: `${kind}:${scan.cluster}:${a.associationId}`,
    kind,
    severity: 'cleanup',
    message: a.namespaceExists
      ? `${scan.cluster}: association ${a.associationId} is for service account ${name}, which no longer exists`
      : `${scan.cluster}: association ${a.associationId} is for namespace ${a.namespace}, which no longer exists`,
    cluster: scan.cluster,
    serviceAccount: name,
    roleArn: a.roleArn,
    evidence: [
      `association ${a.associationId} maps ${name} to ${a.roleArn}`,
      a.namespaceExists
        ? `namespace ${a.namespace} has no service account ${a.serviceAccount}`
        : `namespace ${a.namespace} has no service account at all (not even default, which every live namespace has)`,
      'a service account created later under that name would silently get this role',
    ],
    fix: [fix],
  });
}

function rolesDifferAcrossClusters(ctx: DriftContext): void {
  const byName = new Map<string, { cluster: ClusterScan; sa: ServiceAccountScan }[]>();
  for (const cluster of ctx.input.clusters) {
    for (const sa of cluster.serviceAccounts.filter((s) => s.exists && s.irsaRoleArn !== undefined)) {
      const name = saName(sa.namespace, sa.name);
      byName.set(name, [...(byName.get(name) ?? []), { cluster, sa }]);
    }
  }
  for (const [name, uses] of byName) {
    const roles = [...new Set(uses.map((u) => u.sa.irsaRoleArn ?? ''))].sort();
    // One role name per account is how multi-account fleets do it: that is not drift.
    if (roles.length < 2 || new Set(roles.map(roleNameOf)).size < 2) continue;
    const count = (arn: string) => uses.filter((u) => u.sa.irsaRoleArn === arn).length;
    const coverage = (arn: string) => irsaWorksIn(ctx, uses[0]?.sa.namespace ?? '', uses[0]?.sa.name ?? '', arn).length;
    const [chosen = ''] = [...roles].sort(
      (a, b) => count(b) - count(a) || coverage(b) - coverage(a) || a.localeCompare(b),
    );
    const others = uses.filter((u) => u.sa.irsaRoleArn !== chosen);
    ctx.add({
      key: `annotation-roles-differ:${name}:${roles.join(',')}`,
      kind: 'annotation-roles-differ',
      severity: 'risk',
      message: `${name} is annotated with ${roles.length} different roles across ${uses.length} clusters`,
      serviceAccount: name,
      roleArn: chosen,
      evidence: uses.map((u) => `${u.cluster.cluster}: ${u.sa.irsaRoleArn ?? ''}`),
      fix: others.map((u) => annotateCommand(ctx.context(u.cluster), u.sa.namespace, u.sa.name, chosen)),
      fixNote: `if ${roleNameOf(chosen)} (used in ${count(chosen)} cluster(s)) is the intended role; its trust must admit ${others.map((u) => u.cluster.cluster).join(', ')} first, and pods pick the annotation up only when restarted`,
    });
  }
}

function staleProviderTrust(ctx: DriftContext, providers: Set<string>): void {
  const account = ctx.input.catalog.accountId;
  const fleetIssuers = new Set(ctx.input.clusters.flatMap((c) => (c.oidcIssuer ? [issuerHostPath(c.oidcIssuer)] : [])));
  // A partial scan (some clusters, one namespace) judges the roles it saw in use, not the account.
  const used = new Set([...rolesInUse(ctx.input.clusters)].map(roleNameOf));
  const inScope = (role: RoleTrust) => ctx.input.complete || used.has(role.name);
  for (const role of ctx.input.catalog.roles.filter(inScope)) {
    const stale = new Set<string>();
    for (const statement of role.trustPolicy.Statement) {
      const principal = statement.Principal;
      if (statement.Effect !== 'Allow' || principal === undefined || principal === '*') continue;
      for (const arn of toList(principal.Federated)) {
        const match = /^arn:[^:]+:iam::(\d{12}):oidc-provider\/(.+)$/.exec(arn);
        if (!match || match[1] !== account) continue;
        const host = issuerHostPath(match[2] ?? '');
        // A fleet cluster's missing provider is `oidc-provider-missing`: IRSA is broken, not stale.
        if (!providers.has(host) && !fleetIssuers.has(host)) stale.add(host);
      }
    }
    for (const host of stale) {
      const finding = ctx.add({
        key: `trust-stale-oidc-provider:${role.arn}:${host}`,
        kind: 'trust-stale-oidc-provider',
        severity: 'cleanup',
        message: `role ${role.name} trusts OIDC provider ${host}, which no longer exists`,
        roleArn: role.arn,
        evidence: [
          `no OIDC provider ${host} in account ${account ?? ''}`,
          'the statement admits nobody and uses trust-policy space that other clusters need',
        ],
        fix: [],
      });
      ctx.editTrust(role.arn, finding, (e) => e.dropIssuers.push(host));
    }
  }
}

/** Roles the scanned clusters use, through an annotation or an association. */
function rolesInUse(clusters: ClusterScan[]): Set<string> {
  return new Set(
    clusters.flatMap((c) => [
      ...c.associations.map((a) => a.roleArn),
      ...c.serviceAccounts.flatMap((sa) => [
        ...sa.associations.map((a) => a.roleArn),
        ...(sa.irsaRoleArn ? [sa.irsaRoleArn] : []),
      ]),
    ]),
  );
}

/** Roles some scanned association maps to. */
function rolesAssociated(clusters: ClusterScan[]): Set<string> {
  return new Set(
    clusters.flatMap((c) => [
      ...c.associations.map((a) => a.roleArn),
      ...c.serviceAccounts.flatMap((sa) => sa.associations.map((a) => a.roleArn)),
    ]),
  );
}

function unusedPodIdentityTrust(ctx: DriftContext): void {
  const used = rolesAssociated(ctx.input.clusters);
  for (const role of ctx.input.catalog.roles) {
    if (!trustsPodIdentity(role.trustPolicy) || used.has(role.arn)) continue;
    const finding = ctx.add({
      key: `pod-identity-trust-unused:${role.arn}`,
      kind: 'pod-identity-trust-unused',
      severity: 'cleanup',
      message: `role ${role.name} trusts ${POD_IDENTITY_PRINCIPAL} but no association uses it`,
      roleArn: role.arn,
      evidence: [
        `no association in the ${ctx.input.clusters.length} scanned cluster(s) maps to ${role.arn}`,
        'anyone allowed to create an association (and pass the role) in this account could use it',
      ],
      fix: [],
    });
    ctx.editTrust(role.arn, finding, (e) => {
      e.dropPodIdentity = true;
    });
  }
}
