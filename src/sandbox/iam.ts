import type { OidcProviderInfo } from '../domain/fleet.js';
import { issuerHostPath, oidcProviderArn } from '../domain/trust-policy.js';
import type { PolicyDocument } from '../domain/types.js';
import { PortError } from '../ports/errors.js';
import type { RoleInfo } from '../domain/iam.js';
import type { IamPort } from '../ports/iam.js';
import { awsManagedPolicy } from './aws-managed-policies.js';
import { simulatePrincipalPolicy } from './policy-simulator.js';
import type { SandboxRuntime } from './runtime.js';
import { trustPolicySeenBySts, type FleetState, type RoleState } from './state.js';
import type { FleetView } from './view.js';

/** IAM calls are not per cluster: they are counted and faulted under `*`. */
export const IAM_SCOPE = '*';
/** ListRoles' page without MaxItems (IAM API Reference, ListRoles). */
const IAM_DEFAULT_MAX_ITEMS = 100;

function malformed(message: string): PortError {
  return new PortError('validation', message, { code: 'MalformedPolicyDocument', httpStatus: 400 });
}

/** The checks IAM makes before storing a policy document. */
export function validatePolicyDocument(document: unknown, kind: 'trust' | 'permissions'): PolicyDocument {
  if (typeof document !== 'object' || document === null) throw malformed('Syntax errors in policy.');
  const statements = (document as { Statement?: unknown }).Statement;
  if (!Array.isArray(statements) || statements.length === 0) throw malformed('Missing required field Statement');
  for (const statement of statements as unknown[]) {
    if (typeof statement !== 'object' || statement === null) throw malformed('Syntax errors in policy.');
    const s = statement as Record<string, unknown>;
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw malformed('Invalid effect: ' + JSON.stringify(s.Effect));
    if (s.Action === undefined && s.NotAction === undefined) throw malformed('Missing required field Action');
    if (kind === 'trust' && s.Principal === undefined && s.NotPrincipal === undefined) {
      throw malformed('Missing required field Principal');
    }
    // A trust policy is the role's resource policy: naming a Resource is refused with this
    // message (seen from AWS in terraform-aws-modules/terraform-aws-eks-pod-identity#34;
    // moto's IAMTrustPolicyDocumentValidator answers the same).
    if (kind === 'trust' && (s.Resource !== undefined || s.NotResource !== undefined)) {
      throw malformed('Has prohibited field Resource');
    }
  }
  return document as PolicyDocument;
}

export function requireRole(view: FleetView, roleName: string): RoleState {
  const role = view.role(roleName);
  if (role === undefined) {
    throw new PortError('not-found', `The role with name ${roleName} cannot be found.`, {
      code: 'NoSuchEntity',
      httpStatus: 404,
    });
  }
  return role;
}

function toRoleInfo(state: FleetState, role: RoleState): RoleInfo {
  return { arn: role.arn, name: role.name, accountId: state.accountId, trustPolicy: role.trustPolicy };
}

/** A customer managed policy of the account, or an AWS managed one. */
export function managedPolicyDocument(state: FleetState, arn: string): PolicyDocument | undefined {
  return state.managedPolicies[arn]?.document ?? awsManagedPolicy(arn);
}

/** The clusters' issuers (unless their provider is gone) and the ones registered on their own, once each. */
function oidcProviders(view: FleetView): OidcProviderInfo[] {
  const state = view.state;
  const issuers = [
    ...view
      .allClusterRows()
      .flatMap((c) => (c.oidcIssuer === undefined || c.oidcProviderMissing === true ? [] : [c.oidcIssuer])),
    ...(state.oidcProviders ?? []),
  ];
  const byArn = new Map(
    issuers.map((issuer) => [
      oidcProviderArn(state.accountId, issuer),
      { arn: oidcProviderArn(state.accountId, issuer), issuerHostPath: issuerHostPath(issuer) },
    ]),
  );
  return [...byArn.values()].sort((a, b) => a.arn.localeCompare(b.arn));
}

export function createSandboxIam(runtime: SandboxRuntime): IamPort {
  return {
    getRole(roleName) {
      return runtime.read(IAM_SCOPE, 'getRole', 'get-role', (v) => {
        const role = requireRole(v, roleName);
        const boundary = role.permissionsBoundaryArn;
        return {
          ...toRoleInfo(v.state, role),
          ...(boundary === undefined ? {} : { permissionsBoundaryArn: boundary }),
        };
      });
    },
    updateTrustPolicy(roleName, document) {
      return runtime.call(IAM_SCOPE, 'updateTrustPolicy', 'update-trust', (v, now) => {
        const s = v.state;
        const role = requireRole(v, roleName);
        const valid = validatePolicyDocument(document, 'trust');
        // "Role trust policy length" quota (IAM User Guide, "IAM and AWS STS quotas"): 2,048
        // characters by default. IAM counts no white space in policy sizes (same page), hence
        // compact JSON. AWS names only the quota, not the document's size, and answers 409.
        const size = JSON.stringify(valid).length;
        if (size > s.trustPolicySizeLimit) {
          throw new PortError('limit-exceeded', `Cannot exceed quota for ACLSizePerRole: ${s.trustPolicySizeLimit}`, {
            code: 'LimitExceeded',
            httpStatus: 409,
          });
        }
        const seen = trustPolicySeenBySts(role, now);
        role.trustPolicy = structuredClone(valid);
        if (runtime.iamConsistencyDelayMs > 0) {
          role.stsTrustPolicy = { document: seen, until: now + runtime.iamConsistencyDelayMs };
        } else {
          delete role.stsTrustPolicy;
        }
      });
    },
    listRolePolicyDocuments(roleName) {
      return runtime.read(IAM_SCOPE, 'listRolePolicyDocuments', undefined, (v) => {
        const role = requireRole(v, roleName);
        const inline = Object.entries(role.inlinePolicies)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, document]) => ({ source: `inline:${name}`, document }));
        const managed = role.managedPolicyArns.flatMap((arn) => {
          const document = managedPolicyDocument(v.state, arn);
          return document === undefined ? [] : [{ source: arn, document }];
        });
        return [...inline, ...managed];
      });
    },
    getPolicyDocument(policyArn) {
      return runtime.read(IAM_SCOPE, 'getPolicyDocument', undefined, (v) => {
        const document = managedPolicyDocument(v.state, policyArn);
        if (document === undefined) {
          throw new PortError('not-found', `Policy ${policyArn} does not exist or is not attachable.`, {
            code: 'NoSuchEntity',
            httpStatus: 404,
          });
        }
        return document;
      });
    },
    listRoles() {
      return runtime.read(IAM_SCOPE, 'listRoles', undefined, (v) =>
        v
          .allRoleRows()
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((role) => toRoleInfo(v.state, role)),
      );
    },
    listRolesPage({ marker, maxItems = IAM_DEFAULT_MAX_ITEMS } = {}) {
      return runtime.read(IAM_SCOPE, 'listRolesPage', undefined, (v) => {
        // The marker is opaque to callers; here it is the last name of the page before.
        const after = marker === undefined ? undefined : Buffer.from(marker, 'base64url').toString('utf8');
        const rest = v
          .allRoleRows()
          .filter((role) => after === undefined || role.name.localeCompare(after) > 0)
          .sort((a, b) => a.name.localeCompare(b.name));
        const page = rest.slice(0, maxItems).map((role) => toRoleInfo(v.state, role));
        const last = page.at(-1);
        return rest.length > maxItems && last !== undefined
          ? { roles: page, marker: Buffer.from(last.name, 'utf8').toString('base64url') }
          : { roles: page };
      });
    },
    listRoleTags(roleName) {
      return runtime.read(IAM_SCOPE, 'listRoleTags', undefined, (v) => ({ ...requireRole(v, roleName).tags }));
    },
    listOpenIdConnectProviders() {
      return runtime.read(IAM_SCOPE, 'listOpenIdConnectProviders', undefined, oidcProviders);
    },
    simulatePrincipalPolicy(request) {
      return runtime.read(IAM_SCOPE, 'simulatePrincipalPolicy', undefined, (v) => simulatePrincipalPolicy(v, request));
    },
  };
}
