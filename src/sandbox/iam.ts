import type { OidcProviderInfo } from '../domain/fleet.js';
import { issuerHostPath, oidcProviderArn } from '../domain/trust-policy.js';
import type { PolicyDocument } from '../domain/types.js';
import { PortError } from '../ports/errors.js';
import type { RoleInfo } from '../domain/iam.js';
import type { IamPort } from '../ports/iam.js';
import { simulatePrincipalPolicy } from './policy-simulator.js';
import type { SandboxRuntime } from './runtime.js';
import type { FleetState, RoleState } from './state.js';

/** IAM calls are not per cluster: they are counted and faulted under `*`. */
export const IAM_SCOPE = '*';

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
  }
  return document as PolicyDocument;
}

export function requireRole(state: FleetState, roleName: string): RoleState {
  const role = state.roles[roleName];
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

/** The clusters' issuers and the ones registered on their own, once each. */
function oidcProviders(state: FleetState): OidcProviderInfo[] {
  const issuers = [
    ...Object.values(state.clusters).flatMap((c) => (c.oidcIssuer === undefined ? [] : [c.oidcIssuer])),
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
      return runtime.call(IAM_SCOPE, 'getRole', 'get-role', (s) => toRoleInfo(s, requireRole(s, roleName)));
    },
    updateTrustPolicy(roleName, document) {
      return runtime.call(IAM_SCOPE, 'updateTrustPolicy', 'update-trust', (s) => {
        const role = requireRole(s, roleName);
        const valid = validatePolicyDocument(document, 'trust');
        const size = JSON.stringify(valid).length;
        if (size > s.trustPolicySizeLimit) {
          throw new PortError(
            'limit-exceeded',
            `Cannot exceed quota for ACLSizePerRole: ${s.trustPolicySizeLimit} (document is ${size} characters).`,
            { code: 'LimitExceeded', httpStatus: 409 },
          );
        }
        role.trustPolicy = structuredClone(valid);
      });
    },
    listRolePolicyDocuments(roleName) {
      return runtime.call(IAM_SCOPE, 'listRolePolicyDocuments', undefined, (s) => {
        const role = requireRole(s, roleName);
        const inline = Object.entries(role.inlinePolicies)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, document]) => ({ source: `inline:${name}`, document }));
        const managed = role.managedPolicyArns.flatMap((arn) => {
          const policy = s.managedPolicies[arn];
          return policy === undefined ? [] : [{ source: arn, document: policy.document }];
        });
        return [...inline, ...managed];
      });
    },
    listRoles() {
      return runtime.call(IAM_SCOPE, 'listRoles', undefined, (s) =>
        Object.values(s.roles)
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((role) => toRoleInfo(s, role)),
      );
    },
    listRoleTags(roleName) {
      return runtime.call(IAM_SCOPE, 'listRoleTags', undefined, (s) => ({ ...requireRole(s, roleName).tags }));
    },
    listOpenIdConnectProviders() {
      return runtime.call(IAM_SCOPE, 'listOpenIdConnectProviders', undefined, oidcProviders);
    },
    simulatePrincipalPolicy(request) {
      return runtime.call(IAM_SCOPE, 'simulatePrincipalPolicy', undefined, (s) => simulatePrincipalPolicy(s, request));
    },
  };
}
