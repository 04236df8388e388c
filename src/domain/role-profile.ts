/**
 * What a role's permission policies allow, summed up for the inventory: how broad they
 * are and which principal tags they read. Blast radius, in numbers a slice can sort by.
 */
import type { OidcProviderInfo } from './fleet.js';
import type { NamedPolicyDocument } from './iam.js';
import { isSessionTag, principalTagKeys } from './principal-tags.js';
import { DEFAULT_TRUST_POLICY_LIMIT, toList } from './trust-policy.js';
import type { PolicyDocument } from './types.js';

/** A role's trust policy, as ListRoles returns it. */
export interface RoleTrust {
  arn: string;
  name: string;
  trustPolicy: PolicyDocument;
}

/** What the scan read from IAM for the whole account: trust policies and OIDC providers. */
export interface RoleCatalog {
  /** The account the IAM reads cover; roles of other accounts are neither confirmed nor denied. */
  accountId?: string;
  /** The account's trust-policy length quota. */
  trustPolicySizeLimit: number;
  /** Roles whose trust names an OIDC provider or Pod Identity, and every role asked for by ARN. */
  roles: RoleTrust[];
  oidcProviders: OidcProviderInfo[];
}

/** A page of the catalog: its roles (and the OIDC providers on the first page); `nextMarker` while more follow. */
export interface RoleCatalogPage extends RoleCatalog {
  nextMarker?: string;
}

/**
 * The pages put together, in order. The account is the first one a page knew (a page may
 * hold no role); every page carries the quota, and the first the OIDC providers.
 */
export function joinCatalogPages(pages: RoleCatalogPage[]): RoleCatalog {
  const accountId = pages.find((p) => p.accountId !== undefined)?.accountId;
  return {
    ...(accountId === undefined ? {} : { accountId }),
    trustPolicySizeLimit: pages[0]?.trustPolicySizeLimit ?? DEFAULT_TRUST_POLICY_LIMIT,
    roles: pages.flatMap((p) => p.roles),
    oidcProviders: pages.flatMap((p) => p.oidcProviders),
  };
}

export interface PolicyBreadth {
  /** Inline and attached managed policies. */
  policies: number;
  /** Allow statements across them. */
  statements: number;
  /** Distinct allowed actions (patterns counted once each). */
  actions: number;
  /** Distinct resources allowed. */
  resources: number;
  /** Allowed action patterns with a wildcard (`s3:*`, `*`); a `NotAction` counts as `NotAction`. */
  wildcardActions: string[];
  /** Some Allow covers every resource (`"Resource": "*"` or a `NotResource`). */
  allResources: boolean;
  /** `*` on `*`: administrator access. */
  admin: boolean;
}

export interface PrincipalTagUse {
  /** Keys read as `aws:PrincipalTag/<key>`, lowercased, sorted. */
  keys: string[];
  /** Keys that neither Pod Identity's session tags nor the role's own tags provide: they never match. */
  unknown: string[];
}

/** One role of the inventory beyond its trust policy. */
export interface RoleProfile {
  arn: string;
  name: string;
  policy?: PolicyBreadth;
  principalTags?: PrincipalTagUse;
  /** How many tags the role carries (each is a valid `aws:PrincipalTag/` key for its sessions). */
  tags?: number;
  /** Why the policies or tags could not be read. */
  error?: string;
}

/**
 * The catalog's role for an ARN. Annotations sometimes leave out the role's path, which
 * ListRoles includes: a role name is unique in its account, so the name decides.
 */
export function findRole(catalog: RoleCatalog, arn: string): RoleTrust | undefined {
  const exact = catalog.roles.find((r) => r.arn === arn);
  if (exact) return exact;
  const [, account, name] = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn) ?? [];
  return catalog.roles.find((r) => r.name === name && r.arn.includes(`::${account ?? ''}:`));
}

export function policyBreadth(documents: NamedPolicyDocument[]): PolicyBreadth {
  const actions = new Set<string>();
  const resources = new Set<string>();
  const wildcardActions = new Set<string>();
  let statements = 0;
  let allResources = false;
  let admin = false;
  for (const { document } of documents) {
    for (const statement of document.Statement) {
      if (statement.Effect !== 'Allow') continue;
      statements += 1;
      const allowed = toList(statement.Action);
      const on = toList(statement.Resource);
      for (const action of allowed) {
        actions.add(action.toLowerCase());
        if (action.includes('*')) wildcardActions.add(action);
      }
      if (statement.NotAction !== undefined) wildcardActions.add('NotAction');
      for (const resource of on) resources.add(resource);
      const everyResource = on.includes('*') || statement.NotResource !== undefined;
      if (everyResource) allResources = true;
      if (everyResource && (allowed.includes('*') || statement.NotAction !== undefined)) admin = true;
    }
  }
  return {
    policies: documents.length,
    statements,
    actions: actions.size,
    resources: resources.size,
    wildcardActions: [...wildcardActions].sort(),
    allResources,
    admin,
  };
}

export function principalTagUse(documents: NamedPolicyDocument[], roleTags: Record<string, string>): PrincipalTagUse {
  const tagKeys = new Set(Object.keys(roleTags).map((k) => k.toLowerCase()));
  const keys = new Set(documents.flatMap(({ document }) => principalTagKeys(document)).map((k) => k.toLowerCase()));
  const sorted = [...keys].sort();
  return { keys: sorted, unknown: sorted.filter((k) => !isSessionTag(k) && !tagKeys.has(k)) };
}

/** One line for tables: `12 actions (2 wildcard) on 3 resources, all resources`. */
export function describeBreadth(breadth: PolicyBreadth): string {
  if (breadth.admin) return 'ADMIN (* on *)';
  const wildcards = breadth.wildcardActions.length > 0 ? ` (${breadth.wildcardActions.length} wildcard)` : '';
  const every = breadth.allResources ? ', all resources' : '';
  return `${breadth.actions} actions${wildcards} on ${breadth.resources} resources${every}`;
}
